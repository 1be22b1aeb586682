package io.stockade.hypervisor.vhostuser;

/** The frontend-to-backend requests this frontend sends, with their protocol codes. */
enum Request {
    GET_FEATURES(1, Reply.U64),
    SET_FEATURES(2, Reply.NONE),
    SET_OWNER(3, Reply.NONE),
    SET_MEM_TABLE(5, Reply.NONE),
    SET_VRING_NUM(8, Reply.NONE),
    SET_VRING_ADDR(9, Reply.NONE),
    SET_VRING_BASE(10, Reply.NONE),
    GET_VRING_BASE(11, Reply.VRING_STATE),
    SET_VRING_KICK(12, Reply.NONE),
    SET_VRING_CALL(13, Reply.NONE),
    SET_VRING_ERR(14, Reply.NONE),
    GET_PROTOCOL_FEATURES(15, Reply.U64),
    SET_PROTOCOL_FEATURES(16, Reply.NONE),
    GET_QUEUE_NUM(17, Reply.U64),
    SET_VRING_ENABLE(18, Reply.NONE);

    /** What the protocol says the backend answers, regardless of REPLY_ACK. */
    enum Reply {
        NONE(0), U64(8), VRING_STATE(8);

        final int payloadBytes;

        Reply(int payloadBytes) {
            this.payloadBytes = payloadBytes;
        }
    }

    final int code;
    final Reply reply;

    Request(int code, Reply reply) {
        this.code = code;
        this.reply = reply;
    }

    /** The request with this code, or null if this frontend never sends it. */
    static Request ofCode(int code) {
        for (Request r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
