package io.stockade.hypervisor.main;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One value of a device option such as {@code --disk /a.img,ro,id=root}: comma-separated items, each a
 * {@code key=value} pair or a bare flag, optionally led by a positional item (the disk's path). Keys and flags must
 * be among the ones the option knows and may appear once, so a typo fails instead of being ignored.
 */
record DeviceOptionValue(Optional<String> positional, Map<String, String> values, Set<String> flags) {

    static DeviceOptionValue parse(String option, String text, boolean positionalFirst, Set<String> knownKeys,
                                   Set<String> knownFlags) {
        List<String> items = List.of(text.split(",", -1));
        Optional<String> positional = Optional.empty();
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> flags = new LinkedHashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            if (item.isEmpty()) {
                throw new IllegalArgumentException(option + " " + text + ": empty item");
            }
            if (i == 0 && positionalFirst) {
                positional = Optional.of(item);
                continue;
            }
            int eq = item.indexOf('=');
            if (eq < 0) {
                if (!knownFlags.contains(item)) {
                    throw new IllegalArgumentException(option + " " + text + ": unknown flag \"" + item + "\""
                            + expected(knownKeys, knownFlags));
                }
                if (!flags.add(item)) {
                    throw new IllegalArgumentException(option + " " + text + ": \"" + item + "\" given twice");
                }
                continue;
            }
            String key = item.substring(0, eq);
            if (!knownKeys.contains(key)) {
                throw new IllegalArgumentException(option + " " + text + ": unknown key \"" + key + "\""
                        + expected(knownKeys, knownFlags));
            }
            if (values.put(key, item.substring(eq + 1)) != null) {
                throw new IllegalArgumentException(option + " " + text + ": \"" + key + "\" given twice");
            }
        }
        return new DeviceOptionValue(positional, Map.copyOf(values), Set.copyOf(flags));
    }

    /** The value of {@code key}, which must be present. */
    String required(String option, String key) {
        String value = values.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(option + ": " + key + "=... is required");
        }
        return value;
    }

    Optional<String> optional(String key) {
        return Optional.ofNullable(values.get(key));
    }

    private static String expected(Set<String> keys, Set<String> flags) {
        return " (expected " + String.join(", ", keys.stream().map(k -> k + "=...").sorted().toList())
                + (flags.isEmpty() ? "" : ", " + String.join(", ", flags.stream().sorted().toList())) + ")";
    }
}
