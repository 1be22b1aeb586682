package io.stockade.hypervisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.stockade.hypervisor.memory.GuestMemory;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestBuffersTest {

    private final GuestMemory memory = TestRam.create();
    private final GuestBuffers buffers = new GuestBuffers(List.of(
            new Descriptor(0x100, 4, true), new Descriptor(TestRam.HIGH, 0, true), new Descriptor(0x200, 6, true)));

    @AfterEach
    void closeMemory() {
        memory.close();
    }

    @Test
    void slicesCutAcrossDescriptorBoundaries() {
        assertEquals(10, buffers.length());
        assertEquals(List.of(new Descriptor(0x102, 2, true), new Descriptor(0x200, 3, true)),
                buffers.slice(2, 5).descriptors());
        assertEquals(List.of(new Descriptor(0x205, 1, true)), buffers.slice(9, 1).descriptors());
        assertEquals(List.of(), buffers.slice(10, 0).descriptors());
    }

    @Test
    void slicesBeyondTheStreamAreRejected() {
        assertThrows(IndexOutOfBoundsException.class, () -> buffers.slice(8, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> buffers.slice(-1, 1));
    }

    @Test
    void writesAndReadsScatterOverTheBuffers() {
        buffers.write(memory, 1, new byte[] {1, 2, 3, 4, 5, 6, 7}, 0, 7);

        assertArrayEquals(new byte[] {0, 1, 2, 3}, read(0x100, 4));
        assertArrayEquals(new byte[] {4, 5, 6, 7, 0, 0}, read(0x200, 6));
        byte[] back = new byte[4];
        buffers.read(memory, 2, back);
        assertArrayEquals(new byte[] {2, 3, 4, 5}, back);
    }

    private byte[] read(long address, int length) {
        byte[] out = new byte[length];
        memory.read(address, out, 0, length);
        return out;
    }
}
