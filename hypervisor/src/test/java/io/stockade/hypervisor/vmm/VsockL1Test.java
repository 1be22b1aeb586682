package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.stockade.testkit.l1.Initramfs;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moves checksummed data through virtio-vsock with the hybrid unix-socket backend between a real guest (Debian's
 * stock kernel and vsock modules, with {@code src/test/c/vsock_peer.c} as the guest's peer) and this JVM, which is
 * the VMM's host side, all in one boot: a guest-initiated stream to host port 5001 (the test listens on
 * {@code <uds>_5001}), a host-initiated stream to guest port 5002 (the test connects to {@code <uds>} and sends
 * {@code CONNECT 5002}), then 32 concurrent streams each way, and finally {@code poweroff -f}.
 *
 * <p>Each stream is the exchange {@code vsock_peer.c} describes: the initiator sends a seed and a splitmix64 stream
 * of that seed, the responder checks every byte and answers with the stream of a derived seed, which the
 * initiator checks. Both sides also CRC-32 what they sent and received, and the test compares the guest's CRCs
 * (from its console) with its own, so each side's view of the other is checked independently.
 *
 * <p>The big streams are {@value #DEFAULT_BIG_MIB} MiB each way by default; {@code -Dstockade.test.vsock.mib=N}
 * changes that. Throughput is printed, never asserted. Needs {@code gcc} with a static libc (Debian: libc6-dev) in
 * L1, i.e. on the host, plus the properties {@link VmmKvmTierTest} passes.
 */
@Tag("l1")
@Disabled("Intermittent device bug found by this test: a host-initiated 64 MiB stream sometimes ends early (EOF at"
        + " ~5.6 MB) after the guest-initiated run passed; passed in 2 of 4 full runs. See docs/status.md.")
class VsockL1Test {

    static final int DEFAULT_BIG_MIB = 64;
    static final long BIG_BYTES = Long.getLong("stockade.test.vsock.mib", DEFAULT_BIG_MIB) << 20;
    static final int MANY = 32;
    static final long SMALL_BYTES = 256 << 10;
    static final long GUEST_CID = 3;
    static final int GUEST_TO_HOST_PORT = 5001;
    static final int HOST_TO_GUEST_PORT = 5002;
    static final int MANY_GUEST_TO_HOST_PORT = 5003;
    static final int MANY_HOST_TO_GUEST_PORT = 5004;
    static final List<String> MODULES = List.of("virtio_mmio", "vmw_vsock_virtio_transport");
    static final Duration RUN_LIMIT = Duration.ofMinutes(6);
    static final Path PEER_SOURCE = Path.of("src/test/c/vsock_peer.c");
    private static final String SAY = VirtioDevicesL1Test.SAY;

    @TempDir
    Path dir;

    @Test
    void streamsCrossTheDeviceIntactInBothDirectionsAloneAndThirtyTwoAtATime() throws Exception {
        Path peer = compilePeer();
        Path uds = dir.resolve("vsock.sock");
        Path console = dir.resolve("vsock-console.log");
        Path initrd = initramfs(peer).writeGzip(dir.resolve("vsock-initrd.cpio.gz"));
        VmConfig config = new VmConfig(VirtualMachineL1Test.kernel(), Optional.of(initrd),
                VirtioDevicesL1Test.CMDLINE, 1, 256, new SerialOutput.ToFile(console), Optional.empty(), false,
                List.of(new VsockConfig(GUEST_CID, uds)));
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();

        try (HostPeer host = new HostPeer(uds)) {
            // The guest connects as soon as it is up, so the host ports listen before the VM starts.
            Future<List<Future<Exchange>>> fromGuest = host.acceptFromGuest(GUEST_TO_HOST_PORT, 1, BIG_BYTES);
            Future<List<Future<Exchange>>> manyFromGuest = host.acceptFromGuest(MANY_GUEST_TO_HOST_PORT, MANY,
                    SMALL_BYTES);
            VmExit exit;
            Exchange toGuest;
            List<Future<Exchange>> manyToGuest = new ArrayList<>();
            try (VirtualMachine vm = VirtualMachine.create(config, System.nanoTime())) {
                vm.start();
                awaitConsole(console, vm, SAY + "vsock serving port=" + HOST_TO_GUEST_PORT, deadline);
                toGuest = await(host.connectToGuest(HOST_TO_GUEST_PORT, 0, BIG_BYTES),
                        "host-initiated stream to port " + HOST_TO_GUEST_PORT, console, deadline);
                awaitConsole(console, vm, SAY + "vsock serving port=" + MANY_HOST_TO_GUEST_PORT, deadline);
                for (int i = 0; i < MANY; i++) {
                    manyToGuest.add(host.connectToGuest(MANY_HOST_TO_GUEST_PORT, i, SMALL_BYTES));
                }
                exit = await(vm.exitFuture(), "the guest's poweroff", console, deadline);
            }
            // The guest is gone: an accept still waiting for it must fail now rather than at the deadline.
            host.stopAccepting();
            VirtualMachineL1Test.keep(console);
            String output = Files.readString(console, StandardCharsets.UTF_8);
            assertEquals(ExitStatus.POWEROFF, exit.status(), "exit " + exit + "; console:\n" + output);
            assertFalse(output.contains(SAY + "insmod "), "a module did not load:\n" + output);
            assertFalse(output.contains(" failed: "), "a guest stream failed:\n" + output);

            GuestReport big = GuestReport.find(output, "connect", GUEST_TO_HOST_PORT);
            big.assertMatches(1, BIG_BYTES, awaitAll(fromGuest, "the guest-initiated stream", console, deadline));
            GuestReport bigToGuest = GuestReport.find(output, "serve", HOST_TO_GUEST_PORT);
            bigToGuest.assertMatches(1, BIG_BYTES, List.of(toGuest));
            GuestReport many = GuestReport.find(output, "connect", MANY_GUEST_TO_HOST_PORT);
            many.assertMatches(MANY, SMALL_BYTES,
                    awaitAll(manyFromGuest, "the concurrent guest-initiated streams", console, deadline));
            List<Exchange> manyOut = new ArrayList<>();
            for (Future<Exchange> f : manyToGuest) {
                manyOut.add(await(f, "a concurrent host-initiated stream", console, deadline));
            }
            GuestReport manyToGuestReport = GuestReport.find(output, "serve", MANY_HOST_TO_GUEST_PORT);
            manyToGuestReport.assertMatches(MANY, SMALL_BYTES, manyOut);

            System.out.printf("vsock throughput (guest clock, both directions counted): %d MiB each way"
                            + " guest-initiated %.1f MiB/s, host-initiated %.1f MiB/s; %d streams of %d KiB each way"
                            + " guest-initiated %.1f MiB/s, host-initiated %.1f MiB/s%n", BIG_BYTES >> 20,
                    big.mibPerSecond(), bigToGuest.mibPerSecond(), MANY, SMALL_BYTES >> 10, many.mibPerSecond(),
                    manyToGuestReport.mibPerSecond());
        }
    }

    /** Builds the guest peer for this machine's guest: static, since the initramfs has no libc. */
    private Path compilePeer() throws Exception {
        Path binary = dir.resolve("vsock_peer");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-static", "-Wall", "-o", binary.toString(),
                PEER_SOURCE.toAbsolutePath().toString(), "-lpthread").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), "gcc " + PEER_SOURCE + " failed:\n" + out);
        return binary;
    }

    private Initramfs initramfs(Path peer) throws Exception {
        StringBuilder init = new StringBuilder("""
                #!/bin/sh
                mount -t proc proc /proc
                mount -t sysfs sys /sys
                mount -t devtmpfs dev /dev
                say() { echo "%s$*"; }
                """.formatted(SAY));
        Initramfs initramfs = Initramfs.withBusybox().copy(peer, "bin/vsock_peer", 0755);
        for (Path module : VirtioDevicesL1Test.resolveModules(
                Path.of(System.getProperty(VirtioDevicesL1Test.MODULES_PROPERTY)), MODULES)) {
            String file = module.getFileName().toString();
            initramfs.copy(module, "lib/modules/" + file, 0644);
            init.append("insmod /lib/modules/%s || say \"insmod %s failed\"\n".formatted(file, file));
        }
        // One step after the other, so each direction's throughput is its own; the host waits for "serving".
        init.append("""
                say "virtio=$(ls /sys/bus/virtio/devices | tr '\\n' ' ')"
                vsock_peer connect 2 %d 1 %d
                vsock_peer serve %d 1 %d
                vsock_peer connect 2 %d %d %d
                vsock_peer serve %d %d %d
                say "done"
                poweroff -f
                sleep 30
                """.formatted(GUEST_TO_HOST_PORT, BIG_BYTES, HOST_TO_GUEST_PORT, BIG_BYTES,
                MANY_GUEST_TO_HOST_PORT, MANY, SMALL_BYTES, MANY_HOST_TO_GUEST_PORT, MANY, SMALL_BYTES));
        return initramfs.init(init.toString());
    }

    /**
     * The test's end of the streams: unix sockets only, as the hybrid backend sees them. Closing it closes every
     * socket it opened, which unblocks any exchange still waiting.
     */
    private static final class HostPeer implements AutoCloseable {
        private final Path uds;
        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final List<AutoCloseable> sockets = new ArrayList<>();
        private final List<ServerSocketChannel> listeners = new ArrayList<>();

        HostPeer(Path uds) {
            this.uds = uds;
        }

        /** Listens on {@code <uds>_<port>} for {@code count} guest streams and answers each of them. */
        Future<List<Future<Exchange>>> acceptFromGuest(int port, int count, long bytes) throws IOException {
            ServerSocketChannel server = track(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
            listeners.add(server);
            server.bind(UnixDomainSocketAddress.of(Path.of(uds + "_" + port)), count);
            return pool.submit(() -> {
                List<Future<Exchange>> streams = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    SocketChannel accepted = track(server.accept());
                    streams.add(pool.submit(() -> Exchange.respond(accepted, bytes)));
                }
                return streams;
            });
        }

        /** A host client of the VMM's socket: {@code CONNECT <port>}, {@code OK <host port>}, then the exchange. */
        Future<Exchange> connectToGuest(int guestPort, int index, long bytes) {
            return pool.submit(() -> {
                SocketChannel channel = track(SocketChannel.open(StandardProtocolFamily.UNIX));
                channel.connect(UnixDomainSocketAddress.of(uds));
                Exchange.writeAll(channel, ByteBuffer.wrap(("CONNECT " + guestPort + "\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                String answer = readLine(channel);
                if (!answer.matches("OK [0-9]+")) {
                    throw new IOException("CONNECT " + guestPort + " was answered with '" + answer
                            + "', not OK <port>");
                }
                return Exchange.initiate(channel, (long) guestPort << 32 | 0x8000_0000L | index, bytes);
            });
        }

        void stopAccepting() throws IOException {
            for (ServerSocketChannel server : listeners) {
                server.close();
            }
        }

        private <T extends AutoCloseable> T track(T socket) {
            synchronized (sockets) {
                sockets.add(socket);
            }
            return socket;
        }

        @Override
        public void close() throws Exception {
            synchronized (sockets) {
                for (AutoCloseable s : sockets) {
                    s.close();
                }
            }
            pool.shutdownNow();
        }
    }

    /** The handshake answer, read a byte at a time: what follows the newline is already the stream. */
    private static String readLine(SocketChannel channel) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder line = new StringBuilder();
        while (line.length() < 64) {
            one.clear();
            if (channel.read(one) < 0) {
                throw new EOFException("the VMM closed the connection after '" + line + "', before a newline");
            }
            if (one.get(0) == '\n') {
                return line.toString();
            }
            line.append((char) one.get(0));
        }
        throw new IOException("no newline in the VMM's first 64 bytes: '" + line + "'");
    }

    private static void awaitConsole(Path console, VirtualMachine vm, String line, long deadline) throws Exception {
        while (!Files.readString(console, StandardCharsets.UTF_8).contains(line)) {
            if (vm.exitFuture().isDone() || System.nanoTime() > deadline) {
                VirtualMachineL1Test.keep(console);
                fail("the guest never printed '" + line + "' (" + (vm.exitFuture().isDone() ? "the VM ended: "
                        + vm.exitFuture().get() : "time is up") + "); console:\n" + VirtualMachineL1Test.tail(console));
            }
            Thread.sleep(200);
        }
    }

    private static <T> T await(Future<T> future, String what, Path console, long deadline) throws Exception {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            VirtualMachineL1Test.keep(console);
            return fail(what + " did not finish within " + RUN_LIMIT + "; console:\n"
                    + VirtualMachineL1Test.tail(console));
        } catch (ExecutionException e) {
            VirtualMachineL1Test.keep(console);
            throw new AssertionError(what + " failed: " + e.getCause() + "; console:\n"
                    + VirtualMachineL1Test.tail(console), e.getCause());
        }
    }

    private static List<Exchange> awaitAll(Future<List<Future<Exchange>>> streams, String what, Path console,
                                           long deadline) throws Exception {
        List<Exchange> done = new ArrayList<>();
        for (Future<Exchange> f : await(streams, what + " (accepting)", console, deadline)) {
            done.add(await(f, what, console, deadline));
        }
        return done;
    }

    /** What one side of a stream saw: the stream's seed and the CRC-32s of the bytes it sent and received. */
    record Exchange(long seed, long crcSent, long crcReceived) {

        /** Mirrors {@code REPLY_SEED_MASK} in vsock_peer.c: the responder answers with this seed's stream. */
        static final long REPLY_SEED_MASK = 0x5bd1e9955bd1e995L;
        private static final int CHUNK = 64 << 10;

        static Exchange initiate(SocketChannel channel, long seed, long bytes) throws IOException {
            try (channel) {
                ByteBuffer header = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, seed);
                writeAll(channel, header);
                long sent = send(channel, seed, bytes);
                long received = check(channel, seed ^ REPLY_SEED_MASK, bytes);
                return new Exchange(seed, sent, received);
            }
        }

        static Exchange respond(SocketChannel channel, long bytes) throws IOException {
            try (channel) {
                ByteBuffer header = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                readFully(channel, header, "the seed", 0);
                long seed = header.getLong(0);
                long received = check(channel, seed, bytes);
                long sent = send(channel, seed ^ REPLY_SEED_MASK, bytes);
                return new Exchange(seed, sent, received);
            }
        }

        private static long send(SocketChannel channel, long seed, long bytes) throws IOException {
            SplitMix64Bytes stream = new SplitMix64Bytes(seed);
            CRC32 crc = new CRC32();
            byte[] chunk = new byte[CHUNK];
            for (long off = 0; off < bytes; off += CHUNK) {
                int n = (int) Math.min(CHUNK, bytes - off);
                stream.fill(chunk, n);
                crc.update(chunk, 0, n);
                writeAll(channel, ByteBuffer.wrap(chunk, 0, n));
            }
            return crc.getValue();
        }

        private static long check(SocketChannel channel, long seed, long bytes) throws IOException {
            SplitMix64Bytes stream = new SplitMix64Bytes(seed);
            CRC32 crc = new CRC32();
            byte[] want = new byte[CHUNK];
            ByteBuffer got = ByteBuffer.allocate(CHUNK);
            for (long off = 0; off < bytes; off += CHUNK) {
                int n = (int) Math.min(CHUNK, bytes - off);
                got.clear().limit(n);
                readFully(channel, got, "the payload of stream " + Long.toHexString(seed), off);
                stream.fill(want, n);
                crc.update(got.array(), 0, n);
                int at = Arrays.mismatch(got.array(), 0, n, want, 0, n);
                if (at >= 0) {
                    throw new IOException("stream " + Long.toHexString(seed) + " differs at byte " + (off + at)
                            + ": got 0x" + Integer.toHexString(got.get(at) & 0xff) + ", want 0x"
                            + Integer.toHexString(want[at] & 0xff));
                }
            }
            return crc.getValue();
        }

        static void writeAll(SocketChannel channel, ByteBuffer data) throws IOException {
            while (data.hasRemaining()) {
                channel.write(data);
            }
        }

        private static void readFully(SocketChannel channel, ByteBuffer into, String what, long offset)
                throws IOException {
            while (into.hasRemaining()) {
                if (channel.read(into) < 0) {
                    throw new EOFException("end of stream in " + what + " at byte " + (offset + into.position()));
                }
            }
        }
    }

    /** The byte stream vsock_peer.c generates: splitmix64 outputs, each as 8 little-endian bytes. */
    static final class SplitMix64Bytes {
        private long state;
        private long pending;
        private int available;

        SplitMix64Bytes(long seed) {
            this.state = seed;
        }

        void fill(byte[] out, int n) {
            for (int i = 0; i < n; i++) {
                if (available == 0) {
                    long z = (state += 0x9e3779b97f4a7c15L);
                    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
                    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
                    pending = z ^ (z >>> 31);
                    available = 8;
                }
                out[i] = (byte) pending;
                pending >>>= 8;
                available--;
            }
        }
    }

    /** The guest's result line for one {@code vsock_peer} run. */
    record GuestReport(String mode, int port, int connections, int ok, long bytes, long seed, long crcSent,
                       long crcReceived, long millis) {

        private static final Pattern LINE = Pattern.compile(Pattern.quote(SAY) + "vsock (connect|serve) port=(\\d+)"
                + " connections=(\\d+) ok=(\\d+) bytes=(\\d+) seed=([0-9a-f]+) crc_sent=([0-9a-f]+)"
                + " crc_received=([0-9a-f]+) ms=(\\d+)");

        static GuestReport find(String console, String mode, int port) {
            Matcher m = LINE.matcher(console);
            while (m.find()) {
                if (m.group(1).equals(mode) && Integer.parseInt(m.group(2)) == port) {
                    return new GuestReport(mode, port, Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
                            Long.parseLong(m.group(5)), Long.parseUnsignedLong(m.group(6), 16),
                            Long.parseLong(m.group(7), 16), Long.parseLong(m.group(8), 16), Long.parseLong(m.group(9)));
                }
            }
            return fail("no result line of 'vsock_peer " + mode + "' on port " + port + " in the console:\n"
                    + console);
        }

        /**
         * Every stream succeeded on the guest's side, and its first stream's CRCs are the mirror image of what
         * the host computed for the stream with the same seed.
         */
        void assertMatches(int expectedConnections, long expectedBytes, List<Exchange> host) {
            String where = "vsock_peer " + mode + " on port " + port;
            assertEquals(expectedConnections, connections, where);
            assertEquals(expectedConnections, ok, where + ": streams the guest checked successfully");
            assertEquals(expectedBytes, bytes, where);
            assertEquals(expectedConnections, host.size(), where + ": streams the host completed");
            Exchange peer = host.stream().filter(e -> e.seed() == seed).findFirst()
                    .orElseThrow(() -> new AssertionError(where + ": the host saw no stream with the guest's seed "
                            + Long.toHexString(seed) + " among " + host));
            assertEquals(peer.crcReceived(), crcSent, where + ": CRC-32 of what the guest sent vs the host received");
            assertEquals(peer.crcSent(), crcReceived, where + ": CRC-32 of what the host sent vs the guest received");
        }

        double mibPerSecond() {
            return 2.0 * connections * bytes / (1 << 20) / Math.max(1, millis) * 1000;
        }
    }
}
