package io.stockade.sandboxer.runtime.process;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The containers of one pod as runc knows them (the agent's runc state root). Used to kill what is
 * left when a pod stops, whether or not its agent still answers.
 *
 * @param runc the runc binary
 * @param root the agent's runc {@code --root}
 */
record RuncContainers(String runc, Path root) {
    private static final Logger log = LoggerFactory.getLogger(RuncContainers.class);

    /**
     * Force-deletes every container under {@link #root} (SIGKILL to all its processes, then
     * removal).
     */
    void killAll() {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (var entries = Files.list(root)) {
            for (Path entry : entries.filter(Files::isDirectory).toList()) {
                String id = entry.getFileName().toString();
                run(List.of(runc, "--root", root.toString(), "delete", "--force", id));
            }
        } catch (IOException e) {
            log.warn("cannot list runc state root {}: {}", root, e.toString());
        }
    }

    private static void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                log.warn("{} did not finish in 30 s", String.join(" ", command));
            } else if (process.exitValue() != 0) {
                log.warn(
                        "{} exited with {}: {}",
                        String.join(" ", command),
                        process.exitValue(),
                        new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            log.warn("cannot run {}: {}", String.join(" ", command), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
