/**
 * The few POSIX process and file-descriptor calls the agent needs that the JDK does not offer, bound with the FFM API
 * ({@code java.lang.foreign}): being a child subreaper, spawning with exact file descriptors, reaping any child with
 * its exit status, pipes and signals. The JVM must run with {@code --enable-native-access=ALL-UNNAMED}.
 */
package io.stockade.agent.posix;
