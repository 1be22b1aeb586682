package io.stockade.sandboxer.main;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;

import io.stockade.sandboxer.config.ConfigException;
import io.stockade.sandboxer.config.ConfigFile;
import io.stockade.sandboxer.config.SandboxerConfig;

import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code stockade-sandboxer [--config PATH]}: the containerd sandboxer daemon. Runs until
 * SIGTERM/SIGINT; pods keep running across its restarts.
 */
@Command(
        name = "stockade-sandboxer",
        mixinStandardHelpOptions = true,
        version = "stockade-sandboxer 0.1.0",
        description =
                "containerd sandboxer running each pod in its own microVM (or, in process mode, host process).")
public final class SandboxerMain implements Callable<Integer> {
    @Option(
            names = "--config",
            paramLabel = "PATH",
            description =
                    "TOML config file (default: /etc/stockade/config.toml; missing = all defaults)")
    private Path config;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SandboxerMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        SandboxerConfig settings;
        Sandboxer sandboxer;
        try {
            settings =
                    config == null
                            ? ConfigFile.load(SandboxerConfig.DEFAULT_PATH, false)
                            : ConfigFile.load(config, true);
            setLogLevel(settings.logLevel());
            sandboxer = Sandboxer.start(settings);
        } catch (ConfigException e) {
            System.err.println("stockade-sandboxer: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("stockade-sandboxer: cannot start: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(sandboxer::close, "sandboxer-shutdown"));
        sandboxer.awaitTermination();
        return 0;
    }

    private static void setLogLevel(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                    .setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
