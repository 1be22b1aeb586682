/**
 * Container stdio between containerd's host FIFOs and the agent: one pump per stream, each over its own agent
 * connection. Output is copied byte for byte and the FIFO's write end is closed at the agent's EOF, which is what
 * lets CRI's log drain finish; stdin is copied until the FIFO's writer closes, then half-closed towards the agent.
 */
package io.stockade.sandboxer.io;
