package io.stockade.hypervisor.vhostuser;

import java.util.OptionalInt;

/**
 * A byte stream to a vhost-user backend that can carry file descriptors: the unix socket in production, a scripted
 * peer in tests. Failures are thrown as they come; the frontend turns them into {@link VhostUserException}s.
 */
interface VhostUserChannel extends AutoCloseable {

    /** Sends {@code message} whole, with {@code fds} attached to it. */
    void send(byte[] message, int[] fds);

    /** Reads exactly {@code length} bytes; end of stream before that is an error. */
    byte[] receive(int length);

    /** The fd an event loop can watch for the peer hanging up, if the channel has one. */
    OptionalInt pollableFd();

    /** Names the peer in errors, e.g. {@code "vhost-user backend /run/x/fs.sock"}. */
    String describe();

    @Override
    void close();
}
