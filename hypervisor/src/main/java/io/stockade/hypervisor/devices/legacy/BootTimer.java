package io.stockade.hypervisor.devices.legacy;

import io.stockade.hypervisor.devices.bus.BusDevice;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Firecracker's boot-time pseudo-device: when the guest's init writes the magic byte 123 to it, the VMM
 * logs and records how long the guest took to get there, measured from VMM start.
 *
 * <p>Stockade maps it at I/O port {@value #PORT} (one byte). From a shell inside the guest:
 * {@code printf '\173' | dd of=/dev/port bs=1 seek=1088 count=1} (needs {@code CONFIG_DEVPORT}).
 * Only the first magic write is recorded; other values and reads (which return 0) are ignored.
 */
public final class BootTimer implements BusDevice {

    private static final Logger log = LoggerFactory.getLogger(BootTimer.class);

    /** The I/O port the device is mapped at. */
    public static final int PORT = 0x440;
    /** The value the guest writes when its init has started. */
    public static final int MAGIC = 123;

    private final LongSupplier nanoClock;
    private final long startNanos;
    private volatile Duration bootTime;

    /**
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} in the VMM)
     * @param startNanos the clock's value when the VMM started
     */
    public BootTimer(LongSupplier nanoClock, long startNanos) {
        this.nanoClock = nanoClock;
        this.startNanos = startNanos;
    }

    @Override
    public void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
    }

    @Override
    public void write(long offset, byte[] data) {
        if (offset != 0 || data.length == 0 || (data[0] & 0xff) != MAGIC) {
            return;
        }
        synchronized (this) {
            if (bootTime != null) {
                return;
            }
            bootTime = Duration.ofNanos(nanoClock.getAsLong() - startNanos);
        }
        log.info("guest boot time: {} ms since VMM start", bootTime.toMillis());
    }

    /** The time from VMM start to the guest's first magic write, once it happened. */
    public Optional<Duration> bootTime() {
        return Optional.ofNullable(bootTime);
    }
}
