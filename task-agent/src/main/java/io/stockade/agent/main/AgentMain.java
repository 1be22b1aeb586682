package io.stockade.agent.main;

import io.stockade.agent.boot.GuestConsole;
import io.stockade.agent.boot.GuestInit;
import io.stockade.agent.posix.Power;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * Entry point: {@code java --enable-native-access=ALL-UNNAMED -cp ...
 * io.stockade.agent.main.AgentMain --listen unix:///run/agent.sock --io-listen
 * unix:///run/agent-io.sock}. In process mode it runs until containerd sends Shutdown with no task
 * left, or the process is signalled. In guest mode it is PID 1: it boots the guest first, and every
 * way out (Shutdown, SIGTERM, a failure) stops the containers and powers the VM off, because PID 1
 * exiting would panic the kernel.
 */
public final class AgentMain {
    /** How long containers get between SIGTERM and SIGKILL when the guest shuts down. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private AgentMain() {}

    public static void main(String[] args) throws InterruptedException {
        AgentOptions options;
        try {
            options = AgentOptions.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            if (List.of(args).contains("guest")) {
                GuestConsole.redirect();
                System.err.println("stockade-agent: " + e.getMessage());
                powerOff();
            }
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (options.mode() == AgentOptions.Mode.GUEST) {
            runAsGuestInit(options);
        } else {
            runAsProcess(options);
        }
    }

    private static void runAsProcess(AgentOptions options) throws InterruptedException {
        Logger log = LoggerFactory.getLogger(AgentMain.class);
        try (Agent agent = Agent.start(options)) {
            log.info(
                    "task agent {} serving on {} (stdio on {}), runtime {}, state in {}",
                    Agent.VERSION,
                    options.listen(),
                    options.ioListen(),
                    options.runtime(),
                    options.stateDir());
            Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
            agent.awaitShutdownRequest();
        }
    }

    private static void runAsGuestInit(AgentOptions options) {
        GuestConsole.redirect();
        Logger log = LoggerFactory.getLogger(AgentMain.class);
        Agent agent;
        try {
            GuestInit.boot(options.sharedTag(), options.clock());
            agent = Agent.start(options);
        } catch (Throwable t) {
            log.error("guest boot failed; powering off", t);
            powerOff();
            return;
        }
        log.info(
                "task agent {} is PID 1, serving on {} (stdio on {}), runtime {}",
                Agent.VERSION,
                options.listen(),
                options.ioListen(),
                options.runtime());
        Thread shutdown = new Thread(() -> shutDownGuest(agent, log), "guest-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            agent.awaitShutdownRequest();
            log.info("Shutdown requested by the host");
        } catch (InterruptedException e) {
            log.warn("interrupted while serving");
        }
        shutDownGuest(agent, log);
    }

    /**
     * Stops containers, closes the agent, syncs and powers off; safe to reach from the hook and the
     * main thread.
     */
    private static synchronized void shutDownGuest(Agent agent, Logger log) {
        try {
            log.info("stopping containers (grace {})", STOP_GRACE);
            agent.stopContainers(STOP_GRACE);
            agent.close();
        } catch (Throwable t) {
            log.error("orderly shutdown failed; powering off anyway", t);
        }
        powerOff();
    }

    private static void powerOff() {
        try {
            Power.sync();
            Power.powerOff();
        } catch (Throwable t) {
            System.err.println("stockade-agent: power-off failed: " + t);
        }
        // Only reached if reboot(2) was refused: halting here keeps PID 1 alive instead of
        // panicking the kernel.
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException ignored) {
                // keep halting
            }
        }
    }
}
