package io.stockade.sandboxer.runtime.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class AgentCommandTest {
    private final AgentCommand command = new AgentCommand(List.of("/opt/agent"), "runc");

    @Test
    void entersThePodNetworkNamespaceInItsOwnSession() {
        assertEquals(
                List.of(
                        "setsid",
                        "nsenter",
                        "--net=/run/netns/cni-1",
                        "--",
                        "/opt/agent",
                        "--listen",
                        "unix:///r/p/agent.sock",
                        "--io-listen",
                        "unix:///r/p/agent-io.sock",
                        "--runtime",
                        "runc",
                        "--state-dir",
                        "/r/p/agent",
                        "--mode",
                        "process",
                        "--namespace",
                        "k8s.io"),
                command.argv(
                        "/run/netns/cni-1",
                        Path.of("/r/p/agent.sock"),
                        Path.of("/r/p/agent-io.sock"),
                        Path.of("/r/p/agent"),
                        "k8s.io"));
    }

    @Test
    void aHostNetworkPodStaysInTheHostNetwork() {
        List<String> argv =
                command.argv("", Path.of("/a"), Path.of("/b"), Path.of("/c"), "default");
        assertEquals(List.of("setsid", "/opt/agent"), argv.subList(0, 2));
    }

    @Test
    void theDefaultProgramIsThisJvmRunningTheAgentMain() {
        List<String> program = AgentCommand.defaultProgram();
        assertTrue(program.getFirst().endsWith("/bin/java"), program.toString());
        assertEquals(AgentCommand.MAIN_CLASS, program.getLast());
        assertTrue(program.contains("--enable-native-access=ALL-UNNAMED"));
    }
}
