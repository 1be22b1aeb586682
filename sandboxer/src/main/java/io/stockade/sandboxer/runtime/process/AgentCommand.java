package io.stockade.sandboxer.runtime.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts one pod's agent: {@code setsid} (so a signal to the sandboxer's
 * process group does not reach it and it outlives a sandboxer restart), {@code nsenter
 * --net=<netns>} unless host network, the agent program, then its options.
 *
 * @param program the agent program and its leading arguments; by default this JVM's java running
 *     {@code io.stockade.agent.main.AgentMain} from this JVM's classpath (the task-agent jar is a
 *     dependency of the sandboxer), overridable with the {@code stockade.agent.classpath} system
 *     property
 * @param ociRuntime the OCI runtime the agent drives
 */
record AgentCommand(List<String> program, String ociRuntime) {
    static final String MAIN_CLASS = "io.stockade.agent.main.AgentMain";

    AgentCommand {
        program = List.copyOf(program);
    }

    /**
     * The default program: {@code <java.home>/bin/java --enable-native-access=ALL-UNNAMED -cp <cp>
     * AgentMain}.
     */
    static List<String> defaultProgram() {
        String classpath =
                System.getProperty(
                        "stockade.agent.classpath", System.getProperty("java.class.path"));
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xss512k",
                "-cp",
                classpath,
                MAIN_CLASS);
    }

    List<String> argv(
            String netnsPath, Path agentSocket, Path ioSocket, Path stateDir, String namespace) {
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        if (!netnsPath.isEmpty()) {
            argv.add("nsenter");
            argv.add("--net=" + netnsPath);
            argv.add("--");
        }
        argv.addAll(program);
        argv.addAll(
                List.of(
                        "--listen",
                        "unix://" + agentSocket,
                        "--io-listen",
                        "unix://" + ioSocket,
                        "--runtime",
                        ociRuntime,
                        "--state-dir",
                        stateDir.toString(),
                        "--mode",
                        "process",
                        "--namespace",
                        namespace));
        return argv;
    }
}
