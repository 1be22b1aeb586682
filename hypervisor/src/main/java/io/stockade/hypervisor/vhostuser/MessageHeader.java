package io.stockade.hypervisor.vhostuser;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 12-byte header of every vhost-user message: request code, flags (version in bits 0-1, REPLY, NEED_REPLY) and
 * payload size, all little-endian u32.
 */
record MessageHeader(int request, int flags, int size) {
    static final int BYTES = 12;
    static final int VERSION = 0x1;
    static final int VERSION_MASK = 0x3;
    static final int REPLY = 0x4;
    static final int NEED_REPLY = 0x8;
    /** Larger than any reply this frontend asks for; a bigger size means the stream is out of step. */
    static final int MAX_REPLY_PAYLOAD = 4096;

    /** The header of a request to the backend. */
    static MessageHeader request(Request request, boolean needReply, int size) {
        return new MessageHeader(request.code, VERSION | (needReply ? NEED_REPLY : 0), size);
    }

    byte[] encode() {
        return ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(request).putInt(flags).putInt(size)
                .array();
    }

    static MessageHeader decode(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a vhost-user header is " + BYTES + " bytes, got " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new MessageHeader(b.getInt(), b.getInt(), b.getInt());
    }

    /**
     * Why this header cannot be the backend's answer to {@code sent} carrying {@code payloadBytes} of payload, or
     * null if it can.
     */
    String replyProblem(Request sent, int payloadBytes) {
        if (request != sent.code) {
            Request other = Request.ofCode(request);
            return "reply is for request " + (other != null ? other.name() : "code " + Integer.toUnsignedString(request))
                    + ", not " + sent.name();
        }
        if ((flags & VERSION_MASK) != VERSION) {
            return "reply has protocol version " + (flags & VERSION_MASK) + ", expected " + VERSION;
        }
        if ((flags & REPLY) == 0) {
            return String.format("reply lacks the REPLY flag (flags 0x%x)", flags);
        }
        if (size != payloadBytes) {
            return "reply payload is " + Integer.toUnsignedString(size) + " bytes, expected " + payloadBytes;
        }
        return null;
    }
}
