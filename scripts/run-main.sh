#!/usr/bin/env bash
# `./dev run`: builds Stockade and starts the main job, the sandboxer daemon, with its embedded defaults (no config
# file needed): Controller on /run/stockade/sandboxer.sock, pods under /run/stockade, state in /var/lib/stockade.
# It runs in the foreground; Ctrl-C stops the daemon and leaves pods running (the next start re-attaches).
# Extra arguments go to stockade-sandboxer (e.g. --config /etc/stockade/config.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh
[ "$(id -u)" = 0 ] || { echo "stockade: the sandboxer needs root (mounts, runc, network namespaces)" >&2; exit 1; }
scripts/install-deps.sh
./mvnw -B -ntp -q install -DskipTests
cat >&2 <<'MSG'
stockade: starting stockade-sandboxer. To use it from containerd 2.1+, add packaging/containerd/config.toml.snippet to
stockade: containerd's config and run pods with `crictl runp --runtime=stockade` (docs/configuration.md has every key).
MSG
exec sh sandboxer/target/stockade-sandboxer "$@"
