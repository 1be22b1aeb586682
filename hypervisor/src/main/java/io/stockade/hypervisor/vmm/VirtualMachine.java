package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.arch.x86_64.BootConfig;
import io.stockade.hypervisor.arch.x86_64.BootMsrs;
import io.stockade.hypervisor.arch.x86_64.BootSetup;
import io.stockade.hypervisor.arch.x86_64.BootState;
import io.stockade.hypervisor.arch.x86_64.Cpuid;
import io.stockade.hypervisor.arch.x86_64.Lapic;
import io.stockade.hypervisor.arch.x86_64.MemoryLayout;
import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.bus.PioBus;
import io.stockade.hypervisor.devices.legacy.BootTimer;
import io.stockade.hypervisor.kvm.Capability;
import io.stockade.hypervisor.kvm.CpuidEntry;
import io.stockade.hypervisor.kvm.Kvm;
import io.stockade.hypervisor.kvm.Vcpu;
import io.stockade.hypervisor.kvm.Vm;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.EventFd;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One microVM: built from a {@link VmConfig} on KVM, run by one platform thread per vCPU, stopped by the
 * guest (power-off, reset, triple fault), by a fatal exit, or by the host.
 *
 * <p>Building follows the order KVM needs: VM, TSS and identity-map addresses, in-kernel irqchip and PIT,
 * guest RAM (one memfd) and its memory slots, the boot structures, then per vCPU CPUID, MSRs, FPU, registers
 * (the boot vCPU enters the kernel's 64-bit entry; the others wait for INIT/SIPI from the in-kernel LAPIC)
 * and LAPIC LINT0/LINT1, and finally the legacy devices with their irqfds. If any step fails, what was built
 * is released and the exception names the step. Once stopped, every fd and the guest memory are released.
 */
public final class VirtualMachine implements ManagedVm, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VirtualMachine.class);

    /** How long pause and stop wait for the vCPUs to leave KVM_RUN. */
    static final Duration VCPU_WAIT_LIMIT = Duration.ofSeconds(10);

    private static final List<Capability> REQUIRED_CAPABILITIES = List.of(Capability.IRQCHIP,
            Capability.USER_MEMORY, Capability.SET_TSS_ADDR, Capability.SET_IDENTITY_MAP_ADDR, Capability.EXT_CPUID,
            Capability.PIT2, Capability.IRQFD, Capability.IOEVENTFD, Capability.IMMEDIATE_EXIT);

    private final VmConfig config;
    private final long vmmStartNanos;
    private final PioBus pio;
    private final MmioBus mmio;
    private final PlatformDevices devices;
    private final List<KvmVcpuHandle> vcpus;
    private final ExitCounters counters;
    private final RunControl control;
    private volatile long vcpuStartNanos;

    private VirtualMachine(VmConfig config, long vmmStartNanos, PioBus pio, MmioBus mmio, PlatformDevices devices,
                           List<KvmVcpuHandle> vcpus, ExitCounters counters, RunControl control) {
        this.config = config;
        this.vmmStartNanos = vmmStartNanos;
        this.pio = pio;
        this.mmio = mmio;
        this.devices = devices;
        this.vcpus = vcpus;
        this.counters = counters;
        this.control = control;
    }

    /**
     * Builds the VM (state CREATED); nothing runs until {@link #start()}.
     *
     * @param vmmStartNanos {@link System#nanoTime()} when the VMM started, the boot timer's reference
     * @throws InvalidVmConfigException if a file named in the config is unusable
     * @throws io.stockade.hypervisor.kvm.KvmUnavailableException if /dev/kvm is missing or lacks a capability
     */
    public static VirtualMachine create(VmConfig config, long vmmStartNanos) {
        config.checkHostFiles();
        ResourceStack resources = new ResourceStack();
        try {
            return build(config, vmmStartNanos, resources);
        } catch (RuntimeException | Error e) {
            resources.close();
            throw e;
        }
    }

    private static VirtualMachine build(VmConfig config, long vmmStartNanos, ResourceStack resources) {
        Kvm kvm = resources.push("/dev/kvm", Kvm.open());
        kvm.requireCapabilities(REQUIRED_CAPABILITIES);
        int maxVcpus = kvm.hasCapability(Capability.MAX_VCPUS) ? kvm.capabilityValue(Capability.MAX_VCPUS)
                : kvm.capabilityValue(Capability.NR_VCPUS);
        if (config.vcpus() > maxVcpus) {
            throw new InvalidVmConfigException("vcpus: " + config.vcpus() + " exceeds KVM's limit of " + maxVcpus);
        }

        Vm vm = resources.push("KVM VM", kvm.createVm());
        vm.setTssAddress(MemoryLayout.KVM_TSS_ADDRESS);
        vm.setIdentityMapAddress(MemoryLayout.KVM_IDENTITY_MAP_ADDRESS);
        vm.createIrqchip();
        vm.createPit2();

        GuestMemory memory = resources.push("guest RAM", GuestMemory.createMemfd(
                "stockade-guest-ram", MemoryLayout.ramRegions(config.memoryBytes())));
        vm.registerMemory(memory);
        MmioBus mmio = new MmioBus();
        // Before the boot structures: the command line and the DSDT announce the devices' windows and IRQs.
        VirtioDevices virtio = VirtioDevices.attach(config.devices(), memory, mmio, GuestEventRouting.of(vm),
                resources);
        String cmdline = withKernelParameters(config.cmdline(), virtio.cmdlineFragments());
        BootState boot = BootSetup.prepare(memory, new BootConfig(config.kernel(), config.initrd(), cmdline,
                config.vcpus(), config.memoryBytes(), virtio.acpiDevices()));
        log.info("loaded {} kernel {} (entry {}), {} MiB RAM, {} vCPUs, cmdline \"{}\"",
                boot.kernel().format(), config.kernel(), "0x" + Long.toHexString(boot.kernel().entryPoint()),
                config.memoryMib(), config.vcpus(), cmdline);

        List<CpuidEntry> supportedCpuid = kvm.supportedCpuid();
        List<KvmVcpuHandle> vcpus = new ArrayList<>();
        for (int id = 0; id < config.vcpus(); id++) {
            Vcpu vcpu = resources.push("vCPU " + id, vm.createVcpu(id));
            configureVcpu(vcpu, id, config.vcpus(), supportedCpuid, kvm.hasCapability(Capability.XCRS), boot);
            vcpus.add(new KvmVcpuHandle(vcpu));
        }

        OutputStream console = resources.push("serial console", openConsole(config.serial()));
        EventFd com1Fd = resources.push("COM1 irqfd", EventFd.create());
        vm.registerIrqfd(com1Fd, PlatformDevices.COM1_IRQ);
        EventFd keyboardFd = resources.push("i8042 irqfd", EventFd.create());
        vm.registerIrqfd(keyboardFd, PlatformDevices.KEYBOARD_IRQ);

        ExitCounters counters = new ExitCounters();
        PioBus pio = new PioBus();
        // The reset and power-off callbacks need the RunControl, which needs the devices (to release them): tie
        // the knot.
        RunControl[] controlRef = new RunControl[1];
        Optional<BootTimer> bootTimer = config.bootTimer()
                ? Optional.of(new BootTimer(System::nanoTime, vmmStartNanos)) : Optional.empty();
        PlatformDevices devices = PlatformDevices.create(pio, console,
                new IrqfdInterrupt(com1Fd, PlatformDevices.COM1_IRQ),
                new IrqfdInterrupt(keyboardFd, PlatformDevices.KEYBOARD_IRQ),
                () -> controlRef[0].requestStop(new VmExit(ExitStatus.REBOOT,
                        "guest reset the machine through the i8042 keyboard controller")),
                () -> controlRef[0].requestStop(new VmExit(ExitStatus.POWEROFF,
                        "guest powered off (ACPI S5 through the sleep control register)")),
                bootTimer);
        RunControl control = new RunControl(vcpus, VCPU_WAIT_LIMIT,
                () -> release(resources, devices, pio, mmio, counters));
        controlRef[0] = control;
        return new VirtualMachine(config, vmmStartNanos, pio, mmio, devices, vcpus, counters, control);
    }

    /**
     * {@code cmdline} with {@code parameters} (the devices' {@code virtio_mmio.device=}) added to the kernel's part,
     * before a {@code --} if there is one: what follows it goes to init.
     */
    static String withKernelParameters(String cmdline, String parameters) {
        if (parameters.isEmpty()) {
            return cmdline;
        }
        int initArgs = (" " + cmdline + " ").indexOf(" -- "); // the index of "--" in cmdline
        if (initArgs < 0) {
            return cmdline.isBlank() ? parameters : cmdline.strip() + " " + parameters;
        }
        String kernelPart = cmdline.substring(0, initArgs).strip();
        return (kernelPart.isEmpty() ? "" : kernelPart + " ") + parameters + " " + cmdline.substring(initArgs);
    }

    private static void configureVcpu(Vcpu vcpu, int id, int count, List<CpuidEntry> supportedCpuid, boolean hasXcrs,
                                      BootState boot) {
        List<CpuidEntry> cpuid = Cpuid.forVcpu(supportedCpuid, id, count);
        vcpu.setCpuid(cpuid);
        if (hasXcrs) {
            // After SET_CPUID2, which decides which XCR0 values KVM accepts; see Cpuid.linuxXcr0 for why.
            Cpuid.linuxXcr0(cpuid).ifPresent(vcpu::setXcr0);
        }
        vcpu.setMsrs(BootMsrs.entries());
        vcpu.setFpu(BootState.FPU_CONTROL_WORD, BootState.MXCSR);
        if (id == 0) {
            vcpu.setRegisters(boot.bootRegisters());
            vcpu.setSpecialRegisters(BootState.longModeSpecialRegisters(vcpu.getSpecialRegisters()));
        }
        vcpu.setLapic(Lapic.withLintConfigured(vcpu.getLapic()));
    }

    private static OutputStream openConsole(SerialOutput serial) {
        return switch (serial) {
            // Closing the console must not close the VMM's stdout: only flush it.
            case SerialOutput.Stdout() -> new BufferedOutputStream(new FilterOutputStream(
                    new FileOutputStream(FileDescriptor.out)) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            });
            case SerialOutput.ToFile(var path) -> {
                try {
                    yield new BufferedOutputStream(Files.newOutputStream(path));
                } catch (IOException e) {
                    throw new UncheckedIOException("serial: cannot open console file " + path, e);
                }
            }
            case SerialOutput.Discard() -> OutputStream.nullOutputStream();
        };
    }

    private static void release(ResourceStack resources, PlatformDevices devices, PioBus pio, MmioBus mmio,
                                ExitCounters counters) {
        devices.serial.flush();
        log.info("VM exits by reason: {}", counters.snapshot());
        Map<Long, Long> unhandledPorts = pio.unhandledAccesses();
        if (!unhandledPorts.isEmpty()) {
            log.info("guest accesses to ports without a device (port=count): {}", hexKeys(unhandledPorts));
        }
        Map<Long, Long> unhandledMmio = mmio.unhandledAccesses();
        if (!unhandledMmio.isEmpty()) {
            log.info("guest accesses to MMIO without a device (address=count): {}", hexKeys(unhandledMmio));
        }
        resources.close();
    }

    private static String hexKeys(Map<Long, Long> counts) {
        StringBuilder s = new StringBuilder("{");
        counts.forEach((key, count) -> s.append(s.length() > 1 ? ", " : "").append("0x")
                .append(Long.toHexString(key)).append('=').append(count));
        return s.append('}').toString();
    }

    /** CREATED → RUNNING: starts the vCPU threads. */
    public void start() {
        vcpuStartNanos = System.nanoTime();
        control.start(id -> new VcpuLoop(vcpus.get(id), control, pio, mmio, counters));
        log.info("VM started: {} vCPU thread(s)", vcpus.size());
    }

    @Override
    public VmConfig config() {
        return config;
    }

    @Override
    public VmState state() {
        return control.state();
    }

    @Override
    public void pause() {
        control.pause();
    }

    @Override
    public void resume() {
        control.resume();
    }

    @Override
    public void requestStop() {
        control.requestStop(new VmExit(ExitStatus.HOST_STOP, "stopped by the host"));
    }

    @Override
    public void requestGracefulStop(Duration timeout) {
        if (control.state() == VmState.STOPPED) {
            return;
        }
        log.info("asking the guest to shut down (Ctrl+Alt+Del), forcing the stop after {} ms", timeout.toMillis());
        devices.i8042.pressCtrlAltDel();
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (control.exit().isEmpty()) {
                control.requestStop(new VmExit(ExitStatus.HOST_STOP,
                        "stopped by the host: the guest did not shut down within " + timeout.toMillis() + " ms"));
            }
        });
    }

    /** Stops the VM (HOST_STOP unless it already ended) and waits until it released everything. */
    public VmExit stop() {
        return control.stop();
    }

    /** Blocks until the VM stopped. */
    public VmExit awaitExit() {
        return control.awaitExit();
    }

    @Override
    public CompletableFuture<VmExit> exitFuture() {
        return control.exitFuture();
    }

    @Override
    public Optional<Duration> bootToInit() {
        long started = vcpuStartNanos;
        return devices.bootTimer.flatMap(BootTimer::bootTime)
                .map(sinceVmmStart -> sinceVmmStart.minusNanos(started - vmmStartNanos));
    }

    /** From VMM start to the guest's boot-timer write, as the boot timer logged it. */
    public Optional<Duration> bootTimeSinceVmmStart() {
        return devices.bootTimer.flatMap(BootTimer::bootTime);
    }

    @Override
    public Map<String, Long> exitCounts() {
        return counters.snapshot();
    }

    @Override
    public Duration uptime() {
        long started = vcpuStartNanos;
        return started == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - started);
    }

    /** Stops the VM if it still runs and releases everything. */
    @Override
    public void close() {
        if (control.state() != VmState.STOPPED) {
            stop();
        }
    }
}
