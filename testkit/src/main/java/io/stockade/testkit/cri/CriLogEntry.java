package io.stockade.testkit.cri;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One line of a CRI container log file ({@code <RFC 3339 time> <stdout|stderr> <P|F> <content>}), the format
 * containerd writes for {@code ContainerConfig.log_path} and kubelet reads.
 *
 * @param time    when the runtime read the content
 * @param stream  which stream it came from
 * @param partial whether the line was split (tag {@code P}) and continues in the next entry of the same stream
 * @param content the bytes of the line without its newline
 */
public record CriLogEntry(Instant time, Stream stream, boolean partial, String content) {

    /** The stream a log line came from. */
    public enum Stream { STDOUT, STDERR }

    /** Parses one line of a CRI log file; a malformed line is rejected with the line quoted. */
    public static CriLogEntry parse(String line) {
        String[] fields = line.split(" ", 4);
        if (fields.length < 3) {
            throw new IllegalArgumentException("not a CRI log line (time stream tag content): '" + line + "'");
        }
        Instant time;
        try {
            time = Instant.parse(fields[0]);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("CRI log line has a bad timestamp '" + fields[0] + "': '" + line + "'", e);
        }
        Stream stream = switch (fields[1]) {
            case "stdout" -> Stream.STDOUT;
            case "stderr" -> Stream.STDERR;
            default -> throw new IllegalArgumentException("CRI log line has unknown stream '" + fields[1] + "': '"
                    + line + "'");
        };
        boolean partial = switch (fields[2].split(":", 2)[0]) {
            case "P" -> true;
            case "F" -> false;
            default -> throw new IllegalArgumentException("CRI log line has unknown tag '" + fields[2] + "': '"
                    + line + "'");
        };
        return new CriLogEntry(time, stream, partial, fields.length == 4 ? fields[3] : "");
    }
}
