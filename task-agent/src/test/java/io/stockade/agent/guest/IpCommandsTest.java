package io.stockade.agent.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.stockade.proto.agent.v1.Interface;
import io.stockade.proto.agent.v1.Route;

import org.junit.jupiter.api.Test;

import java.util.List;

class IpCommandsTest {

    @Test
    void configuresAnInterfaceThenItsRoutes() {
        List<List<String>> commands =
                IpCommands.of(
                        "/sbin/ip",
                        List.of(
                                Interface.newBuilder()
                                        .setName("eth0")
                                        .setMac("02:42:ac:11:00:02")
                                        .setMtu(1450)
                                        .addIpv4Cidrs("10.88.0.5/16")
                                        .addIpv6Cidrs("fd00::5/64")
                                        .build()),
                        List.of(
                                Route.newBuilder()
                                        .setDestination("0.0.0.0/0")
                                        .setGateway("10.88.0.1")
                                        .setDevice("eth0")
                                        .build(),
                                Route.newBuilder()
                                        .setDestination("fd00::/64")
                                        .setDevice("eth0")
                                        .build()));
        assertEquals(
                List.of(
                        List.of(
                                "/sbin/ip",
                                "link",
                                "set",
                                "dev",
                                "eth0",
                                "address",
                                "02:42:ac:11:00:02"),
                        List.of("/sbin/ip", "link", "set", "dev", "eth0", "mtu", "1450"),
                        List.of("/sbin/ip", "-4", "addr", "add", "10.88.0.5/16", "dev", "eth0"),
                        List.of("/sbin/ip", "-6", "addr", "add", "fd00::5/64", "dev", "eth0"),
                        List.of("/sbin/ip", "link", "set", "dev", "eth0", "up"),
                        List.of(
                                "/sbin/ip",
                                "-4",
                                "route",
                                "replace",
                                "0.0.0.0/0",
                                "via",
                                "10.88.0.1",
                                "dev",
                                "eth0"),
                        List.of("/sbin/ip", "-6", "route", "replace", "fd00::/64", "dev", "eth0")),
                commands);
    }

    @Test
    void rejectsWhatIsNotAnAddressNameOrNumber() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        IpCommands.of(
                                "ip",
                                List.of(Interface.newBuilder().setName("eth0; reboot").build()),
                                List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        IpCommands.of(
                                "ip",
                                List.of(
                                        Interface.newBuilder()
                                                .setName("eth0")
                                                .setMac("02:42:ac:11:00")
                                                .build()),
                                List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        IpCommands.of(
                                "ip",
                                List.of(
                                        Interface.newBuilder()
                                                .setName("eth0")
                                                .addIpv4Cidrs("10.88.0.5/33")
                                                .build()),
                                List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        IpCommands.of(
                                "ip",
                                List.of(
                                        Interface.newBuilder()
                                                .setName("eth0")
                                                .addIpv4Cidrs("fd00::5/64")
                                                .build()),
                                List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        IpCommands.of(
                                "ip",
                                List.of(Interface.newBuilder().setName("eth0").setMtu(10).build()),
                                List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        IpCommands.of(
                                "ip",
                                List.of(),
                                List.of(Route.newBuilder().setDestination("0.0.0.0/0").build())));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        IpCommands.of(
                                "ip",
                                List.of(),
                                List.of(
                                        Route.newBuilder()
                                                .setDestination("0.0.0.0/0")
                                                .setGateway("gateway.local")
                                                .build())));
    }
}
