package io.stockade.ttrpc;

/**
 * A frame whose header announced more than {@link Frame#MAX_PAYLOAD} bytes. The decoder has discarded exactly that
 * many bytes; the receiver answers ResourceExhausted on the stream and keeps the connection.
 *
 * @param streamId the stream id from the header
 * @param typeCode the raw type byte from the header
 * @param length the announced payload length (unsigned 32-bit)
 */
record OversizedFrame(int streamId, int typeCode, long length) {
  String describe() {
    return "frame of " + length + " bytes on stream " + Integer.toUnsignedString(streamId)
        + " exceeds the ttrpc maximum of " + Frame.MAX_PAYLOAD + " bytes";
  }
}
