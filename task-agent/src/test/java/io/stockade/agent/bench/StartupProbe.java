package io.stockade.agent.bench;

import io.grpc.StatusRuntimeException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.proto.agent.v1.AgentGrpc;
import io.stockade.proto.agent.v1.HealthRequest;
import io.stockade.ttrpc.TtrpcChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Starts one agent process, waits until it answers Health, reads its idle RSS and stops it. */
final class StartupProbe {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 2;

    private final EventLoopGroup group;
    private final Duration idle;

    StartupProbe(EventLoopGroup group, Duration idle) {
        this.group = group;
        this.idle = idle;
    }

    StartupSample measure(AgentVariant variant) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "agent-bench-");
        Path socket = dir.resolve("agent.sock");
        Process agent = null;
        try {
            ProcessBuilder builder =
                    new ProcessBuilder(variant.command(dir))
                            .directory(variant.workDir().toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(dir.resolve("agent.log").toFile());
            long start = System.nanoTime();
            agent = builder.start();
            awaitHealthy(variant, agent, socket, dir);
            long startup = System.nanoTime() - start;
            Thread.sleep(idle);
            return new StartupSample(startup, rssKb(agent.pid()));
        } finally {
            if (agent != null) {
                agent.destroy();
                if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                    agent.destroyForcibly().waitFor();
                }
            }
            delete(dir);
        }
    }

    private void awaitHealthy(AgentVariant variant, Process agent, Path socket, Path dir)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!agent.isAlive()) {
                throw new IllegalStateException(
                        variant.name()
                                + ": agent exited with status "
                                + agent.exitValue()
                                + " before serving; its output:\n"
                                + Files.readString(dir.resolve("agent.log")));
            }
            if (Files.exists(socket) && healthy(socket)) {
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException(
                variant.name() + ": agent did not answer Health on " + socket + " within 60 s");
    }

    private boolean healthy(Path socket) {
        try (TtrpcChannel channel =
                TtrpcChannel.connect(new DomainSocketAddress(socket.toString()), group)) {
            return AgentGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .health(HealthRequest.getDefaultInstance())
                    .getReady();
        } catch (UncheckedIOException | StatusRuntimeException notServingYet) {
            // the socket file exists from bind(); the server may not be listening yet
            return false;
        }
    }

    static long rssKb(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).replace("kB", "").strip());
            }
        }
        throw new IOException("no VmRSS line in " + status);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
