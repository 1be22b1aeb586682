package io.stockade.sandboxer.spec;

import runtime.v1.Api.DNSConfig;
import runtime.v1.Api.PodSandboxConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The text of a pod's {@code /etc/hosts}, {@code /etc/hostname} and {@code /etc/resolv.conf}, built
 * from its PodSandboxConfig the way containerd's own pod sandbox controller does: the config's
 * hostname (else the host's), its DNS config (else the host's resolv.conf verbatim).
 *
 * @param hosts the hosts file
 * @param hostname the hostname file (name plus newline)
 * @param resolvConf the resolver config
 */
public record PodFiles(String hosts, String hostname, String resolvConf) {

    public PodFiles {
        Objects.requireNonNull(hosts, "hosts");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(resolvConf, "resolvConf");
    }

    /**
     * Builds the files for {@code config}.
     *
     * @param hostHostname used when the config names no hostname (host-network pods)
     * @param hostResolvConf used when the config has no DNS settings
     * @throws IllegalArgumentException if a hostname or DNS entry is empty where it must not be or
     *     would break the file format (whitespace, control characters)
     */
    public static PodFiles of(PodSandboxConfig config, String hostHostname, String hostResolvConf) {
        String name = config.getHostname().isEmpty() ? hostHostname.strip() : config.getHostname();
        requireWord("hostname", name);
        String hosts =
                """
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        fe00::0\tip6-mcastprefix
        fe00::1\tip6-allnodes
        fe00::2\tip6-allrouters
        127.0.1.1\t%s
        """
                        .formatted(name);
        return new PodFiles(
                hosts,
                name + "\n",
                config.hasDnsConfig() && !isEmpty(config.getDnsConfig())
                        ? resolvConf(config.getDnsConfig())
                        : hostResolvConf);
    }

    private static boolean isEmpty(DNSConfig dns) {
        return dns.getServersCount() == 0
                && dns.getSearchesCount() == 0
                && dns.getOptionsCount() == 0;
    }

    private static String resolvConf(DNSConfig dns) {
        StringBuilder out = new StringBuilder();
        for (String server : dns.getServersList()) {
            requireWord("DNS server", server);
            out.append("nameserver ").append(server).append('\n');
        }
        if (dns.getSearchesCount() > 0) {
            List<String> searches = new ArrayList<>();
            for (String search : dns.getSearchesList()) {
                requireWord("DNS search domain", search);
                searches.add(search);
            }
            out.append("search ").append(String.join(" ", searches)).append('\n');
        }
        if (dns.getOptionsCount() > 0) {
            List<String> options = new ArrayList<>();
            for (String option : dns.getOptionsList()) {
                requireWord("DNS option", option);
                options.add(option);
            }
            out.append("options ").append(String.join(" ", options)).append('\n');
        }
        return out.toString();
    }

    private static void requireWord(String what, String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException(
                        what
                                + " '"
                                + value.replaceAll("\\p{Cntrl}", "?")
                                + "' contains whitespace or a control character");
            }
        }
    }
}
