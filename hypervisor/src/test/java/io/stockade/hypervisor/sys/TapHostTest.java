package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TAP device opened after entering a network namespace this test creates lives in that namespace (and only
 * there), with the flags the VMM asks for. Needs root and iproute2.
 */
@Tag("host")
class TapHostTest {
    private final String netns = "stockade-tap-test-" + ProcessHandle.current().pid();

    @BeforeEach
    void createNamespace() throws Exception {
        run("ip", "netns", "add", netns);
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        run("ip", "netns", "delete", netns);
    }

    @Test
    void aTapOpenedInsideTheNamespaceIsVisibleThereWithVnetHeaders() throws Exception {
        onThreadInNamespace(() -> {
            try (Tap tap = Tap.open("stk%d")) {
                assertTrue(tap.name().startsWith("stk"), tap.name());
                tap.setVnetHeaderSize(12);
                tap.setOffload(Tap.TUN_F_CSUM | Tap.TUN_F_TSO4 | Tap.TUN_F_TSO6);
                String link = run("ip", "netns", "exec", netns, "ip", "-d", "link", "show", tap.name());
                assertTrue(link.contains(tap.name()) && link.contains("tun type tap") && link.contains("vnet_hdr on"),
                        link);
                // A TAP that is down has nothing to read; the fd is non-blocking.
                try (Arena arena = Arena.ofConfined()) {
                    assertEquals(FileDescriptors.WOULD_BLOCK, tap.read(arena.allocate(2048)));
                }
            }
            return null;
        });
    }

    @Test
    void overlongNamesAreRejectedBeforeTheKernelSeesThem() {
        assertThrows(IllegalArgumentException.class, () -> Tap.open("a-name-far-too-long"));
        assertThrows(IllegalArgumentException.class, () -> Tap.open(""));
    }

    @Test
    void enteringAMissingNamespaceNamesThePath() throws Exception {
        LinuxException e = assertThrows(LinuxException.class,
                () -> onThreadInNamespace("/var/run/netns/stockade-no-such-ns", () -> null));
        assertTrue(e.is(Errno.ENOENT) && e.getMessage().contains("stockade-no-such-ns"), e.getMessage());
    }

    interface Body {
        Object run() throws Exception;
    }

    private void onThreadInNamespace(Body body) throws Exception {
        onThreadInNamespace("/var/run/netns/" + netns, body);
    }

    // setns changes only the calling thread; a throwaway thread keeps the test runner in the host namespace.
    private static void onThreadInNamespace(String path, Body body) throws Exception {
        CompletableFuture<Object> done = new CompletableFuture<>();
        Thread.ofPlatform().name("in-netns").start(() -> {
            try {
                Namespaces.enterNetwork(path);
                done.complete(body.run());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
