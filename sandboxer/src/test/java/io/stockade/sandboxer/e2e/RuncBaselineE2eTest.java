package io.stockade.sandboxer.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same CRI scenario on containerd's own runc runtime with the local pause image: proves the node, the images
 * and the client, so a failure of the stockade tests points at the sandboxer, not the harness.
 */
@Tag("host")
class RuncBaselineE2eTest {
    private static CriNode node;

    @BeforeAll
    static void startNode() {
        node = CriNode.startWithoutSandboxer();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void criServesTheImportedImages() {
        assertTrue(node.cri().hasImage(node.busyboxImage()), "busybox image known to CRI");
        assertTrue(node.cri().version().getRuntimeVersion().startsWith("2.1"), node.cri().version().toString());
    }

    @Test
    void aRuncPodGoesThroughTheWholeLifecycle() {
        new PodLifecycle(node, CriNode.RUNC).runFullCycle("runc-lifecycle");
        assertTrue(node.leftovers().isEmpty(), () -> "left behind: " + node.leftovers());
    }
}
