package io.stockade.hypervisor.vmm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle state machine and the hand-shake between control threads (API, signals) and vCPU threads.
 *
 * <p>A control request is published first and then every vCPU is kicked out of KVM_RUN; a vCPU thread checks
 * the request at the top of each loop iteration (after clearing its kick), so no request is missed whatever
 * the interleaving. Pause waits until every live vCPU is parked; stop waits until every vCPU thread ended and
 * the VM's resources were released. Waits are bounded and fail naming the vCPUs that did not answer.
 * The first stop reason wins: a guest power-off racing a host stop is reported as whichever came first.
 */
final class RunControl {

    private static final Logger log = LoggerFactory.getLogger(RunControl.class);

    private enum Request { RUN, PAUSE, STOP }

    private final List<? extends VcpuHandle> vcpus;
    private final Duration waitLimit;
    private final Runnable releaseResources;
    private final CompletableFuture<VmExit> exitFuture = new CompletableFuture<>();

    private volatile Request request = Request.RUN; // written only under the lock
    private VmState state = VmState.CREATED;
    private final TreeSet<Integer> alive = new TreeSet<>();
    private final TreeSet<Integer> parked = new TreeSet<>();
    private VmExit exit;
    private boolean finishing;

    /**
     * @param vcpus the VM's vCPUs, kicked on pause and stop
     * @param waitLimit how long pause and stop wait for the vCPUs to answer
     * @param releaseResources frees every VM resource; runs once, after the last vCPU thread ended
     */
    RunControl(List<? extends VcpuHandle> vcpus, Duration waitLimit, Runnable releaseResources) {
        this.vcpus = List.copyOf(vcpus);
        this.waitLimit = waitLimit;
        this.releaseResources = releaseResources;
    }

    synchronized VmState state() {
        return state;
    }

    /** The exit, once the VM stopped. */
    Optional<VmExit> exit() {
        return Optional.ofNullable(exitFuture.getNow(null));
    }

    /** CREATED → RUNNING: starts one platform thread per vCPU running {@code loopFor.apply(vcpuId)}. */
    void start(IntFunction<Runnable> loopFor) {
        List<Thread> threads = new ArrayList<>();
        synchronized (this) {
            if (state != VmState.CREATED || request == Request.STOP) {
                throw new VmControlException("start: the VM is " + describeState() + ", not CREATED");
            }
            for (VcpuHandle vcpu : vcpus) {
                alive.add(vcpu.id());
                // Platform threads, never virtual: a vCPU spends its life in a pinned FFM downcall (KVM_RUN).
                threads.add(Thread.ofPlatform().name("vcpu-" + vcpu.id()).unstarted(loopFor.apply(vcpu.id())));
            }
            state = VmState.RUNNING;
        }
        threads.forEach(Thread::start);
    }

    /**
     * Called by a vCPU thread before each KVM_RUN: parks while paused.
     *
     * @return false when the thread must end because the VM is stopping
     */
    boolean awaitRunnable(int vcpuId) {
        if (request == Request.RUN) {
            return true;
        }
        synchronized (this) {
            while (request == Request.PAUSE) {
                parked.add(vcpuId);
                notifyAll();
                try {
                    wait();
                } catch (InterruptedException e) {
                    // vCPU threads are only ever woken through the request; keep waiting.
                } finally {
                    parked.remove(vcpuId);
                }
            }
            return request != Request.STOP;
        }
    }

