package io.stockade.hypervisor.vhostuser;

import java.io.EOFException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.OptionalInt;

/**
 * A vhost-user backend played by the test: records every message the frontend sends (decoded header, payload and
 * attached fds) and answers from a script of raw reply bytes, so malformed replies are as easy as good ones.
 */
final class ScriptedBackend implements VhostUserChannel {

    /** One message as the backend received it. */
    record Sent(MessageHeader header, byte[] payload, int[] fds) {
        ByteBuffer body() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private final List<Sent> sent = new ArrayList<>();
    private final Deque<Byte> replies = new ArrayDeque<>();
    private RuntimeException sendFailure;
    private boolean closed;

    static byte[] reply(int request, int flags, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).order(ByteOrder.LITTLE_ENDIAN).putInt(request).putInt(flags)
                .putInt(payload.length).put(payload).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] state(int index, int num) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
    }

    /** Queues a well-formed reply (version 1, REPLY flag) to {@code request}. */
    ScriptedBackend answer(Request request, byte[] payload) {
        return answerRaw(reply(request.code, MessageHeader.VERSION | MessageHeader.REPLY, payload));
    }

    ScriptedBackend ack(Request request) {
        return answer(request, u64(0));
    }

    ScriptedBackend answerRaw(byte[] bytes) {
        for (byte b : bytes) {
            replies.add(b);
        }
        return this;
    }

    void failSendsWith(RuntimeException e) {
        sendFailure = e;
    }

    List<Sent> sent() {
        return sent;
    }

    Sent last() {
        return sent.getLast();
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void send(byte[] message, int[] fds) {
        if (sendFailure != null) {
            throw sendFailure;
        }
        MessageHeader header = MessageHeader.decode(Arrays.copyOf(message, MessageHeader.BYTES));
        sent.add(new Sent(header, Arrays.copyOfRange(message, MessageHeader.BYTES, message.length), fds.clone()));
    }

    @Override
    public byte[] receive(int length) {
        if (replies.size() < length) {
            replies.clear();
            throw new UncheckedIOException(new EOFException(describe() + " closed the connection"));
        }
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = replies.removeFirst();
        }
        return out;
    }

    @Override
    public OptionalInt pollableFd() {
        return OptionalInt.empty();
    }

    @Override
    public String describe() {
        return "vhost-user backend /test/fs.sock";
    }

    @Override
    public void close() {
        closed = true;
    }
}
