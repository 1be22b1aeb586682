package io.stockade.testkit.l1;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Copies QEMU's output (L1's serial console plus QEMU's own warnings) to the run's serial log and notes, on the host
 * clock, when each {@link SerialMarker} first appears, which is how boot and job durations are measured.
 */
final class SerialConsole {
    private final Path log;
    private final long startNanos;
    private final Map<String, Duration> firstSeen = new ConcurrentHashMap<>();
    private final List<SerialMarker> fatal = new ArrayList<>();
    private volatile String lastEvent = "(none: L1 never reached /init)";
    private final Thread pump;

    private SerialConsole(InputStream output, Path log, long startNanos) {
        this.log = log;
        this.startNanos = startNanos;
        this.pump = Thread.ofPlatform().daemon().name("l1-serial-" + log.getParent().getFileName())
                .start(() -> copy(output));
    }

    static SerialConsole start(InputStream qemuOutput, Path log, long startNanos) {
        return new SerialConsole(qemuOutput, log, startNanos);
    }

    private void copy(InputStream output) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.write(line);
                out.write('\n');
                out.flush();
                SerialMarker.parse(line).ifPresent(this::note);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("copying L1 serial output to " + log, e);
        }
    }

    private void note(SerialMarker marker) {
        firstSeen.putIfAbsent(marker.event(), Duration.ofNanos(System.nanoTime() - startNanos));
        lastEvent = marker.event();
        if (marker.event().equals(SerialMarker.FATAL)) {
            synchronized (fatal) {
                fatal.add(marker);
            }
        }
    }

    /** Host time from QEMU's start to the first {@code event} marker. */
    Optional<Duration> seen(String event) {
        return Optional.ofNullable(firstSeen.get(event));
    }

    String lastEvent() {
        return lastEvent;
    }

    /** The first FATAL line's detail, {@code "<reason>: <message>"}. */
    Optional<String> fatal() {
        synchronized (fatal) {
            return fatal.stream().findFirst().map(SerialMarker::detail);
        }
    }

    /** Waits for QEMU's output to be fully copied (call after QEMU exited or was killed). */
    void awaitEnd(Duration limit) throws InterruptedException {
        pump.join(limit);
    }
}
