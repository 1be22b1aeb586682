package io.stockade.hypervisor.vmm;

import java.nio.file.Path;

/** Where the guest's serial console (ttyS0) goes. */
public sealed interface SerialOutput {

    /** The VMM's standard output. */
    record Stdout() implements SerialOutput {}

    /** A file, created or truncated at VM start and flushed per line so it can be followed while the VM runs. */
    record ToFile(Path path) implements SerialOutput {
        public ToFile {
            if (path == null) {
                throw new InvalidVmConfigException("serial: file path is missing");
            }
        }
    }

    /** Discarded; the UART is still present so the guest's console driver works. */
    record Discard() implements SerialOutput {}

    /** Parses the CLI form: {@code stdout}, {@code none} or a file path. */
    public static SerialOutput parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new InvalidVmConfigException("serial: expected stdout, none or a file path, got an empty value");
        }
        return switch (spec) {
            case "stdout" -> new Stdout();
            case "none" -> new Discard();
            default -> new ToFile(Path.of(spec));
        };
    }
}
