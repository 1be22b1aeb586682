package io.stockade.agent.guest;

import io.stockade.proto.agent.v1.Interface;
import io.stockade.proto.agent.v1.Route;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code ip} (iproute2 or busybox) command lines that configure the guest's interfaces and
 * routes from a SetupGuest request, each argument checked so nothing but an address, a name or a
 * number reaches the tool.
 */
final class IpCommands {
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern MAC = Pattern.compile("(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}");

    private IpCommands() {}

    /** Per interface: MAC, MTU, addresses, up; then the routes (replacing any existing one). */
    static List<List<String>> of(String ip, List<Interface> interfaces, List<Route> routes) {
        List<List<String>> commands = new ArrayList<>();
        for (Interface nic : interfaces) {
            String name = requireInterface("interface name", nic.getName());
            if (!nic.getMac().isEmpty()) {
                if (!MAC.matcher(nic.getMac()).matches()) {
                    throw new IllegalArgumentException(
                            "interface "
                                    + name
                                    + ": MAC '"
                                    + GuestConfigFiles.printable(nic.getMac())
                                    + "' is not six colon-separated hex octets");
                }
                commands.add(List.of(ip, "link", "set", "dev", name, "address", nic.getMac()));
            }
            if (nic.getMtu() != 0) {
                if (nic.getMtu() < 68 || nic.getMtu() > 65535) {
                    throw new IllegalArgumentException(
                            "interface "
                                    + name
                                    + ": MTU "
                                    + Integer.toUnsignedString(nic.getMtu())
                                    + " is outside 68-65535");
                }
                commands.add(
                        List.of(
                                ip,
                                "link",
                                "set",
                                "dev",
                                name,
                                "mtu",
                                Integer.toString(nic.getMtu())));
            }
            for (String cidr : nic.getIpv4CidrsList()) {
                commands.add(
                        List.of(
                                ip,
                                "-4",
                                "addr",
                                "add",
                                requireCidr("interface " + name, cidr, false),
                                "dev",
                                name));
            }
            for (String cidr : nic.getIpv6CidrsList()) {
                commands.add(
                        List.of(
                                ip,
                                "-6",
                                "addr",
                                "add",
                                requireCidr("interface " + name, cidr, true),
                                "dev",
                                name));
            }
            commands.add(List.of(ip, "link", "set", "dev", name, "up"));
        }
        for (Route route : routes) {
            String destination = route.getDestination();
            boolean v6 = destination.contains(":");
            List<String> command =
                    new ArrayList<>(
                            List.of(
                                    ip,
                                    v6 ? "-6" : "-4",
                                    "route",
                                    "replace",
                                    requireCidr("route", destination, v6)));
            if (!route.getGateway().isEmpty()) {
                command.addAll(
                        List.of(
                                "via",
                                GuestConfigFiles.requireIp("route gateway", route.getGateway())));
            }
            if (!route.getDevice().isEmpty()) {
                command.addAll(List.of("dev", requireInterface("route device", route.getDevice())));
            }
            if (route.getGateway().isEmpty() && route.getDevice().isEmpty()) {
                throw new IllegalArgumentException(
                        "route " + destination + " has neither a gateway nor a device");
            }
            commands.add(List.copyOf(command));
        }
        return commands;
    }

    private static String requireInterface(String what, String name) {
        if (!INTERFACE.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what
                            + " '"
                            + GuestConfigFiles.printable(name)
                            + "' is not 1-15 characters from [A-Za-z0-9_.-]");
        }
        return name;
    }

    private static String requireCidr(String what, String cidr, boolean v6) {
        String[] parts = cidr.split("/", -1);
        int max = v6 ? 128 : 32;
        try {
            if (parts.length != 2 || v6 != parts[0].contains(":")) {
                throw new IllegalArgumentException("shape");
            }
            GuestConfigFiles.requireIp(what, parts[0]);
            int prefix = Integer.parseInt(parts[1]);
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix");
            }
            return cidr;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    what
                            + ": '"
                            + GuestConfigFiles.printable(cidr)
                            + "' is not an IPv"
                            + (v6 ? "6" : "4")
                            + " address/prefix (prefix 0-"
                            + max
                            + ")");
        }
    }
}
