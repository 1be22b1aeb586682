package io.stockade.hypervisor.devices.virtio.net;

import io.stockade.hypervisor.sys.FileDescriptors;
import io.stockade.hypervisor.sys.Namespaces;
import io.stockade.hypervisor.sys.Tap;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link NetBackend} on a Linux TAP device: the guest's link ends in a network interface of the host (in the
 * pod's network namespace, where the sandboxer wires it to the CNI interface). The TAP carries a 12-byte virtio-net
 * header on every frame ({@code IFF_VNET_HDR} + {@code TUNSETVNETHDRSZ 12}), and no offloads are enabled
 * ({@code TUNSETOFFLOAD 0}), so the kernel only ever hands over complete, checksummed frames of at most the TAP's
 * MTU. The interface's address and link state are left to whoever set up the namespace.
 */
public final class TapBackend implements NetBackend {

    private final Tap tap;
    private final String where;

    private TapBackend(Tap tap, String where) {
        this.tap = tap;
        this.where = where;
    }

    /**
     * Opens (creating if needed) TAP device {@code name} in the calling thread's network namespace; {@code %d} in
     * the name lets the kernel pick a number. A device this creates disappears when the backend is closed.
     */
    public static TapBackend open(String name) {
        return configure(Tap.open(name), "");
    }

    /**
     * Opens TAP device {@code name} inside the network namespace at {@code namespace} (e.g.
     * {@code /var/run/netns/NAME} or {@code /proc/PID/ns/net}). A TAP belongs to the namespace it was created in
     * and stays there whatever thread later uses its fd, so a short-lived platform thread enters the namespace,
     * opens the device and ends; the caller's threads never change namespace.
     */
    public static TapBackend openInNamespace(Path namespace, String name) {
        CompletableFuture<TapBackend> opened = new CompletableFuture<>();
        Thread.ofPlatform().name("tap-open " + name).start(() -> {
            try {
                Namespaces.enterNetwork(namespace.toString());
                opened.complete(configure(Tap.open(name), " in " + namespace));
            } catch (Throwable t) {
                opened.completeExceptionally(t);
            }
        });
        try {
            return opened.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private static TapBackend configure(Tap tap, String where) {
        try {
            tap.setVnetHeaderSize(NetHeader.BYTES);
            tap.setOffload(0);
            return new TapBackend(tap, where);
        } catch (RuntimeException e) {
            try {
                tap.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The interface name the kernel gave the device, e.g. {@code tap0}. */
    public String interfaceName() {
        return tap.name();
    }

    @Override
    public long receive(MemorySegment buffer) {
        long n = tap.read(buffer);
        return n == FileDescriptors.WOULD_BLOCK ? NO_PACKET : n;
    }

    @Override
    public boolean send(MemorySegment packet) {
        // A TAP takes a packet whole or not at all.
        return tap.write(packet) != FileDescriptors.WOULD_BLOCK;
    }

    @Override
    public int readinessFd() {
        return tap.fd();
    }

    @Override
    public void close() {
        tap.close();
    }

    @Override
    public String toString() {
        return "tap " + tap.name() + where;
    }
}
