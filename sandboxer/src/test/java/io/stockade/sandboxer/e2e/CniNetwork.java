package io.stockade.sandboxer.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A pod network for tests that never touches the host's: a network namespace created by the test, in which
 * containerd runs, so the CNI bridge (Debian's containernetworking-plugins, bridge + host-local on
 * {@link #SUBNET}) and every route of every pod live inside it. Deleting the namespace removes the bridge.
 */
final class CniNetwork implements AutoCloseable {
    static final Path PLUGIN_DIR = Path.of("/usr/lib/cni");
    static final String SUBNET = "10.213.0.0/24";
    static final String SUBNET_PREFIX = "10.213.0.";
    private static final String NETWORK_NAME = "stockade-e2e";

    private final String namespace;
    private boolean closed;

    private CniNetwork(String namespace) {
        this.namespace = namespace;
    }

    /** Whether the CNI plugins this network needs are installed (Debian: containernetworking-plugins). */
    static boolean pluginsInstalled() {
        return Files.isExecutable(PLUGIN_DIR.resolve("bridge")) && Files.isExecutable(PLUGIN_DIR.resolve("host-local"))
                && Files.isExecutable(PLUGIN_DIR.resolve("loopback"));
    }

    /** Creates the namespace (loopback up) and writes the network config into {@code confDir}. */
    static CniNetwork create(Path confDir, Path ipamDataDir) {
        String name = "se-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        run(List.of("ip", "netns", "add", name));
        CniNetwork network = new CniNetwork(name);
        try {
            run(List.of("ip", "-n", name, "link", "set", "lo", "up"));
            Files.createDirectories(ipamDataDir);
            Files.writeString(confDir.resolve("10-stockade-e2e.conflist"), conflist(ipamDataDir),
                    StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e instanceof IOException io ? new UncheckedIOException("cannot write the CNI config", io)
                    : (RuntimeException) e;
        }
        return network;
    }

    static String conflist(Path ipamDataDir) {
        return """
                {
                  "cniVersion": "1.0.0",
                  "name": "%s",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "se-br0",
                      "isGateway": true,
                      "ipMasq": false,
                      "hairpinMode": true,
                      "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": "%s"}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": "%s"
                      }
                    }
                  ]
                }
                """.formatted(NETWORK_NAME, SUBNET, ipamDataDir);
    }

    /** The namespace's file, for {@code nsenter --net=}. */
    Path namespaceFile() {
        return Path.of("/run/netns", namespace);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        run(List.of("ip", "netns", "del", namespace));
    }

    private static void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 30 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                        + ": " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
