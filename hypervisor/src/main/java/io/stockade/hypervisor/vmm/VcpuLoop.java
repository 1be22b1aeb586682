package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.bus.PioBus;
import io.stockade.hypervisor.kvm.VcpuExit;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one vCPU thread: KVM_RUN, dispatch the exit to the buses, repeat until the VM stops.
 *
 * <p>Port and MMIO exits go to the {@link PioBus} / {@link MmioBus}; an interrupted run (a kick) returns to
 * {@link RunControl}, which parks or ends the thread. Exits that end the guest become a {@link VmExit}:
 * a KVM power-off/reset system event, a triple fault, or anything KVM could not handle, the last two logged
 * with the vCPU's registers. A failure of the VMM itself (a device bug, a failed ioctl) stops the VM as an
 * internal error rather than leaving a VM with a dead vCPU.
 */
final class VcpuLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(VcpuLoop.class);

    private final VcpuHandle vcpu;
    private final RunControl control;
    private final PioBus pio;
    private final MmioBus mmio;
    private final ExitCounters counters;

    VcpuLoop(VcpuHandle vcpu, RunControl control, PioBus pio, MmioBus mmio, ExitCounters counters) {
        this.vcpu = vcpu;
        this.control = control;
        this.pio = pio;
        this.mmio = mmio;
        this.counters = counters;
    }

    @Override
    public void run() {
        try {
            vcpu.prepareThreadForKicks();
            while (control.awaitRunnable(vcpu.id())) {
                VcpuExit exit = vcpu.run();
                counters.count(exit);
                VmExit end = handle(exit);
                if (end != null) {
                    control.requestStop(end);
                    break;
                }
            }
        } catch (RuntimeException | Error e) {
            log.error("vCPU {} failed; stopping the VM. {}", vcpu.id(), vcpu.describeState(), e);
            control.requestStop(new VmExit(ExitStatus.INTERNAL_ERROR, "vCPU " + vcpu.id() + ": " + e));
        } finally {
            try {
                vcpu.releaseThreadForKicks();
            } finally {
                control.vcpuExited(vcpu.id());
            }
        }
    }

    /** @return the VM's end if this exit ends it, else null */
    private VmExit handle(VcpuExit exit) {
        switch (exit) {
            case VcpuExit.IoIn in -> {
                byte[] answer = new byte[in.dataLength()];
                byte[] one = new byte[in.size()];
                for (int i = 0; i < in.count(); i++) {
                    pio.read(in.port(), one);
                    System.arraycopy(one, 0, answer, i * in.size(), in.size());
                }
                vcpu.completeIoIn(answer);
            }
            case VcpuExit.IoOut out -> {
                byte[] data = out.data();
                for (int offset = 0; offset + out.size() <= data.length; offset += out.size()) {
                    pio.write(out.port(), Arrays.copyOfRange(data, offset, offset + out.size()));
                }
            }
            case VcpuExit.MmioRead read -> {
                byte[] answer = new byte[read.length()];
                mmio.read(read.address(), answer);
                vcpu.completeMmioRead(answer);
            }
            case VcpuExit.MmioWrite write -> mmio.write(write.address(), write.data());
            case VcpuExit.Interrupted ignored -> vcpu.clearKick();
            case VcpuExit.Halt ignored -> {
                // Only without an in-kernel irqchip; the next run continues after the HLT.
            }
            case VcpuExit.SystemEvent event -> {
                return switch (event.type()) {
                    case VcpuExit.SystemEvent.SHUTDOWN -> new VmExit(ExitStatus.POWEROFF,
                            "guest powered off (vCPU " + vcpu.id() + ")");
                    case VcpuExit.SystemEvent.RESET -> new VmExit(ExitStatus.REBOOT,
                            "guest reset the machine (vCPU " + vcpu.id() + ")");
                    default -> fatal(ExitStatus.INTERNAL_ERROR, exit);
                };
            }
            case VcpuExit.Shutdown ignored -> {
                return fatal(ExitStatus.TRIPLE_FAULT, exit);
            }
            case VcpuExit.InternalError ignored -> {
                return fatal(ExitStatus.INTERNAL_ERROR, exit);
            }
            case VcpuExit.FailEntry ignored -> {
                return fatal(ExitStatus.INTERNAL_ERROR, exit);
            }
            case VcpuExit.Unknown ignored -> {
                return fatal(ExitStatus.INTERNAL_ERROR, exit);
            }
        }
        return null;
    }

    private VmExit fatal(ExitStatus status, VcpuExit exit) {
        String what = "vCPU " + vcpu.id() + ": " + exit;
        log.error("{} ends the VM ({}). {}", what, status, vcpu.describeState());
        return new VmExit(status, what);
    }
}
