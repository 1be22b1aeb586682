/**
 * Task events from the agents to containerd: each pod's agent Events stream (replayed after the last sequence
 * seen, also across a sandboxer restart) feeds one bounded queue that is forwarded with ttrpc
 * {@code Events.Forward} to containerd, retried with backoff; what does not fit or keeps failing is dropped and
 * logged.
 */
package io.stockade.sandboxer.events;
