package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.hypervisor.devices.bus.BusDevice;
import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.bus.PioBus;
import io.stockade.hypervisor.kvm.VcpuExit;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VcpuLoopTest {

    /** Answers reads with 0x40 + offset and records written bytes. */
    static final class EchoDevice implements BusDevice {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void read(long offset, byte[] data) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (0x40 + offset + i);
            }
        }

        @Override
        public void write(long offset, byte[] data) {
            written.writeBytes(data);
        }
    }

    private final PioBus pio = new PioBus();
    private final MmioBus mmio = new MmioBus();
    private final ExitCounters counters = new ExitCounters();

    private VmExit runUntilStopped(ScriptedVcpu vcpu) throws Exception {
        RunControl control = new RunControl(List.of(vcpu), Duration.ofSeconds(30), () -> { });
        control.start(id -> new VcpuLoop(vcpu, control, pio, mmio, counters));
        vcpu.awaitIdleInRun();
        return control.stop();
    }

    @Test
    void portReadsAreAnsweredFromTheBusAndUnknownPortsReadAllOnes() throws Exception {
        pio.register("echo", 0x3f8, 8, new EchoDevice());
        ScriptedVcpu vcpu = new ScriptedVcpu(0, new VcpuExit.IoIn(0x3fd, 1, 1), new VcpuExit.IoIn(0x2f8, 2, 1));

        runUntilStopped(vcpu);

        assertArrayEquals(new byte[] {0x45}, vcpu.ioInAnswers.get(0));
        assertArrayEquals(new byte[] {-1, -1}, vcpu.ioInAnswers.get(1));
    }

    @Test
    void stringPortOutputIsDeliveredOneValueAtATime() throws Exception {
        EchoDevice device = new EchoDevice();
        pio.register("echo", 0x3f8, 8, device);
        ScriptedVcpu vcpu = new ScriptedVcpu(0, new VcpuExit.IoOut(0x3f8, 1, "hi!".getBytes()));

        runUntilStopped(vcpu);

        assertEquals("hi!", device.written.toString());
    }

    @Test
    void repeatedPortInputCollectsEveryValue() throws Exception {
        pio.register("echo", 0x60, 1, new EchoDevice());
        ScriptedVcpu vcpu = new ScriptedVcpu(0, new VcpuExit.IoIn(0x60, 1, 3));

        runUntilStopped(vcpu);

        assertArrayEquals(new byte[] {0x40, 0x40, 0x40}, vcpu.ioInAnswers.get(0));
    }

    @Test
    void mmioAccessesGoToTheMmioBus() throws Exception {
        EchoDevice device = new EchoDevice();
        mmio.register("echo", 0xd000_0000L, 0x1000, device);
        ScriptedVcpu vcpu = new ScriptedVcpu(0, new VcpuExit.MmioRead(0xd000_0004L, 4),
                new VcpuExit.MmioWrite(0xd000_0000L, new byte[] {7, 8}));

        runUntilStopped(vcpu);

        assertArrayEquals(new byte[] {0x44, 0x45, 0x46, 0x47}, vcpu.mmioAnswers.get(0));
        assertArrayEquals(new byte[] {7, 8}, device.written.toByteArray());
    }

    @Test
    void exitsAreCountedByKvmReasonName() throws Exception {
        ScriptedVcpu vcpu = new ScriptedVcpu(0, new VcpuExit.IoIn(0x80, 1, 1), new VcpuExit.IoOut(0x80, 1, new byte[1]),
                new VcpuExit.MmioRead(0x1000, 1), new VcpuExit.Halt());

        runUntilStopped(vcpu);

        Map<String, Long> counts = counters.snapshot();
        assertEquals(2L, counts.get("IO"));
        assertEquals(1L, counts.get("MMIO"));
        assertEquals(1L, counts.get("HLT"));
        assertEquals(1L, counts.get("INTR"), "the stop kick");
    }
}
