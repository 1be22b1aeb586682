package io.stockade.hypervisor.vmm;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM's native resources (KVM fds, guest memory, eventfds, console), closed in reverse order of
 * acquisition, each even if an earlier one failed to close. Used both when building fails half-way and when
 * the VM stops.
 */
final class ResourceStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResourceStack.class);

    private record Entry(String name, AutoCloseable resource) {}

    private final Deque<Entry> entries = new ArrayDeque<>();

    /** Remembers {@code resource} for closing and returns it. */
    synchronized <T extends AutoCloseable> T push(String name, T resource) {
        entries.push(new Entry(name, resource));
        return resource;
    }

    /** Closes everything pushed so far, newest first; idempotent. */
    @Override
    public synchronized void close() {
        while (!entries.isEmpty()) {
            Entry entry = entries.pop();
            try {
                entry.resource().close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", entry.name(), e.toString());
            }
        }
    }
}
