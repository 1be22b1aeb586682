package io.stockade.sandboxer.store;

import java.util.regex.Pattern;

/**
 * Validates ids that peers send and that become path components (sandbox ids, container ids, exec
 * ids): 1–128 characters of {@code [A-Za-z0-9_.-]}, not starting with a dot, so never {@code /},
 * {@code ..}, or an empty name.
 */
public final class ObjectId {
    /** Longest accepted id; containerd's own ids are 64 hex characters. */
    public static final int MAX_LENGTH = 128;

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    private ObjectId() {}

    /**
     * Returns {@code id} if valid.
     *
     * @param what what the id names, for the message (e.g. "sandbox id")
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String requireValid(String what, String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (id.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    what
                            + " is "
                            + id.length()
                            + " characters long (at most "
                            + MAX_LENGTH
                            + " allowed)");
        }
        if (!ALLOWED.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    what
                            + " '"
                            + printable(id)
                            + "' must consist of letters, digits, '_', '.' and '-' and not start with '.' or '-'");
        }
        return id;
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints()
                .limit(MAX_LENGTH)
                .forEach(
                        c -> {
                            if (c < 0x20 || c == 0x7f) {
                                out.append(String.format("\\x%02x", c));
                            } else {
                                out.appendCodePoint(c);
                            }
                        });
        return out.toString();
    }
}
