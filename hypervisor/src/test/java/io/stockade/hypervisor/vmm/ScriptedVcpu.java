package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.kvm.VcpuExit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake vCPU that plays back scripted exits and then behaves like a guest idling inside KVM_RUN: run()
 * blocks until kicked and returns Interrupted, exactly as KVM does with immediate_exit and the kick signal.
 */
final class ScriptedVcpu implements VcpuHandle {

    private final int id;
    private final ArrayDeque<VcpuExit> script = new ArrayDeque<>();
    private boolean ignoresKicks;
    final List<byte[]> ioInAnswers = new ArrayList<>();
    final List<byte[]> mmioAnswers = new ArrayList<>();
    private boolean kicked;
    private boolean inRun;
    private int runs;

    ScriptedVcpu(int id, VcpuExit... exits) {
        this(id, false, exits);
    }

    ScriptedVcpu(int id, boolean ignoresKicks, VcpuExit... exits) {
        this.id = id;
        this.ignoresKicks = ignoresKicks;
        script.addAll(List.of(exits));
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public void prepareThreadForKicks() { }

    @Override
    public void releaseThreadForKicks() { }

    @Override
    public synchronized VcpuExit run() {
        runs++;
        if (!script.isEmpty()) {
            return script.pollFirst();
        }
        inRun = true;
        notifyAll();
        try {
            while (!kicked || ignoresKicks) {
                wait();
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        } finally {
            inRun = false;
        }
        return new VcpuExit.Interrupted();
    }

    /** Waits until the vCPU idles inside run(). */
    synchronized void awaitIdleInRun() throws InterruptedException {
        while (!inRun) {
            wait();
        }
    }

    synchronized boolean isInRun() {
        return inRun;
    }

    synchronized int runs() {
        return runs;
    }

    /** Lets a vCPU built to ignore kicks answer them again, so a test can end its thread. */
    synchronized void stopIgnoringKicks() {
        ignoresKicks = false;
        notifyAll();
    }

    @Override
    public void completeIoIn(byte[] data) {
        ioInAnswers.add(data);
    }

    @Override
    public void completeMmioRead(byte[] data) {
        mmioAnswers.add(data);
    }

    @Override
    public synchronized void kick() {
        kicked = true;
        notifyAll();
    }

    @Override
    public synchronized void clearKick() {
        kicked = false;
    }

    @Override
    public String describeState() {
        return "rip=0xdead";
    }
}
