package io.stockade.sandboxer.config;

import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the TOML config file. A missing file at the default path means "all defaults"; a missing
 * file that was named explicitly, a syntax error, an unknown key or a bad value is a {@link
 * ConfigException} naming the file and the key.
 */
public final class ConfigFile {
    private static final Set<String> KEYS =
            Set.of(
                    "root_dir",
                    "state_dir",
                    "listen",
                    "runtime",
                    "containerd_ttrpc_address",
                    "agent_runtime",
                    "agent_start_timeout",
                    "agent_command",
                    "log_level");
    private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

    private ConfigFile() {}

    /**
     * Loads {@code path}; when {@code explicit} is false and the file does not exist, returns the
     * defaults.
     *
     * @throws ConfigException naming the file and the key that is wrong
     */
    public static SandboxerConfig load(Path path, boolean explicit) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            if (!explicit) {
                return SandboxerConfig.defaults();
            }
            throw new ConfigException("config file " + path + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + path + ": " + e.getMessage(), e);
        }
        return parse(text, path.toString());
    }

    /** Parses TOML {@code text}; {@code source} names it in errors. */
    public static SandboxerConfig parse(String text, String source) {
        TomlParseResult toml = Toml.parse(text);
        if (toml.hasErrors()) {
            throw new ConfigException(
                    source + ": TOML syntax error: " + toml.errors().getFirst().toString());
        }
        for (String key : toml.keySet()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException(
                        source
                                + ": unknown key '"
                                + key
                                + "' (known keys: "
                                + String.join(", ", KEYS.stream().sorted().toList())
                                + ")");
            }
        }
        SandboxerConfig d = SandboxerConfig.defaults();
        return new SandboxerConfig(
                path(toml, source, "root_dir", d.rootDir()),
                path(toml, source, "state_dir", d.stateDir()),
                path(toml, source, "listen", d.listen()),
                runtime(toml, source, d.runtime()),
                path(toml, source, "containerd_ttrpc_address", d.containerdTtrpcAddress()),
                nonEmptyString(toml, source, "agent_runtime", d.agentRuntime()),
                duration(toml, source, "agent_start_timeout", d.agentStartTimeout()),
                command(toml, source, "agent_command", d.agentCommand()),
                logLevel(toml, source, d.logLevel()));
    }

    private static String string(TomlParseResult toml, String source, String key) {
        Object value = toml.get(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw bad(source, key, "must be a string, not " + describe(value));
        }
        return s;
    }

    private static String nonEmptyString(
            TomlParseResult toml, String source, String key, String fallback) {
        String value = string(toml, source, key);
        if (value == null) {
            return fallback;
        }
        if (value.isBlank()) {
            throw bad(source, key, "must not be empty");
        }
        return value;
    }

    private static Path path(TomlParseResult toml, String source, String key, Path fallback) {
        String value = string(toml, source, key);
        if (value == null) {
            return fallback;
        }
        if (!value.startsWith("/")) {
            throw bad(source, key, "must be an absolute path, not '" + value + "'");
        }
        if (value.indexOf('\0') >= 0) {
            throw bad(source, key, "must not contain a NUL character");
        }
        for (Path part : Path.of(value)) {
            if (part.toString().equals(".") || part.toString().equals("..")) {
                throw bad(
                        source,
                        key,
                        "must be a plain absolute path without '.' or '..' parts, not '"
                                + value
                                + "'");
            }
        }
        return Path.of(value);
    }

    private static RuntimeKind runtime(TomlParseResult toml, String source, RuntimeKind fallback) {
        String value = string(toml, source, "runtime");
        if (value == null) {
            return fallback;
        }
        return switch (value) {
            case "auto" -> RuntimeKind.AUTO;
            case "vm" -> RuntimeKind.VM;
            case "process" -> RuntimeKind.PROCESS;
            default ->
                    throw bad(
                            source, "runtime", "must be auto, vm or process, not '" + value + "'");
        };
    }

    private static Duration duration(
            TomlParseResult toml, String source, String key, Duration fallback) {
        String value = string(toml, source, key);
        if (value == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw bad(
                    source,
                    key,
                    "must be a duration such as \"500ms\", \"30s\" or \"2m\", not '" + value + "'");
        }
        long amount = Long.parseLong(m.group(1));
        Duration d =
                switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    default -> Duration.ofMinutes(amount);
                };
        if (d.isZero()) {
            throw bad(source, key, "must be greater than zero");
        }
        return d;
    }

    private static List<String> command(
            TomlParseResult toml, String source, String key, List<String> fallback) {
        Object value = toml.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof TomlArray array)) {
            throw bad(source, key, "must be an array of strings, not " + describe(value));
        }
        List<String> words = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof String word) || word.isEmpty()) {
                throw bad(source, key, "element " + i + " must be a non-empty string");
            }
            words.add(word);
        }
        if (words.isEmpty()) {
            throw bad(source, key, "must name a program (leave the key out for the default)");
        }
        return words;
    }

    private static String logLevel(TomlParseResult toml, String source, String fallback) {
        String value = string(toml, source, "log_level");
        if (value == null) {
            return fallback;
        }
        String level = value.toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw bad(
                    source,
                    "log_level",
                    "must be one of trace, debug, info, warn, error, not '" + value + "'");
        }
        return level;
    }

    private static ConfigException bad(String source, String key, String problem) {
        return new ConfigException(source + ": key '" + key + "' " + problem);
    }

    private static String describe(Object value) {
        return switch (value) {
            case Long l -> "the number " + l;
            case Double d -> "the number " + d;
            case Boolean b -> "the boolean " + b;
            case TomlArray a -> "an array";
            case org.tomlj.TomlTable t -> "a table";
            default -> value.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " " + value;
        };
    }
}
