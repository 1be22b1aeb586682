package io.stockade.hypervisor.devices.virtio;

/**
 * A read-only, little-endian device configuration space built once from the device's parameters. Reads beyond its
 * end (the guest may probe optional fields the device did not offer) see zeros rather than failing.
 */
public final class ConfigSpace {

    private final byte[] bytes;

    private ConfigSpace(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A space of {@code size} zero bytes, to be filled with the {@code with*} methods. */
    public static ConfigSpace ofSize(int size) {
        return new ConfigSpace(new byte[size]);
    }

    public ConfigSpace withShort(int offset, int value) {
        return withLittleEndian(offset, value, 2);
    }

    public ConfigSpace withInt(int offset, int value) {
        return withLittleEndian(offset, value, 4);
    }

    public ConfigSpace withLong(int offset, long value) {
        return withLittleEndian(offset, value, 8);
    }

    public int size() {
        return bytes.length;
    }

    /** Fills {@code data} with the bytes at {@code offset}, zero where the space has none. */
    public void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            data[i] = at >= 0 && at < bytes.length ? bytes[(int) at] : 0;
        }
    }

    private ConfigSpace withLittleEndian(int offset, long value, int width) {
        byte[] copy = bytes.clone();
        for (int i = 0; i < width; i++) {
            copy[offset + i] = (byte) (value >>> (8 * i));
        }
        return new ConfigSpace(copy);
    }
}
