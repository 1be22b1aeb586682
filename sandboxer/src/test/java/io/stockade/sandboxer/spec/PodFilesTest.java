package io.stockade.sandboxer.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import runtime.v1.Api.DNSConfig;
import runtime.v1.Api.PodSandboxConfig;

class PodFilesTest {
    private static final String HOST_RESOLV = "nameserver 192.0.2.53\n";

    @Test
    void buildsTheFilesFromThePodConfig() {
        PodFiles files =
                PodFiles.of(
                        PodSandboxConfig.newBuilder()
                                .setHostname("web-0")
                                .setDnsConfig(
                                        DNSConfig.newBuilder()
                                                .addServers("10.96.0.10")
                                                .addServers("10.96.0.11")
                                                .addSearches("default.svc.cluster.local")
                                                .addSearches("svc.cluster.local")
                                                .addOptions("ndots:5"))
                                .build(),
                        "node-1",
                        HOST_RESOLV);
        assertEquals("web-0\n", files.hostname());
        assertEquals(
                """
        nameserver 10.96.0.10
        nameserver 10.96.0.11
        search default.svc.cluster.local svc.cluster.local
        options ndots:5
        """,
                files.resolvConf());
        assertTrue(files.hosts().startsWith("127.0.0.1\tlocalhost\n"), files.hosts());
        assertTrue(files.hosts().endsWith("127.0.1.1\tweb-0\n"), files.hosts());
    }

    @Test
    void fallsBackToTheHostsNameAndResolverConfig() {
        PodFiles files =
                PodFiles.of(PodSandboxConfig.getDefaultInstance(), "node-1\n", HOST_RESOLV);
        assertEquals("node-1\n", files.hostname());
        assertEquals(HOST_RESOLV, files.resolvConf());
        PodFiles emptyDns =
                PodFiles.of(
                        PodSandboxConfig.newBuilder()
                                .setHostname("p")
                                .setDnsConfig(DNSConfig.getDefaultInstance())
                                .build(),
                        "node-1",
                        HOST_RESOLV);
        assertEquals(HOST_RESOLV, emptyDns.resolvConf());
    }

    @Test
    void rejectsEntriesThatWouldBreakTheFileFormat() {
        assertEquals(
                "hostname 'a?b' contains whitespace or a control character",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        PodFiles.of(
                                                PodSandboxConfig.newBuilder()
                                                        .setHostname("a\nb")
                                                        .build(),
                                                "h",
                                                HOST_RESOLV))
                        .getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        PodFiles.of(
                                PodSandboxConfig.newBuilder()
                                        .setHostname("p")
                                        .setDnsConfig(
                                                DNSConfig.newBuilder()
                                                        .addServers("1.1.1.1 options evil"))
                                        .build(),
                                "h",
                                HOST_RESOLV));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        PodFiles.of(
                                PodSandboxConfig.newBuilder()
                                        .setHostname("p")
                                        .setDnsConfig(DNSConfig.newBuilder().addSearches(""))
                                        .build(),
                                "h",
                                HOST_RESOLV));
    }
}
