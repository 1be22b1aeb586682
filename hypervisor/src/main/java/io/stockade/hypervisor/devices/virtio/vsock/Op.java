package io.stockade.hypervisor.devices.virtio.vsock;

import java.util.Optional;

/** The {@code op} field of a virtio-vsock packet (VIRTIO 1.2 §5.10.6). */
enum Op {
    REQUEST(1),
    RESPONSE(2),
    RST(3),
    SHUTDOWN(4),
    RW(5),
    CREDIT_UPDATE(6),
    CREDIT_REQUEST(7);

    private final int code;

    Op(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    static Optional<Op> of(int code) {
        for (Op op : values()) {
            if (op.code == code) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
