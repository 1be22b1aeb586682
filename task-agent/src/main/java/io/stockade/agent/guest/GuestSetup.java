package io.stockade.agent.guest;

import io.stockade.agent.posix.ChildReaper;
import io.stockade.agent.posix.ChildStdio;
import io.stockade.agent.posix.Clock;
import io.stockade.agent.posix.ExitStatus;
import io.stockade.agent.posix.Hostname;
import io.stockade.agent.posix.SpawnSpec;
import io.stockade.proto.agent.v1.SetupGuestRequest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies SetupGuest in guest mode: host name, {@code /etc/hosts}, {@code /etc/resolv.conf},
 * interfaces and routes (through the {@code ip} tool), and the clock. The whole request is checked
 * before anything is changed.
 */
public final class GuestSetup {
    private static final List<String> IP_LOCATIONS =
            List.of("/sbin/ip", "/bin/ip", "/usr/sbin/ip", "/usr/bin/ip");

    private final Path etc;
    private final Path scratch;
    private final ChildReaper reaper;

    /**
     * @param etc where hostname, hosts and resolv.conf are written ({@code /etc} in the guest)
     * @param scratch a directory for the output of failed {@code ip} commands
     */
    public GuestSetup(Path etc, Path scratch, ChildReaper reaper) {
        this.etc = etc;
        this.scratch = scratch;
        this.reaper = reaper;
    }

    /**
     * Applies {@code request}.
     *
     * @throws IllegalArgumentException naming the first invalid field (nothing was changed then)
     * @throws IllegalStateException naming the step that failed while applying
     */
    public void apply(SetupGuestRequest request) {
        String hostname =
                request.getHostname().isEmpty()
                        ? ""
                        : GuestConfigFiles.hostname(request.getHostname());
        String hosts = GuestConfigFiles.hosts(request.getHostsList());
        String resolv =
                request.hasResolvConf()
                        ? GuestConfigFiles.resolvConf(request.getResolvConf())
                        : null;
        List<List<String>> ipCommands =
                request.getInterfacesCount() + request.getRoutesCount() == 0
                        ? List.of()
                        : IpCommands.of(
                                findIp(), request.getInterfacesList(), request.getRoutesList());
        if (request.getClockUnixNanos() < 0) {
            throw new IllegalArgumentException(
                    "clock_unix_nanos " + request.getClockUnixNanos() + " is negative");
        }

        if (request.getClockUnixNanos() > 0) {
            Clock.setRealtime(Instant.ofEpochSecond(0, request.getClockUnixNanos()));
        }
        if (!hostname.isEmpty()) {
            Hostname.set(request.getHostname());
            write("hostname", hostname);
        }
        write("hosts", hosts);
        if (resolv != null) {
            write("resolv.conf", resolv);
        }
        for (List<String> command : ipCommands) {
            run(command);
        }
    }

    private void write(String name, String text) {
        Path file = etc.resolve(name);
        try {
            Files.createDirectories(etc);
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e, e);
        }
    }

    private static String findIp() {
        return IP_LOCATIONS.stream()
                .filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        "no ip tool in "
                                                + IP_LOCATIONS
                                                + " to configure interfaces and routes"));
    }

    private void run(List<String> command) {
        Path errors = scratch.resolve("ip-" + System.nanoTime() + ".err");
        try {
            Files.createDirectories(scratch);
            ChildReaper.Child child =
                    reaper.spawn(
                            new SpawnSpec(
                                    command,
                                    Map.of("PATH", "/sbin:/bin:/usr/sbin:/usr/bin"),
                                    ChildStdio.devNull(),
                                    ChildStdio.devNull(),
                                    new ChildStdio.File(errors)));
            ExitStatus exit = child.exit().get(30, TimeUnit.SECONDS);
            if (exit.code() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command)
                                + " failed (exit "
                                + exit.code()
                                + "): "
                                + Files.readString(errors).strip());
            }
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", command) + " interrupted", e);
        } finally {
            try {
                Files.deleteIfExists(errors);
            } catch (IOException ignored) {
                // scratch output; harmless if left
            }
        }
    }
}
