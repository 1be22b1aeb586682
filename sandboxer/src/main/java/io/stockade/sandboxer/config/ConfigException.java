package io.stockade.sandboxer.config;

/** A config file that cannot be used; the message names the file and, where it applies, the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
