package io.stockade.sandboxer.controller;

/** A call named a sandbox this sandboxer does not know. */
final class SandboxNotFoundException extends RuntimeException {
    SandboxNotFoundException(String id) {
        super("sandbox " + id + " not found");
    }
}
