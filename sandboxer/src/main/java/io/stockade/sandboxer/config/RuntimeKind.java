package io.stockade.sandboxer.config;

/**
 * Where pods run: {@code auto} picks {@link #VM} when /dev/kvm is usable, else {@link #PROCESS}.
 */
public enum RuntimeKind {
    AUTO,
    /** Each pod in its own KVM microVM. */
    VM,
    /** The agent as a host process in the pod netns; no hardware isolation. */
    PROCESS;

    /** The name used in the config file and in {@code Status.info}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
