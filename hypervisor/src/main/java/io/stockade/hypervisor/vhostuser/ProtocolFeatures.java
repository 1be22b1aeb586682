package io.stockade.hypervisor.vhostuser;

/**
 * vhost-user protocol feature bits (GET/SET_PROTOCOL_FEATURES) and the virtio feature bit that announces them.
 */
public final class ProtocolFeatures {
    /** In GET/SET_FEATURES: the backend speaks GET/SET_PROTOCOL_FEATURES, and rings start disabled. */
    public static final long VHOST_USER_F_PROTOCOL_FEATURES = 1L << 30;

    /** The backend reports its queue count with GET_QUEUE_NUM. */
    public static final long MQ = 1L << 0;
    /** The backend acknowledges any message sent with the NEED_REPLY flag. */
    public static final long REPLY_ACK = 1L << 3;
    /** The backend serves GET_CONFIG / SET_CONFIG. */
    public static final long CONFIG = 1L << 9;

    private ProtocolFeatures() {}
}
