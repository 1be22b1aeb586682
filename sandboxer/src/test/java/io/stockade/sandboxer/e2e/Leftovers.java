package io.stockade.sandboxer.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a test node left on the host after its pods were removed: mounts under the sandboxer's root, files (sockets,
 * shared dirs) under its root and state directories, and processes that belong to the node (their command line
 * names the node's directory or its container marker). Each entry is a readable sentence for assertion messages.
 */
final class Leftovers {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private Leftovers() {
    }

    static List<String> find(SandboxerPaths paths, String processMarker, Set<Long> ownPids) {
        List<String> found = new ArrayList<>();
        for (Path mountPoint : mountsUnder(paths.base())) {
            found.add("mount " + mountPoint);
        }
        for (Path dir : List.of(paths.rootDir(), paths.stateDir())) {
            for (Path entry : entriesUnder(dir)) {
                found.add((Files.isDirectory(entry) ? "directory " : "file ") + entry);
            }
        }
        for (ProcessHandle process : processesMentioning(List.of(paths.base().toString(), processMarker), ownPids)) {
            found.add("process " + process.pid() + ": " + process.info().commandLine().orElse("?"));
        }
        return found;
    }

    /** Processes (other than {@code ownPids} and this JVM) whose command line contains any of {@code needles}. */
    static List<ProcessHandle> processesMentioning(List<String> needles, Set<Long> ownPids) {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && !ownPids.contains(p.pid()))
                .filter(p -> p.info().commandLine().map(cmd -> needles.stream().anyMatch(cmd::contains)).orElse(false))
                .toList();
    }

    /** Mount points at or below {@code dir}, deepest first. */
    static List<Path> mountsUnder(Path dir) {
        List<String> lines;
        try {
            lines = Files.readAllLines(MOUNTINFO);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNTINFO, e);
        }
        Path normalized = dir.toAbsolutePath().normalize();
        return lines.stream()
                .map(line -> line.split(" "))
                .filter(fields -> fields.length > 4)
                .map(fields -> Path.of(fields[4].replace("\\040", " ")))
                .filter(mountPoint -> mountPoint.startsWith(normalized))
                .distinct()
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                .toList();
    }

    private static List<Path> entriesUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.walk(dir)) {
            return entries.filter(entry -> !entry.equals(dir)).sorted().toList();
        } catch (IOException e) {
            return List.of(dir.resolve("(cannot list: " + e + ")"));
        }
    }
}
