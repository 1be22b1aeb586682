package io.stockade.hypervisor.api;

import io.stockade.hypervisor.vmm.ExitStatus;
import io.stockade.hypervisor.vmm.ManagedVm;
import io.stockade.hypervisor.vmm.VmConfig;
import io.stockade.hypervisor.vmm.VmExit;
import io.stockade.hypervisor.vmm.VmState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A VM that records the control calls it gets; pause refuses when told to. */
final class FakeVm implements ManagedVm {

    final List<String> calls = new ArrayList<>();
    final CompletableFuture<VmExit> exit = new CompletableFuture<>();
    volatile VmState state = VmState.RUNNING;
    volatile RuntimeException pauseFailure;

    @Override
    public VmConfig config() {
        return VmConfig.withDefaults(Path.of("/boot/vmlinuz"));
    }

    @Override
    public VmState state() {
        return state;
    }

    @Override
    public synchronized void pause() {
        calls.add("pause");
        if (pauseFailure != null) {
            throw pauseFailure;
        }
        state = VmState.PAUSED;
    }

    @Override
    public synchronized void resume() {
        calls.add("resume");
        state = VmState.RUNNING;
    }

    @Override
    public synchronized void requestStop() {
        calls.add("stop");
        state = VmState.STOPPED;
        exit.complete(new VmExit(ExitStatus.HOST_STOP, "stopped by the host"));
    }

    @Override
    public synchronized void requestGracefulStop(Duration timeout) {
        calls.add("graceful " + timeout.toSeconds() + "s");
    }

    @Override
    public CompletableFuture<VmExit> exitFuture() {
        return exit.copy();
    }

    @Override
    public Optional<Duration> bootToInit() {
        return Optional.of(Duration.ofMillis(1234));
    }

    @Override
    public Map<String, Long> exitCounts() {
        return Map.of("IO", 42L, "MMIO", 7L);
    }

    @Override
    public Duration uptime() {
        return Duration.ofSeconds(3, 500);
    }
}
