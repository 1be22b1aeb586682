package io.stockade.hypervisor.devices.virtio.block;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue.Used;
import io.stockade.hypervisor.devices.virtio.TestRam;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.devices.virtio.mmio.LinuxStyleDriver;
import io.stockade.hypervisor.devices.virtio.mmio.VirtioMmioTransport;
import io.stockade.hypervisor.memory.GuestMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtioBlockTest {

    private static final int SECTORS = 64;
    private static final long HEADER = 0x4000;
    private static final long STATUS = 0x6000;
    private static final long DATA = 0x8000;
    private static final byte UNTOUCHED = (byte) 0xee;
    private static final Executor INLINE = Runnable::run;

    @TempDir
    Path dir;

    private final GuestMemory memory = TestRam.create();
    private final AtomicInteger interrupts = new AtomicInteger();
    private Path image;
    private VirtioBlock block;

    /** Sector s of the image is filled with the byte s + 1. */
    @BeforeEach
    void createImage() throws IOException {
        byte[] content = new byte[SECTORS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i / 512 + 1);
        }
        image = dir.resolve("disk.img");
        Files.write(image, content);
        memory.writeByte(STATUS, UNTOUCHED);
    }

    @AfterEach
    void close() throws IOException {
        if (block != null) {
            block.close();
        }
        memory.close();
    }

    private MockDriverQueue activate(boolean readOnly, Executor io) throws IOException {
        block = new VirtioBlock("virtio-blk test", DiskImage.open(image, readOnly), "stockade-disk-1", io);
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue queue = Virtqueue.create(block.name(), 0, memory, driver.layout(),
                VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC, reason -> { });
        block.activate(memory, List.of(queue), interrupts::incrementAndGet);
        return driver;
    }

    private void header(int type, long sector) {
        memory.writeInt(HEADER, type);
        memory.writeInt(HEADER + 4, 0);
        memory.writeLong(HEADER + 8, sector);
    }

    private byte status() {
        return memory.readByte(STATUS);
    }

    private byte[] guestBytes(long address, int length) {
        byte[] out = new byte[length];
        memory.read(address, out, 0, length);
        return out;
    }

    private byte[] sectorOfImage(int sector) throws IOException {
        return Arrays.copyOfRange(Files.readAllBytes(image), sector * 512, sector * 512 + 512);
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void announcesItselfAsABlockDeviceWithCapacityInSectors() throws IOException {
        activate(false, INLINE);
        assertEquals(DeviceType.BLOCK, block.deviceType());
        byte[] capacity = new byte[8];
        block.readConfig(VirtioBlock.CONFIG_CAPACITY, capacity);
        assertEquals(SECTORS, capacity[0]);
        byte[] segMax = new byte[4];
        block.readConfig(VirtioBlock.CONFIG_SEG_MAX, segMax);
        assertEquals(VirtioBlock.QUEUE_MAX_SIZE - 2, (segMax[0] & 0xff) | (segMax[1] & 0xff) << 8);
        long features = block.deviceFeatures();
        assertEquals(VirtioBlock.F_FLUSH | VirtioBlock.F_SEG_MAX, features & (VirtioBlock.F_FLUSH
                | VirtioBlock.F_SEG_MAX | VirtioBlock.F_RO));
    }

    @Test
    void readsSectorsIntoScatteredGuestBuffers() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(BlockRequest.T_IN, 2);
        int head = driver.addChain(readable(HEADER, 16), writable(DATA, 512), writable(TestRam.HIGH, 512),
                writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(List.of(new Used(head, 1025)), driver.allUsed());
        assertEquals(BlockRequest.S_OK, status());
        assertArrayEquals(filled(512, 3), guestBytes(DATA, 512));
        assertArrayEquals(filled(512, 4), guestBytes(TestRam.HIGH, 512));
        assertEquals(1, interrupts.get());
    }

    @Test
    void writesGuestDataToTheImage() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(BlockRequest.T_OUT, 5);
        TestRam.fill(memory, DATA, 512, 0x77);
        int head = driver.addChain(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(List.of(new Used(head, 1)), driver.allUsed());
        assertEquals(BlockRequest.S_OK, status());
        assertArrayEquals(filled(512, 0x77), sectorOfImage(5));
        assertArrayEquals(filled(512, 7), sectorOfImage(6), "the next sector is untouched");
    }

    @Test
    void flushSucceeds() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(BlockRequest.T_FLUSH, 0);
        int head = driver.addChain(readable(HEADER, 16), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(List.of(new Used(head, 1)), driver.allUsed());
        assertEquals(BlockRequest.S_OK, status());
    }

    @Test
    void getIdAnswersTheDeviceIdZeroPadded() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(BlockRequest.T_GET_ID, 0);
        TestRam.fill(memory, DATA, VirtioBlock.ID_BYTES, 0xff);
        int head = driver.addChain(readable(HEADER, 16), writable(DATA, VirtioBlock.ID_BYTES), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(List.of(new Used(head, VirtioBlock.ID_BYTES + 1)), driver.allUsed());
        assertEquals(BlockRequest.S_OK, status());
        byte[] expected = Arrays.copyOf("stockade-disk-1".getBytes(StandardCharsets.US_ASCII), VirtioBlock.ID_BYTES);
        assertArrayEquals(expected, guestBytes(DATA, VirtioBlock.ID_BYTES));
    }

    @Test
    void aReadOnlyDiskAnnouncesItAndRefusesWrites() throws IOException {
        MockDriverQueue driver = activate(true, INLINE);
        assertTrue((block.deviceFeatures() & VirtioBlock.F_RO) != 0);
        header(BlockRequest.T_OUT, 0);
        TestRam.fill(memory, DATA, 512, 0x77);
        int head = driver.addChain(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(List.of(new Used(head, 1)), driver.allUsed());
        assertEquals(BlockRequest.S_IOERR, status());
        assertArrayEquals(filled(512, 1), sectorOfImage(0));
    }

    @Test
    void aReadOnlyDiskStillServesReads() throws IOException {
        MockDriverQueue driver = activate(true, INLINE);
        header(BlockRequest.T_IN, SECTORS - 1);
        driver.addChain(readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(BlockRequest.S_OK, status());
        assertArrayEquals(filled(512, SECTORS), guestBytes(DATA, 512));
    }

    @Test
    void transfersPastTheEndOfTheDiskAreRefused() throws IOException {
        for (long sector : new long[] {SECTORS - 1, SECTORS, 0x7fff_ffff_ffff_ffffL, -1L}) {
            MockDriverQueue driver = activate(false, INLINE);
            memory.writeByte(STATUS, UNTOUCHED);
            TestRam.fill(memory, DATA, 1024, 0x11);
            header(BlockRequest.T_IN, sector);
            int head = driver.addChain(readable(HEADER, 16), writable(DATA, 1024), writable(STATUS, 1));

            block.queueNotify(0);

            assertEquals(List.of(new Used(head, 1)), driver.allUsed(), "sector " + sector);
            assertEquals(BlockRequest.S_IOERR, status(), "sector " + sector);
            assertArrayEquals(filled(1024, 0x11), guestBytes(DATA, 1024), "sector " + sector);
            block.reset();
            block.close();
        }
        block = null;
    }

    @Test
    void writesPastTheEndOfTheDiskDoNotGrowTheImage() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(BlockRequest.T_OUT, SECTORS);
        driver.addChain(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(BlockRequest.S_IOERR, status());
        assertEquals(SECTORS * 512L, Files.size(image));
    }

    @Test
    void dataLengthsMustBeWholeSectors() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(BlockRequest.T_IN, 0);
        TestRam.fill(memory, DATA, 600, 0x11);
        driver.addChain(readable(HEADER, 16), writable(DATA, 600), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(BlockRequest.S_IOERR, status());
        assertArrayEquals(filled(600, 0x11), guestBytes(DATA, 600));
    }

    @Test
    void aShortHeaderIsAnIoError() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        int head = driver.addChain(readable(HEADER, 8), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(List.of(new Used(head, 1)), driver.allUsed());
        assertEquals(BlockRequest.S_IOERR, status());
    }

    @Test
    void aRequestWithoutAStatusByteIsReturnedUnanswered() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(BlockRequest.T_IN, 0);
        int head = driver.addChain(readable(HEADER, 16));

        block.queueNotify(0);

        assertEquals(List.of(new Used(head, 0)), driver.allUsed());
        assertEquals(UNTOUCHED, status());
    }

    @Test
    void unknownRequestTypesAreUnsupported() throws IOException {
        MockDriverQueue driver = activate(false, INLINE);
        header(11, 0); // VIRTIO_BLK_T_DISCARD, not offered
        driver.addChain(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1));

        block.queueNotify(0);

        assertEquals(BlockRequest.S_UNSUPP, status());
    }

    @Test
    void ioRunsOnTheExecutorNotOnTheNotifyingThread() throws Exception {
        List<String> ioThreads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "disk-io"));
        try {
            MockDriverQueue driver = activate(false, task -> pool.execute(() -> {
                ioThreads.add(Thread.currentThread().getName());
                task.run();
            }));
            header(BlockRequest.T_IN, 1);
            driver.addChain(readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1));

            block.queueNotify(0);
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));

            assertEquals(List.of("disk-io"), ioThreads);
            assertEquals(1, driver.usedIdx());
            assertEquals(BlockRequest.S_OK, status());
            assertArrayEquals(filled(512, 2), guestBytes(DATA, 512));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRequestNotStartedBeforeResetIsAbandonedWithoutTouchingGuestMemory() throws Exception {
        List<Runnable> pending = new ArrayList<>();
        MockDriverQueue driver = activate(false, pending::add);
        header(BlockRequest.T_IN, 1);
        TestRam.fill(memory, DATA, 512, 0x11);
        driver.addChain(readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1));
        block.queueNotify(0);
        assertEquals(1, pending.size());

        Thread resetter = new Thread(block::reset, "vcpu-reset");
        resetter.start();
        while (resetter.getState() != Thread.State.TIMED_WAITING) { // then reset waits for the in-flight request
            if (!resetter.isAlive()) {
                throw new AssertionError("reset returned while a request was still in flight");
            }
            Thread.onSpinWait();
        }
        pending.getFirst().run();
        resetter.join();

        assertEquals(0, driver.usedIdx());
        assertEquals(UNTOUCHED, status());
        assertArrayEquals(filled(512, 0x11), guestBytes(DATA, 512));
    }

    @Test
    void deviceIdsMustFitGetId() throws IOException {
        DiskImage disk = DiskImage.open(image, true);
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> new VirtioBlock("b", disk, "this-id-is-longer-than-20", INLINE));
            assertThrows(IllegalArgumentException.class, () -> new VirtioBlock("b", disk, "new\nline", INLINE));
        } finally {
            disk.close();
        }
    }

    @Test
    void openingSomethingThatIsNotARegularFileFails() {
        IOException e = assertThrows(IOException.class, () -> DiskImage.open(dir, false));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void linuxReadsThroughTheMmioTransportWithAnIndirectChain() throws IOException {
        block = new VirtioBlock("virtio-blk e2e", DiskImage.open(image, false), "e2e", INLINE);
        VirtioMmioTransport transport = new VirtioMmioTransport(memory, block, interrupts::incrementAndGet);
        LinuxStyleDriver linux = new LinuxStyleDriver(transport, memory);
        MockDriverQueue queue = linux.initialize(~0L, 1, 0x1000).getFirst();
        byte[] capacity = new byte[4];
        transport.read(0x100, capacity);
        assertEquals(SECTORS, capacity[0]);

        header(BlockRequest.T_IN, 9);
        int head = queue.addIndirectChain(0x3000, readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1));
        linux.notify(0);

        assertEquals(List.of(new Used(head, 513)), queue.allUsed());
        assertEquals(BlockRequest.S_OK, status());
        assertArrayEquals(filled(512, 10), guestBytes(DATA, 512));
        assertEquals(1, linux.acknowledgeInterrupt());
    }
}
