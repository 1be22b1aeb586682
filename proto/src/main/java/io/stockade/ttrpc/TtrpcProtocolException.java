package io.stockade.ttrpc;

import io.netty.handler.codec.DecoderException;

/** The peer broke the ttrpc framing so badly that the connection cannot continue (unknown frame type, truncation). */
final class TtrpcProtocolException extends DecoderException {
  TtrpcProtocolException(String message) {
    super(message);
  }
}
