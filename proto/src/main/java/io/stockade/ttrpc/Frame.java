package io.stockade.ttrpc;

import com.google.protobuf.ByteString;

import java.util.Objects;

/**
 * One ttrpc frame: the 10-byte header ({@code u32 length, u32 stream id, u8 type, u8 flags},
 * big-endian) and its payload. The payload is an immutable copy, so frames can cross threads and
 * never own a Netty buffer.
 *
 * @param streamId the stream id, an unsigned 32-bit value carried in an int
 * @param type the message type
 * @param flags the type-specific flag bits
 * @param payload at most {@link #MAX_PAYLOAD} bytes
 */
record Frame(int streamId, FrameType type, int flags, ByteString payload) {
    static final int HEADER_LENGTH = 10;

    /** Largest payload either side may send (ttrpc's {@code messageLengthMax}). */
    static final int MAX_PAYLOAD = 4 << 20;

    /** Request: the client will send no Data frames (streaming calls only). */
    static final int FLAG_REMOTE_CLOSED = 0x01;

    /** Request: the client will stream Data frames. */
    static final int FLAG_REMOTE_OPEN = 0x02;

    /** Data: the frame carries no message (used with {@link #FLAG_REMOTE_CLOSED}). */
    static final int FLAG_NO_DATA = 0x04;

    Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if ((flags & ~0xff) != 0) {
            throw new IllegalArgumentException(
                    "flags 0x" + Integer.toHexString(flags) + " do not fit in a byte");
        }
        if (payload.size() > MAX_PAYLOAD) {
            throw new IllegalArgumentException(
                    "payload of "
                            + payload.size()
                            + " bytes exceeds the ttrpc maximum of "
                            + MAX_PAYLOAD);
        }
    }

    boolean hasFlag(int flag) {
        return (flags & flag) == flag;
    }

    @Override
    public String toString() {
        return type
                + " frame on stream "
                + Integer.toUnsignedString(streamId)
                + " (flags 0x"
                + Integer.toHexString(flags)
                + ", "
                + payload.size()
                + " bytes)";
    }
}
