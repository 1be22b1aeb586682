package io.stockade.agent.guest;

import io.stockade.proto.agent.v1.HostEntry;
import io.stockade.proto.agent.v1.ResolvConf;

import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The guest's name-resolution files rendered from a SetupGuest request: {@code /etc/hostname},
 * {@code /etc/hosts}, {@code /etc/resolv.conf}. Everything that goes into a file is checked first,
 * so a request cannot inject lines.
 */
final class GuestConfigFiles {
    private static final Pattern HOST_NAME =
            Pattern.compile(
                    "[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\\.?");
    private static final Pattern RESOLVER_WORD = Pattern.compile("[A-Za-z0-9_.:-]{1,253}");

    private GuestConfigFiles() {}

    /**
     * A host name, 1-253 characters of DNS labels; IllegalArgumentException naming {@code what}
     * otherwise.
     */
    static String requireHostName(String what, String name) {
        if (name.length() > 253 || !HOST_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what + " '" + printable(name) + "' is not a valid host name");
        }
        return name;
    }

    /** An IPv4 or IPv6 literal (never resolved). */
    static String requireIp(String what, String ip) {
        try {
            InetAddress.ofLiteral(ip);
            return ip;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    what + " '" + printable(ip) + "' is not an IP address");
        }
    }

    static String hostname(String name) {
        return requireHostName("hostname", name) + "\n";
    }

    /** Loopback entries, then the requested entries. */
    static String hosts(List<HostEntry> entries) {
        StringBuilder text =
                new StringBuilder(
                        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        for (HostEntry entry : entries) {
            requireIp("hosts entry address", entry.getIp());
            if (entry.getNamesCount() == 0) {
                throw new IllegalArgumentException(
                        "hosts entry " + entry.getIp() + " has no names");
            }
            text.append(entry.getIp()).append('\t');
            text.append(
                            String.join(
                                    " ",
                                    entry.getNamesList().stream()
                                            .map(n -> requireHostName("hosts entry name", n))
                                            .toList()))
                    .append('\n');
        }
        return text.toString();
    }

    static String resolvConf(ResolvConf conf) {
        StringBuilder text = new StringBuilder();
        if (conf.getSearchesCount() > 0) {
            text.append("search ")
                    .append(
                            String.join(
                                    " ",
                                    conf.getSearchesList().stream()
                                            .map(
                                                    s ->
                                                            requireHostName(
                                                                    "resolv.conf search domain", s))
                                            .toList()))
                    .append('\n');
        }
        for (String server : conf.getNameserversList()) {
            text.append("nameserver ").append(requireIp("nameserver", server)).append('\n');
        }
        if (conf.getOptionsCount() > 0) {
            text.append("options ")
                    .append(
                            String.join(
                                    " ",
                                    conf.getOptionsList().stream()
                                            .map(o -> requireWord("resolv.conf option", o))
                                            .toList()))
                    .append('\n');
        }
        return text.toString();
    }

    private static String requireWord(String what, String word) {
        if (!RESOLVER_WORD.matcher(word).matches()) {
            throw new IllegalArgumentException(
                    what
                            + " '"
                            + printable(word)
                            + "' has characters other than "
                            + "[A-Za-z0-9_.:-]");
        }
        return word;
    }

    static String printable(String text) {
        return text.codePoints()
                .limit(80)
                .collect(
                        StringBuilder::new,
                        (out, c) ->
                                out.append(
                                        c < 0x20 || c == 0x7f
                                                ? String.format("\\x%02x", c)
                                                : Character.toString(c)),
                        StringBuilder::append)
                .toString();
    }
}
