package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.sys.EventFd;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link GuestEventRouting} that records each call as text, e.g. {@code "irqfd 5"}, {@code "-ioeventfd 0xd0000050=1"}. */
final class RecordingRouting implements GuestEventRouting {

    final List<String> calls;
    /** The eventfds registered as ioeventfds, in order: writing one is what a guest kick does. */
    final List<EventFd> ioeventfds = new CopyOnWriteArrayList<>();

    RecordingRouting(List<String> calls) {
        this.calls = calls;
    }

    RecordingRouting() {
        this(new CopyOnWriteArrayList<>());
    }

    @Override
    public void registerIrqfd(EventFd eventFd, int gsi) {
        calls.add("irqfd " + gsi);
    }

    @Override
    public void unregisterIrqfd(EventFd eventFd, int gsi) {
        calls.add("-irqfd " + gsi);
    }

    @Override
    public void registerIoeventfd(EventFd eventFd, long address, int length, long datamatch) {
        calls.add(String.format("ioeventfd 0x%x/%d=%d", address, length, datamatch));
        ioeventfds.add(eventFd);
    }

    @Override
    public void unregisterIoeventfd(EventFd eventFd, long address, int length, long datamatch) {
        calls.add(String.format("-ioeventfd 0x%x/%d=%d", address, length, datamatch));
    }
}
