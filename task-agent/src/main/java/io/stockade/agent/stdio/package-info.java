/**
 * Container stdio: the pipes a container or exec process writes to and reads from, and the listener the host
 * attaches to, one connection per stream. A connection starts with the header line
 * {@code STDIO <container-id> <exec-id or -> <stdin|stdout|stderr>\n}; then raw bytes flow (stdout/stderr agent to
 * host, stdin host to agent). Output is read from a pipe only while the host connection is writable, so a slow or
 * absent host leaves data in the pipe (the process blocks) and nothing is buffered without bound or lost.
 */
package io.stockade.agent.stdio;
