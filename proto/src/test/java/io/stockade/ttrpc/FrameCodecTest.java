package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.stockade.transport.NettyLeakCheck;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;

@ExtendWith(NettyLeakCheck.class)
class FrameCodecTest {
    private static final ByteString HELLO = ByteString.copyFromUtf8("hello");

    @Test
    void encodesTheTenByteBigEndianHeaderThenThePayload() {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        channel.writeOutbound(
                new Frame(0x01020305, FrameType.DATA, Frame.FLAG_REMOTE_CLOSED, HELLO));
        ByteBuf out = channel.readOutbound();
        try {
            byte[] expected = {0, 0, 0, 5, 1, 2, 3, 5, 3, 1, 'h', 'e', 'l', 'l', 'o'};
            assertArrayEquals(expected, ByteBufUtil.getBytes(out));
        } finally {
            out.release();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void decodesWhatItEncodesEvenOneByteAtATime() {
        Frame sent = new Frame(0xfffffffd, FrameType.REQUEST, Frame.FLAG_REMOTE_OPEN, HELLO);
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        encoder.writeOutbound(sent);
        ByteBuf wire = encoder.readOutbound();
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        try {
            while (wire.isReadable()) {
                assertNull(decoder.readInbound(), "no frame before its last byte");
                decoder.writeInbound(wire.readRetainedSlice(1));
            }
            assertEquals(sent, decoder.readInbound());
        } finally {
            wire.release();
            encoder.finishAndReleaseAll();
            decoder.finishAndReleaseAll();
        }
    }

    @Test
    void decodesSeveralFramesFromOneReadIncludingEmptyOnes() {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        ByteBuf two =
                Unpooled.buffer()
                        .writeBytes(header(0, 1, 1, 0))
                        .writeBytes(header(2, 3, 3, 5))
                        .writeBytes(new byte[] {7, 8});
        decoder.writeInbound(two);
        assertEquals(new Frame(1, FrameType.REQUEST, 0, ByteString.EMPTY), decoder.readInbound());
        assertEquals(
                new Frame(3, FrameType.DATA, 5, ByteString.copyFrom(new byte[] {7, 8})),
                decoder.readInbound());
        assertFalse(decoder.finish());
    }

    @Test
    void acceptsAPayloadOfExactlyFourMebibytes() {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        decoder.writeInbound(
                Unpooled.buffer()
                        .writeBytes(header(Frame.MAX_PAYLOAD, 1, 1, 0))
                        .writeZero(Frame.MAX_PAYLOAD));
        Frame frame = decoder.readInbound();
        assertEquals(Frame.MAX_PAYLOAD, frame.payload().size());
        assertFalse(decoder.finish());
    }

    @Test
    void discardsExactlyTheBytesOfAnOversizedFrameAndStaysInSync() {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        long oversize = Frame.MAX_PAYLOAD + 1L;
        decoder.writeInbound(Unpooled.wrappedBuffer(header(oversize, 5, 1, 0)));
        decoder.writeInbound(Unpooled.buffer().writeZero(Frame.MAX_PAYLOAD));
        assertNull(decoder.readInbound(), "reported only once the whole frame was skipped");
        decoder.writeInbound(Unpooled.buffer().writeZero(1).writeBytes(header(0, 7, 1, 0)));
        assertEquals(new OversizedFrame(5, 1, oversize), decoder.readInbound());
        assertEquals(new Frame(7, FrameType.REQUEST, 0, ByteString.EMPTY), decoder.readInbound());
        assertFalse(decoder.finish());
    }

    @Test
    void rejectsAnUnknownFrameTypeAndIgnoresEverythingAfterIt() {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        ByteBuf garbage =
                Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII);
        TtrpcProtocolException e =
                assertThrows(TtrpcProtocolException.class, () -> decoder.writeInbound(garbage));
        assertTrue(e.getMessage().contains("unknown frame type 0x54"), e.getMessage());
        decoder.writeInbound(Unpooled.wrappedBuffer(header(0, 1, 1, 0)));
        assertNull(decoder.readInbound());
        decoder.finishAndReleaseAll();
    }

    @Test
    void reportsAFrameTruncatedByTheEndOfTheConnection() {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        decoder.writeInbound(
                Unpooled.buffer().writeBytes(header(10, 9, 1, 0)).writeBytes(new byte[3]));
        TtrpcProtocolException e = assertThrows(TtrpcProtocolException.class, decoder::finish);
        assertTrue(e.getMessage().contains("3 of 10 payload bytes on stream 9"), e.getMessage());
    }

    @Test
    void reportsAHeaderTruncatedByTheEndOfTheConnection() {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        decoder.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0}));
        TtrpcProtocolException e = assertThrows(TtrpcProtocolException.class, decoder::finish);
        assertTrue(e.getMessage().contains("3 of 10 header bytes"), e.getMessage());
    }

    @Test
    void framesRefuseOversizedPayloadsAndWideFlags() {
        ByteString tooBig = ByteString.copyFrom(new byte[Frame.MAX_PAYLOAD + 1]);
        assertThrows(IllegalArgumentException.class, () -> new Frame(1, FrameType.DATA, 0, tooBig));
        assertThrows(
                IllegalArgumentException.class, () -> new Frame(1, FrameType.DATA, 0x100, HELLO));
    }

    @Test
    void frameTypesMapToTheirWireCodes() {
        assertEquals(FrameType.REQUEST, FrameType.fromCode(1));
        assertEquals(FrameType.RESPONSE, FrameType.fromCode(2));
        assertEquals(FrameType.DATA, FrameType.fromCode(3));
        assertNull(FrameType.fromCode(0));
        assertNull(FrameType.fromCode(4));
    }

    static byte[] header(long length, int streamId, int type, int flags) {
        return Unpooled.buffer(10)
                .writeInt((int) length)
                .writeInt(streamId)
                .writeByte(type)
                .writeByte(flags)
                .array();
    }
}
