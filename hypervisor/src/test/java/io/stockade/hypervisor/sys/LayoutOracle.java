package io.stockade.hypervisor.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Test fixture: compiles {@code src/test/c/kvm_layout_oracle.c} with gcc against the machine's kernel and libc
 * headers, runs it once per JVM, and serves its facts (sizes, offsets, ioctl numbers, constants). Tests that use
 * it are skipped, with the reason, only when gcc or the headers are missing.
 */
public final class LayoutOracle {
    private static final Path SOURCE = Path.of("src/test/c/kvm_layout_oracle.c");
    private static final Path BINARY = Path.of("target/layout-oracle/kvm_layout_oracle");
    private static final Path KVM_HEADER = Path.of("/usr/include/linux/kvm.h");

    /** One line of the oracle's output. */
    public record Fact(String kind, String domain, String name, long value) {}

    private static List<Fact> facts;

    private LayoutOracle() {}

    /** The facts of one kind ("sizeof", "offsetof", "ioctl", "const") and domain, by name, sorted. */
    public static Map<String, Long> facts(String kind, String domain) {
        Map<String, Long> selected = new TreeMap<>();
        for (Fact f : all()) {
            if (f.kind().equals(kind) && f.domain().equals(domain)) {
                selected.put(f.name(), f.value());
            }
        }
        assumeTrue(!selected.isEmpty(), "the oracle printed no '" + kind + " " + domain + "' facts");
        return selected;
    }

    private static synchronized List<Fact> all() {
        if (facts == null) {
            facts = compileAndRun();
        }
        return facts;
    }

    private static List<Fact> compileAndRun() {
        assumeTrue(Files.exists(KVM_HEADER), KVM_HEADER + " is missing: install the linux-libc-dev package");
        assumeTrue(gccWorks(), "gcc is not installed; the layout oracle cannot be built");
        try {
            Files.createDirectories(BINARY.getParent());
            String compiled = run(List.of("gcc", "-std=gnu11", "-Wall", "-Werror", "-o", BINARY.toString(), SOURCE.toString()));
            assertEquals("", compiled, "gcc printed diagnostics for " + SOURCE);
            List<Fact> parsed = new ArrayList<>();
            for (String line : run(List.of(BINARY.toString())).split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length != 4) {
                    throw new IllegalStateException("malformed oracle line: '" + line + "'");
                }
                parsed.add(new Fact(f[0], f[1], f[2], Long.parseLong(f[3])));
            }
            return List.copyOf(parsed);
        } catch (IOException e) {
            throw new IllegalStateException("cannot build or run the layout oracle", e);
        }
    }

    private static boolean gccWorks() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + output);
        }
        return output;
    }
}