    /** RUNNING → PAUSED once every vCPU is parked outside KVM_RUN; no-op when already paused. */
    void pause() {
        synchronized (this) {
            if (state == VmState.PAUSED && request == Request.PAUSE) {
                return;
            }
            if (state != VmState.RUNNING || request == Request.STOP) {
                throw new VmControlException("pause: the VM is " + describeState());
            }
            request = Request.PAUSE;
            kickAll();
            long deadline = System.nanoTime() + waitLimit.toNanos();
            while (request == Request.PAUSE && !parked.containsAll(alive)) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    TreeSet<Integer> stuck = new TreeSet<>(alive);
                    stuck.removeAll(parked);
                    request = Request.RUN;
                    notifyAll();
                    throw new VmControlException("pause: vCPUs " + stuck + " did not leave KVM_RUN within "
                            + waitLimit.toMillis() + " ms; the VM keeps running", true);
                }
                waitNanos(remaining);
            }
            if (request == Request.STOP) {
                throw new VmControlException("pause: the VM stopped meanwhile (" + exit + ")");
            }
            state = VmState.PAUSED;
        }
        log.info("VM paused");
    }

    /** PAUSED → RUNNING; no-op when already running. */
    void resume() {
        synchronized (this) {
            if (state == VmState.RUNNING && request == Request.RUN) {
                return;
            }
            if (state != VmState.PAUSED || request == Request.STOP) {
                throw new VmControlException("resume: the VM is " + describeState());
            }
            request = Request.RUN;
            state = VmState.RUNNING;
            notifyAll();
        }
        log.info("VM resumed");
    }

    /**
     * Starts stopping the VM for {@code reason} without waiting; callable from any thread, including a
     * vCPU thread handling the guest's power-off. Only the first reason is kept.
     */
    void requestStop(VmExit reason) {
        boolean noThreads;
        synchronized (this) {
            if (exit == null) {
                exit = reason;
                log.info("stopping the VM: {} {}", reason.status(), reason.message());
            } else {
                log.debug("VM already stopping ({}), ignoring {}", exit.status(), reason);
            }
            if (request == Request.STOP) {
                return;
            }
            request = Request.STOP;
            notifyAll();
            noThreads = state == VmState.CREATED;
            if (!noThreads) {
                kickAll();
            }
        }
        if (noThreads) {
            finish();
        }
    }

    /** Called by each vCPU thread as it ends, whatever the reason. */
    void vcpuExited(int vcpuId) {
        synchronized (this) {
            alive.remove(vcpuId);
            parked.remove(vcpuId);
            notifyAll();
            if (!alive.isEmpty()) {
                return;
            }
            if (exit == null) {
                // Every loop requests a stop before ending, so this is a bug; still never leave the VM half-alive.
                exit = new VmExit(ExitStatus.INTERNAL_ERROR, "all vCPU threads ended without a stop request");
                request = Request.STOP;
            }
        }
        finish();
    }

    private void finish() {
        synchronized (this) {
            if (finishing) {
                return;
            }
            finishing = true;
        }
        try {
            releaseResources.run();
        } catch (RuntimeException e) {
            log.error("releasing the VM's resources failed", e);
        }
        VmExit result;
        synchronized (this) {
            state = VmState.STOPPED;
            result = exit;
            notifyAll();
        }
        exitFuture.complete(result);
    }

    /** Requests a host stop and waits until the VM has stopped and released everything. */
    VmExit stop() {
        requestStop(new VmExit(ExitStatus.HOST_STOP, "stopped by the host"));
        return awaitExit(waitLimit).orElseThrow(() -> {
            synchronized (this) {
                return new VmControlException("stop: vCPUs " + alive + " did not end within "
                        + waitLimit.toMillis() + " ms", true);
            }
        });
    }

    /** Blocks until the VM stopped. */
    VmExit awaitExit() {
        try {
            return exitFuture.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmControlException("interrupted while waiting for the VM to stop");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits at most {@code limit} for the VM to stop. */
    Optional<VmExit> awaitExit(Duration limit) {
        try {
            return Optional.of(exitFuture.get(limit.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The future completing with the exit, for callers that want to be notified (the API's Wait). */
    CompletableFuture<VmExit> exitFuture() {
        return exitFuture.copy();
    }

    private void kickAll() {
        for (VcpuHandle vcpu : vcpus) {
            if (alive.contains(vcpu.id())) {
                try {
                    vcpu.kick();
                } catch (RuntimeException e) {
                    log.warn("kicking vCPU {} failed", vcpu.id(), e);
                }
            }
        }
    }

    private String describeState() {
        return request == Request.STOP && state != VmState.STOPPED ? "stopping" : state.toString();
    }

    private void waitNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.timedWait(this, nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmControlException("interrupted while waiting for the vCPUs");
        }
    }
}
