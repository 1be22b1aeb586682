package io.stockade.hypervisor.devices.bus;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared routing logic of {@link PioBus} and {@link MmioBus}: non-overlapping address ranges, each
 * owned by one device, and the policy for accesses nobody owns (reads see all-ones, writes are dropped,
 * both are counted and logged once per address at debug level).
 */
final class AddressSpace {

    private static final Logger log = LoggerFactory.getLogger(AddressSpace.class);

    record Mapping(String name, long base, long length, BusDevice device) {
        long end() {
            return base + length; // exclusive; registration guarantees no overflow
        }

        boolean covers(long address, int width) {
            return address >= base && address - base <= length - width;
        }
    }

    private final String kind;
    private final long limit; // exclusive upper bound of the address space
    private final ConcurrentSkipListMap<Long, Mapping> mappings = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<Long, LongAdder> unhandled = new ConcurrentHashMap<>();

    AddressSpace(String kind, long limit) {
        this.kind = kind;
        this.limit = limit;
    }

    synchronized void register(String name, long base, long length, BusDevice device) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(kind + " device needs a name");
        }
        if (device == null) {
            throw new IllegalArgumentException(kind + " device " + name + " is null");
        }
        if (length <= 0) {
            throw new IllegalArgumentException(kind + " device " + name + ": length " + length + " must be > 0");
        }
        if (Long.compareUnsigned(base, limit) >= 0 || Long.compareUnsigned(length, limit - base) > 0) {
            throw new IllegalArgumentException(String.format(
                    "%s device %s: range [0x%x, +0x%x) does not fit below 0x%x", kind, name, base, length, limit));
        }
        Mapping candidate = new Mapping(name, base, length, device);
        Map.Entry<Long, Mapping> below = mappings.floorEntry(base);
        if (below != null && below.getValue().end() > base) {
            throw overlap(candidate, below.getValue());
        }
        Map.Entry<Long, Mapping> above = mappings.ceilingEntry(base);
        if (above != null && above.getValue().base() < candidate.end()) {
            throw overlap(candidate, above.getValue());
        }
        mappings.put(base, candidate);
    }

    private IllegalArgumentException overlap(Mapping wanted, Mapping existing) {
        return new IllegalArgumentException(String.format(
                "%s device %s at [0x%x, 0x%x) overlaps %s at [0x%x, 0x%x)", kind, wanted.name(), wanted.base(),
                wanted.end(), existing.name(), existing.base(), existing.end()));
    }

    /** The mapping that owns the whole access, or null. */
    Mapping find(long address, int width) {
        Map.Entry<Long, Mapping> entry = mappings.floorEntry(address);
        if (entry == null) {
            return null;
        }
        Mapping mapping = entry.getValue();
        return mapping.covers(address, width) ? mapping : null;
    }

    boolean read(long address, byte[] data) {
        Mapping mapping = find(address, data.length);
        if (mapping == null) {
            Arrays.fill(data, (byte) 0xff);
            countUnhandled("read", address, data.length);
            return false;
        }
        try {
            mapping.device().read(address - mapping.base(), data);
        } catch (RuntimeException e) {
            throw new DeviceFailedException(String.format("%s device %s failed on a %d-byte read at 0x%x (offset 0x%x)",
                    kind, mapping.name(), data.length, address, address - mapping.base()), e);
        }
        return true;
    }

    boolean write(long address, byte[] data) {
        Mapping mapping = find(address, data.length);
        if (mapping == null) {
            countUnhandled("write", address, data.length);
            return false;
        }
        try {
            mapping.device().write(address - mapping.base(), data);
        } catch (RuntimeException e) {
            throw new DeviceFailedException(String.format("%s device %s failed on a %d-byte write at 0x%x (offset 0x%x)",
                    kind, mapping.name(), data.length, address, address - mapping.base()), e);
        }
        return true;
    }

    private void countUnhandled(String access, long address, int width) {
        LongAdder counter = unhandled.computeIfAbsent(address, a -> {
            log.debug("unhandled {} {} of {} bytes at 0x{} (further accesses to it are only counted)",
                    kind, access, width, Long.toHexString(a));
            return new LongAdder();
        });
        counter.increment();
    }

    /** Address → number of accesses no device handled, sorted by address. */
    Map<Long, Long> unhandledAccesses() {
        Map<Long, Long> snapshot = new TreeMap<>();
        unhandled.forEach((address, count) -> snapshot.put(address, count.sum()));
        return snapshot;
    }
}
