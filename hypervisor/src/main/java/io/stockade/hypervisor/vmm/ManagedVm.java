package io.stockade.hypervisor.vmm;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running VM as its controllers (the gRPC control API, the CLI's signal handling) see it.
 * {@link VirtualMachine} is the real one; the control API is tested against fakes.
 */
public interface ManagedVm {

    VmConfig config();

    VmState state();

    /** Parks every vCPU; idempotent. @throws VmControlException if not RUNNING/PAUSED or vCPUs do not answer */
    void pause();

    /** Lets paused vCPUs run again; idempotent. @throws VmControlException if not RUNNING/PAUSED */
    void resume();

    /** Starts a forced stop (exit status HOST_STOP) and returns at once; idempotent. */
    void requestStop();

    /**
     * Asks the guest to shut down (Ctrl+Alt+Del on the keyboard controller) and forces a stop if the VM is
     * still alive after {@code timeout}; returns at once.
     */
    void requestGracefulStop(Duration timeout);

    /** Completes with the exit once the VM stopped and released its resources. */
    CompletableFuture<VmExit> exitFuture();

    /** From the first vCPU entry to the guest's boot-timer write, once it happened. */
    Optional<Duration> bootToInit();

    /** VM exits handled so far, by KVM exit reason name. */
    Map<String, Long> exitCounts();

    /** Time since the vCPUs were started (zero before). */
    Duration uptime();
}
