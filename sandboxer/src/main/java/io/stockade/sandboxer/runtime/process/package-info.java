/**
 * Process mode: the agent runs as a host child process (its own session, in the pod's network namespace through
 * {@code nsenter}), and containers run with the host's runc. No hardware isolation.
 */
package io.stockade.sandboxer.runtime.process;
