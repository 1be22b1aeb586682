package io.stockade.agent.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.stockade.agent.posix.ChildReaper;
import io.stockade.proto.agent.v1.HostEntry;
import io.stockade.proto.agent.v1.Interface;
import io.stockade.proto.agent.v1.ResolvConf;
import io.stockade.proto.agent.v1.SetupGuestRequest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file part of SetupGuest against a scratch /etc (host name, interfaces and clock need a
 * guest).
 */
class GuestSetupTest {
    @TempDir Path dir;

    @Test
    void writesHostsAndResolvConf() throws IOException {
        Path etc = dir.resolve("etc");
        new GuestSetup(etc, dir.resolve("scratch"), ChildReaper.instance())
                .apply(
                        SetupGuestRequest.newBuilder()
                                .addHosts(
                                        HostEntry.newBuilder().setIp("10.88.0.5").addNames("web-0"))
                                .setResolvConf(ResolvConf.newBuilder().addNameservers("10.96.0.10"))
                                .build());
        assertEquals(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.88.0.5\tweb-0\n",
                Files.readString(etc.resolve("hosts")));
        assertEquals("nameserver 10.96.0.10\n", Files.readString(etc.resolve("resolv.conf")));
    }

    @Test
    void anInvalidRequestChangesNothing() {
        Path etc = dir.resolve("etc");
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new GuestSetup(etc, dir.resolve("scratch"), ChildReaper.instance())
                                .apply(
                                        SetupGuestRequest.newBuilder()
                                                .setResolvConf(
                                                        ResolvConf.newBuilder()
                                                                .addNameservers("10.96.0.10"))
                                                .addInterfaces(
                                                        Interface.newBuilder()
                                                                .setName("eth0")
                                                                .addIpv4Cidrs("not-a-cidr"))
                                                .build()));
        assertFalse(Files.exists(etc), "validation happens before any file is written");
    }
}
