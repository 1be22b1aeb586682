package io.stockade.hypervisor.main;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a host stop of the VM.
 *
 * <p>Why {@code sun.misc.Signal} (jdk.unsupported) rather than a shutdown hook: a hook runs while the JVM is
 * already exiting, so the VMM could neither return its documented exit code (HOST_STOP) nor wait for the vCPU
 * threads through the normal stop path. The handler only requests the stop; {@link StockadeVmm} does the rest.
 */
final class HostSignals {

    private HostSignals() {}

    static void stopOnTermination(Runnable requestStop) {
        Signal.handle(new Signal("TERM"), signal -> requestStop.run());
        Signal.handle(new Signal("INT"), signal -> requestStop.run());
    }
}
