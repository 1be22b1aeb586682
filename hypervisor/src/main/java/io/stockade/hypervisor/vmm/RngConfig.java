package io.stockade.hypervisor.vmm;

/** A virtio-rng entropy device fed by the host's CSPRNG, so the guest has entropy early in boot. */
public record RngConfig() implements VirtioDeviceConfig {

    @Override
    public String describe() {
        return "entropy device";
    }
}
