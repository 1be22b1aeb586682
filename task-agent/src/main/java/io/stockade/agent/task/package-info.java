/**
 * The containerd Task v3 service: containers and exec processes, their lifecycle state machine, and the mapping of
 * Task RPCs onto the OCI runtime, the stdio pipes and the event log.
 */
package io.stockade.agent.task;
