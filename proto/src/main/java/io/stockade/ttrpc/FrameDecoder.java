package io.stockade.ttrpc;

import com.google.protobuf.ByteString;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into {@link Frame}s (payload copied out, so no buffer escapes) and {@link
 * OversizedFrame}s (payload skipped byte for byte, so the stream stays in sync). An unknown frame
 * type cannot be skipped safely by a ttrpc v1.2 peer and is almost always garbage, so it fails the
 * connection with {@link TtrpcProtocolException}.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private long discarding;
    private OversizedFrame oversized;
    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (true) {
            if (discarding > 0) {
                int skip = (int) Math.min(discarding, in.readableBytes());
                in.skipBytes(skip);
                discarding -= skip;
                if (discarding > 0) {
                    return;
                }
                out.add(oversized);
                oversized = null;
            }
            if (in.readableBytes() < Frame.HEADER_LENGTH) {
                return;
            }
            int start = in.readerIndex();
            long length = in.getUnsignedInt(start);
            int streamId = in.getInt(start + 4);
            int typeCode = in.getUnsignedByte(start + 8);
            int flags = in.getUnsignedByte(start + 9);
            FrameType type = FrameType.fromCode(typeCode);
            if (type == null) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new TtrpcProtocolException(
                        String.format(
                                "unknown frame type 0x%02x on stream %s (length %d): not a ttrpc peer or corrupt stream",
                                typeCode, Integer.toUnsignedString(streamId), length));
            }
            if (length > Frame.MAX_PAYLOAD) {
                in.skipBytes(Frame.HEADER_LENGTH);
                discarding = length;
                oversized = new OversizedFrame(streamId, typeCode, length);
                continue;
            }
            if (in.readableBytes() < Frame.HEADER_LENGTH + length) {
                return;
            }
            in.skipBytes(Frame.HEADER_LENGTH);
            ByteString payload = ByteString.copyFrom(in.nioBuffer(in.readerIndex(), (int) length));
            in.skipBytes((int) length);
            out.add(new Frame(streamId, type, flags, payload));
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
            throws Exception {
        decode(ctx, in, out);
        if (failed) {
            return;
        }
        if (discarding > 0) {
            throw new TtrpcProtocolException(
                    "connection closed while discarding an oversized frame: "
                            + discarding
                            + " of "
                            + oversized.length()
                            + " bytes on stream "
                            + Integer.toUnsignedString(oversized.streamId())
                            + " never arrived");
        }
        if (in.isReadable()) {
            int have = in.readableBytes();
            String what =
                    have < Frame.HEADER_LENGTH
                            ? have + " of " + Frame.HEADER_LENGTH + " header bytes"
                            : (have - Frame.HEADER_LENGTH)
                                    + " of "
                                    + in.getUnsignedInt(in.readerIndex())
                                    + " payload bytes on stream "
                                    + Integer.toUnsignedString(in.getInt(in.readerIndex() + 4));
            in.skipBytes(have);
            throw new TtrpcProtocolException(
                    "connection closed mid-frame: only " + what + " arrived");
        }
    }
}
