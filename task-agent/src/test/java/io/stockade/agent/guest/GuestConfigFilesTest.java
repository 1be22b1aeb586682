package io.stockade.agent.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.proto.agent.v1.HostEntry;
import io.stockade.proto.agent.v1.ResolvConf;

import org.junit.jupiter.api.Test;

import java.util.List;

class GuestConfigFilesTest {

    @Test
    void hostsStartWithLoopbackThenTheRequestedEntries() {
        assertEquals(
                """
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        10.88.0.5\tweb-0 web-0.default.svc
        fd00::5\tweb-0
        """,
                GuestConfigFiles.hosts(
                        List.of(
                                HostEntry.newBuilder()
                                        .setIp("10.88.0.5")
                                        .addNames("web-0")
                                        .addNames("web-0.default.svc")
                                        .build(),
                                HostEntry.newBuilder()
                                        .setIp("fd00::5")
                                        .addNames("web-0")
                                        .build())));
    }

    @Test
    void resolvConfHasSearchNameserversAndOptions() {
        assertEquals(
                """
        search default.svc.cluster.local svc.cluster.local
        nameserver 10.96.0.10
        options ndots:5 edns0
        """,
                GuestConfigFiles.resolvConf(
                        ResolvConf.newBuilder()
                                .addSearches("default.svc.cluster.local")
                                .addSearches("svc.cluster.local")
                                .addNameservers("10.96.0.10")
                                .addOptions("ndots:5")
                                .addOptions("edns0")
                                .build()));
    }

    @Test
    void nothingThatCouldInjectALineIsAccepted() {
        IllegalArgumentException name =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> GuestConfigFiles.hostname("pod\n10.0.0.1 evil"));
        assertTrue(name.getMessage().contains("\\x0a"), name.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GuestConfigFiles.hosts(
                                List.of(
                                        HostEntry.newBuilder()
                                                .setIp("example.com")
                                                .addNames("x")
                                                .build())),
                "an IP literal, never a name");
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GuestConfigFiles.hosts(
                                List.of(HostEntry.newBuilder().setIp("10.0.0.1").build())),
                "an entry needs a name");
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GuestConfigFiles.resolvConf(
                                ResolvConf.newBuilder().addOptions("ndots:5 rotate").build()));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GuestConfigFiles.resolvConf(
                                ResolvConf.newBuilder()
                                        .addNameservers("10.0.0.1\nnameserver 6.6.6.6")
                                        .build()));
    }
}
