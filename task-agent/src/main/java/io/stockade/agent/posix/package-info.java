/**
 * The POSIX and Linux calls the agent needs that the JDK does not offer, bound with the FFM API
 * ({@code java.lang.foreign}): being a child subreaper, spawning with exact file descriptors, reaping any child with
 * its exit status, pipes and signals; epoll, eventfd and inotify for cgroup notifications; mounts; receiving a
 * terminal over a console socket and resizing it; and PID 1's clock, host name, sync and power-off. The JVM must run
 * with {@code --enable-native-access=ALL-UNNAMED}.
 */
package io.stockade.agent.posix;
