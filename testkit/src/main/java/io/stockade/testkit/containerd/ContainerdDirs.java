package io.stockade.testkit.containerd;

import java.nio.file.Path;

/**
 * Where one private containerd keeps everything, all under one base directory so it can be removed as a whole.
 * Socket paths stay short (the base is a temp dir) because a unix socket path is limited to 107 bytes.
 *
 * @param base the fixture's temporary directory
 */
public record ContainerdDirs(Path base) {
    public ContainerdDirs {
        base = base.toAbsolutePath();
    }

    /** containerd's persistent root (content store, snapshots, metadata). */
    public Path root() {
        return base.resolve("root");
    }

    /** containerd's state directory (task bundles, shim sockets). */
    public Path state() {
        return base.resolve("state");
    }

    /** Directory of the sockets. */
    public Path sockets() {
        return base.resolve("s");
    }

    /** The gRPC API socket (what {@code ctr --address} and gRPC clients dial). */
    public Path grpcSocket() {
        return sockets().resolve("containerd.sock");
    }

    /** The ttrpc API socket (what shims publish events to). */
    public Path ttrpcSocket() {
        return sockets().resolve("containerd.sock.ttrpc");
    }

    /** The debug/pprof socket, kept private so it never collides with a system containerd. */
    public Path debugSocket() {
        return sockets().resolve("debug.sock");
    }

    /** The "opt" plugin's directory (defaults to /opt/containerd otherwise). */
    public Path opt() {
        return base.resolve("opt");
    }

    public Path configFile() {
        return base.resolve("config.toml");
    }

    /** containerd's stdout and stderr. */
    public Path logFile() {
        return base.resolve("containerd.log");
    }
}
