package io.stockade.sandboxer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stockade.testkit.cri.CriLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * Pods on a CNI network (bridge + host-local inside a network namespace the test created): CRI sets up the pod's
 * namespace before Controller.Create, and a Stockade pod's containers must run in it, reachable from other pods.
 */
@Tag("host")
class StockadePodNetworkE2eTest {
    private static CriNode node;

    @BeforeAll
    static void startNode() {
        assumeTrue(CniNetwork.pluginsInstalled(), "needs Debian's containernetworking-plugins in /usr/lib/cni");
        node = CriNode.startWithPodNetwork();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aStockadePodServesHttpToARuncPodOverThePodNetwork() {
        PodLifecycle stockade = new PodLifecycle(node, CriNode.STOCKADE);
        PodLifecycle runc = new PodLifecycle(node, CriNode.RUNC);

        PodLifecycle.Pod server = stockade.runPod(CriSpecs.podNetworkPod("web", node.logRoot()));
        String serverIp = node.cri().podSandboxStatus(server.id()).getNetwork().getIp();
        assertTrue(serverIp.startsWith(CniNetwork.SUBNET_PREFIX), "pod IP " + serverIp + " from " + CniNetwork.SUBNET);
        PodLifecycle.Container httpd = stockade.startContainer(server, "httpd",
                "mkdir -p /srv && echo served by stockade > /srv/index.html && httpd -p 8080 -h /srv && echo listening");
        stockade.awaitLogLine(httpd, CriLogEntry.Stream.STDOUT, "listening");
        // The container sees the pod's CNI interface, not the host's.
        stockade.assertExec(httpd, serverIp + "\n", 0, "sh", "-c",
                "ip -4 -o addr show eth0 | sed -e 's/.*inet //' -e 's#/.*##'");

        PodLifecycle.Pod client = runc.runPod(CriSpecs.podNetworkPod("client", node.logRoot()));
        PodLifecycle.Container wget = runc.startContainer(client, "wget", "echo up");
        runc.assertExec(wget, "served by stockade\n", 0, "wget", "-q", "-O", "-", "http://" + serverIp + ":8080/");

        runc.stopAndRemove(client);
        stockade.stopAndRemove(server);
        assertEquals(List.of(), node.leftovers(), node::diagnostics);
    }
}
