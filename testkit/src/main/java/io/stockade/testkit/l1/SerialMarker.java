package io.stockade.testkit.l1;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A progress line L1's /init prints on the serial console: {@code STOCKADE-L1: <event> [detail] uptime=<seconds>},
 * or {@code STOCKADE-L1: FATAL <reason>: <message>} when L1 cannot run the job (scripts/l1/init.sh).
 *
 * @param event  {@code init}, {@code shares-mounted}, {@code kvm-ready}, {@code job-start}, {@code job-exit},
 *               {@code poweroff} or {@code FATAL}
 * @param detail the rest of the line without the uptime, possibly empty
 * @param uptime L1's uptime when the line was printed, if given
 */
record SerialMarker(String event, String detail, OptionalDouble uptime) {
    static final String PREFIX = "STOCKADE-L1: ";
    static final String FATAL = "FATAL";
    private static final String UPTIME = "uptime=";

    static Optional<SerialMarker> parse(String line) {
        String text = line.strip();
        if (!text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String body = text.substring(PREFIX.length()).strip();
        OptionalDouble uptime = OptionalDouble.empty();
        int at = body.lastIndexOf(UPTIME);
        if (at >= 0 && (at == 0 || body.charAt(at - 1) == ' ')) {
            try {
                uptime = OptionalDouble.of(Double.parseDouble(body.substring(at + UPTIME.length())));
                body = body.substring(0, at).strip();
            } catch (NumberFormatException notAnUptime) {
                // "uptime=" inside a message: keep the line whole
            }
        }
        if (body.isEmpty()) {
            return Optional.empty();
        }
        int space = body.indexOf(' ');
        return Optional.of(space < 0
                ? new SerialMarker(body, "", uptime)
                : new SerialMarker(body.substring(0, space), body.substring(space + 1).strip(), uptime));
    }
}
