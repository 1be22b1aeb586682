package io.stockade.ttrpc;

/**
 * Who is on the other end of a unix socket connection, as the kernel reports it ({@code SO_PEERCRED}) at connect
 * time. Available to server handlers through {@link TtrpcServer#PEER_CREDENTIALS}.
 *
 * @param pid the peer's process id
 * @param uid the peer's effective user id
 * @param gid the peer's effective group id
 */
public record PeerCredentials(int pid, int uid, int gid) {}
