package io.stockade.testkit.l1;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to run inside the L1 guest: a POSIX shell script executed as root in a chroot of the host's root file system
 * (read-only, with tmpfs on {@code /tmp} and {@code /run}, and {@code /dev/kvm}). The job can write to the run's
 * results directory, whose path is in {@code $STOCKADE_L1_RESULTS} and is the same inside L1 and on the host.
 *
 * @param script    shell script text (see {@link #command} for an argv)
 * @param memoryMiB RAM of the L1 guest
 * @param timeout   host-side limit for the whole run (boot included); QEMU is killed when it expires
 * @param env       extra environment variables for the script (L1 starts the job with a clean environment)
 * @param workDir   absolute directory the script starts in (it must exist on the host)
 */
public record L1Job(String script, int memoryMiB, Duration timeout, Map<String, String> env, Path workDir) {
    public static final int DEFAULT_MEMORY_MIB = 4096;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public L1Job {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(workDir, "workDir");
        if (memoryMiB < 256) {
            throw new IllegalArgumentException("L1 needs at least 256 MiB, got " + memoryMiB);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("L1 job timeout must be positive, got " + timeout);
        }
        if (!workDir.isAbsolute()) {
            throw new IllegalArgumentException("L1 job workDir must be absolute, got " + workDir);
        }
        env.forEach((name, value) -> {
            if (!ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a valid environment variable name for an L1 job: '" + name + "'");
            }
            Objects.requireNonNull(value, () -> "value of environment variable " + name);
        });
        env = Map.copyOf(env);
    }

    /** A job running {@code script} with the defaults (4 GiB, 10 minutes, no extra env, the current directory). */
    public static L1Job script(String script) {
        return new L1Job(script, DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT, Map.of(), Path.of("").toAbsolutePath());
    }

    /** A job that {@code exec}s {@code argv} (no shell interpretation of its words). */
    public static L1Job command(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("an L1 command needs at least the program name");
        }
        return script("exec " + ShellQuoting.quoteAll(argv) + "\n");
    }

    public static L1Job command(String... argv) {
        return command(List.of(argv));
    }

    public L1Job withMemoryMiB(int mib) {
        return new L1Job(script, mib, timeout, env, workDir);
    }

    public L1Job withTimeout(Duration limit) {
        return new L1Job(script, memoryMiB, limit, env, workDir);
    }

    public L1Job withEnv(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(env);
        more.put(name, value);
        return new L1Job(script, memoryMiB, timeout, more, workDir);
    }

    public L1Job withWorkDir(Path dir) {
        return new L1Job(script, memoryMiB, timeout, env, dir);
    }

    /** The {@code job.sh} L1's /init runs: environment, working directory, then the script. */
    String render() {
        StringBuilder sh = new StringBuilder("# L1 job written by io.stockade.testkit.l1.L1Guest\n");
        env.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sh.append("export ").append(e.getKey()).append('=')
                        .append(ShellQuoting.quote(e.getValue())).append('\n'));
        sh.append("cd ").append(ShellQuoting.quote(workDir.toString()))
                .append(" || { echo 'L1 job: cannot cd to its workDir' >&2; exit 125; }\n");
        sh.append(script);
        if (!script.endsWith("\n")) {
            sh.append('\n');
        }
        return sh.toString();
    }
}
