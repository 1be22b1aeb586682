package io.stockade.hypervisor.main;

import io.stockade.hypervisor.api.VmmApiServer;
import io.stockade.hypervisor.vmm.ExitStatus;
import io.stockade.hypervisor.vmm.InvalidVmConfigException;
import io.stockade.hypervisor.vmm.VirtualMachine;
import io.stockade.hypervisor.vmm.VmConfig;
import io.stockade.hypervisor.vmm.VmExit;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * {@code stockade-vmm}: builds one VM from the command line, serves the control API if asked, runs the
 * guest until it stops and exits with a code that says why (see {@code --help}).
 */
public final class StockadeVmm {

    private StockadeVmm() {}

    public static void main(String[] args) {
        long vmmStartNanos = System.nanoTime();
        System.exit(run(args, vmmStartNanos, new PrintWriter(System.err, true)));
    }

    /** Runs the VMM; returns the process exit code. */
    static int run(String[] args, long vmmStartNanos, PrintWriter err) {
        VmmCommand command = new VmmCommand();
        CommandLine cli = new CommandLine(command).setErr(err);
        VmConfig config;
        try {
            ParseResult parsed = cli.parseArgs(args);
            if (CommandLine.printHelpIfRequested(parsed)) {
                return 0;
            }
            configureLogging(cli, command.logLevel);
            config = command.toConfig();
            config.checkHostFiles();
        } catch (ParameterException | InvalidVmConfigException e) {
            err.println("stockade-vmm: " + e.getMessage());
            err.println("Try 'stockade-vmm --help'.");
            return ExitStatus.BAD_CONFIG_EXIT_CODE;
        }
        return runVm(config, vmmStartNanos, err);
    }

    private static int runVm(VmConfig config, long vmmStartNanos, PrintWriter err) {
        Logger log = LoggerFactory.getLogger(StockadeVmm.class);
        VirtualMachine vm;
        try {
            vm = VirtualMachine.create(config, vmmStartNanos);
        } catch (InvalidVmConfigException e) {
            err.println("stockade-vmm: " + e.getMessage());
            return ExitStatus.BAD_CONFIG_EXIT_CODE;
        } catch (RuntimeException e) {
            log.error("could not build the VM", e);
            err.println("stockade-vmm: could not build the VM: " + e.getMessage());
            return ExitStatus.START_FAILED_EXIT_CODE;
        }
        VmmApiServer api = null;
        try {
            if (config.apiSocket().isPresent()) {
                api = VmmApiServer.start(config.apiSocket().get(), vm);
            }
            HostSignals.stopOnTermination(vm::requestStop);
            vm.start();
            VmExit exit = vm.awaitExit();
            log.info("VM stopped: {} {}", exit.status(), exit.message());
            vm.bootTimeSinceVmmStart().ifPresentOrElse(
                    t -> log.info("guest boot time was {} ms since VMM start", t.toMillis()),
                    () -> log.info("the guest never wrote the boot timer"));
            return exit.status().exitCode();
        } catch (RuntimeException e) {
            log.error("the VM failed", e);
            vm.close();
            return ExitStatus.START_FAILED_EXIT_CODE;
        } finally {
            if (api != null) {
                api.close();
            }
        }
    }

    /** One line per record on stderr: time, level, logger, message. */
    private static void configureLogging(CommandLine cli, String levelName) {
        Level level = switch (levelName.toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warn" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> throw new ParameterException(cli, "--log-level: expected error, warn, info or debug, got "
                    + levelName);
        };
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format",
                    "%1$tT.%1$tL %4$-7s %3$s: %5$s%6$s%n");
        }
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        root.setLevel(level);
        for (var handler : root.getHandlers()) {
            handler.setLevel(level);
        }
    }
}
