package io.stockade.testkit.cri;

/** TOML basic strings for values (paths, image names) that end up in containerd's config. */
final class TomlStrings {
    private TomlStrings() {
    }

    static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    /** A bare TOML key: the names used here (runtime handlers, plugin names) must not need quoting. */
    static String bareKey(String key) {
        if (!key.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("not a bare TOML key (letters, digits, '_' and '-' only): '" + key + "'");
        }
        return key;
    }
}
