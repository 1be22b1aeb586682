package io.stockade.ttrpc;

/** The message type byte of a ttrpc frame header. */
enum FrameType {
    REQUEST(0x01),
    RESPONSE(0x02),
    DATA(0x03);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    /** The type with wire code {@code code}, or null if ttrpc defines none. */
    static FrameType fromCode(int code) {
        return switch (code) {
            case 0x01 -> REQUEST;
            case 0x02 -> RESPONSE;
            case 0x03 -> DATA;
            default -> null;
        };
    }
}
