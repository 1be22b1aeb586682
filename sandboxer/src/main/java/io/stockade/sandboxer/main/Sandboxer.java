package io.stockade.sandboxer.main;

import io.stockade.sandboxer.config.ConfigException;
import io.stockade.sandboxer.config.RuntimeKind;
import io.stockade.sandboxer.config.SandboxerConfig;
import io.stockade.sandboxer.controller.ControllerServer;
import io.stockade.sandboxer.runtime.PodRuntime;
import io.stockade.sandboxer.runtime.process.ProcessRuntime;
import io.stockade.sandboxer.spec.PodFiles;
import io.stockade.sandboxer.store.SandboxStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A running sandboxer built from a {@link SandboxerConfig}: the runtime it chose, and the
 * Controller server. Tests start one in-process with {@link #start}; {@link SandboxerMain} is the
 * command.
 */
public final class Sandboxer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sandboxer.class);
    private static final Path KVM = Path.of("/dev/kvm");

    private final ControllerServer server;
    private final RuntimeKind runtime;

    private Sandboxer(ControllerServer server, RuntimeKind runtime) {
        this.server = server;
        this.runtime = runtime;
    }

    /**
     * Starts serving as {@code config} says.
     *
     * @throws ConfigException if the configured runtime cannot be used
     */
    public static Sandboxer start(SandboxerConfig config) {
        RuntimeKind kind = chooseRuntime(config.runtime());
        PodRuntime runtime =
                switch (kind) {
                    case PROCESS ->
                            new ProcessRuntime(
                                    config.agentCommand(),
                                    config.agentRuntime(),
                                    config.agentStartTimeout(),
                                    "stockade");
                    default ->
                            throw new ConfigException(
                                    "runtime = \""
                                            + kind.configName()
                                            + "\" is not yet implemented; "
                                            + "use runtime = \"process\"");
                };
        if (kind == RuntimeKind.PROCESS) {
            log.warn(
                    "process mode: pods run as host processes with runc, WITHOUT hardware isolation");
        }
        ControllerServer server =
                ControllerServer.start(
                        config.listen(),
                        config.rootDir(),
                        new SandboxStore(config.stateDir()),
                        runtime,
                        config.containerdTtrpcAddress(),
                        podConfig -> PodFiles.of(podConfig, hostHostname(), hostResolvConf()));
        log.info(
                "stockade sandboxer serving the Controller on {} ({} runtime, root {}, state {})",
                config.listen(),
                kind.configName(),
                config.rootDir(),
                config.stateDir());
        return new Sandboxer(server, kind);
    }

    /**
     * auto: vm where /dev/kvm is usable — but the VM runtime is not in this version, so auto means
     * process.
     */
    static RuntimeKind chooseRuntime(RuntimeKind configured) {
        if (configured != RuntimeKind.AUTO) {
            return configured;
        }
        if (Files.isReadable(KVM) && Files.isWritable(KVM)) {
            log.warn(
                    "/dev/kvm is usable but the vm runtime is not yet implemented; runtime = auto uses process mode");
        }
        return RuntimeKind.PROCESS;
    }

    /** The runtime in use. */
    public RuntimeKind runtime() {
        return runtime;
    }

    /** The Controller's socket. */
    public Path socket() {
        return server.socket();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Stops serving; running pods are left running for the next sandboxer to re-attach. */
    @Override
    public void close() {
        server.close();
    }

    private static String hostHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static String hostResolvConf() {
        try {
            return Files.readString(Path.of("/etc/resolv.conf"));
        } catch (IOException e) {
            return "";
        }
    }
}
