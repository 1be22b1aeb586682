package io.stockade.hypervisor.main;

import io.stockade.hypervisor.devices.virtio.net.MacAddress;
import io.stockade.hypervisor.vmm.DiskConfig;
import io.stockade.hypervisor.vmm.FsConfig;
import io.stockade.hypervisor.vmm.NetConfig;
import io.stockade.hypervisor.vmm.VsockConfig;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;

/**
 * picocli converters from the device options' text to their configs; picocli reports what they throw as an invalid
 * value of the option.
 */
final class DeviceOptionConverters {

    private DeviceOptionConverters() {}

    /** {@code --disk PATH[,ro][,id=ID]}. */
    static final class Disk implements ITypeConverter<DiskConfig> {
        @Override
        public DiskConfig convert(String text) {
            DeviceOptionValue v = DeviceOptionValue.parse("--disk", text, true, Set.of("id"), Set.of("ro"));
            return new DiskConfig(Path.of(v.positional().orElseThrow()), v.flags().contains("ro"), v.optional("id"));
        }
    }

    /** {@code --net tap=NAME[,netns=PATH][,mac=52:54:00:12:34:56]}. */
    static final class Net implements ITypeConverter<NetConfig> {
        @Override
        public NetConfig convert(String text) {
            DeviceOptionValue v = DeviceOptionValue.parse("--net", text, false, Set.of("tap", "netns", "mac"),
                    Set.of());
            return new NetConfig(v.required("--net", "tap"), v.optional("netns").map(Path::of),
                    v.optional("mac").map(MacAddress::parse));
        }
    }

    /** {@code --fs tag=TAG,socket=PATH}. */
    static final class Fs implements ITypeConverter<FsConfig> {
        @Override
        public FsConfig convert(String text) {
            DeviceOptionValue v = DeviceOptionValue.parse("--fs", text, false, Set.of("tag", "socket"), Set.of());
            return new FsConfig(v.required("--fs", "tag"), Path.of(v.required("--fs", "socket")));
        }
    }

    /** {@code --vsock cid=N,uds=PATH}. */
    static final class Vsock implements ITypeConverter<VsockConfig> {
        @Override
        public VsockConfig convert(String text) {
            DeviceOptionValue v = DeviceOptionValue.parse("--vsock", text, false, Set.of("cid", "uds"), Set.of());
            String cid = v.required("--vsock", "cid");
            long guestCid;
            try {
                guestCid = Long.parseLong(cid);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--vsock: cid \"" + cid + "\" is not a number");
            }
            return new VsockConfig(guestCid, Path.of(v.required("--vsock", "uds")));
        }
    }
}
