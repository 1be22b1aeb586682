#!/usr/bin/env bash
# Agent start-up benchmark driver (not part of the guest image): builds or finds the guest root, unpacks
# it to a temp dir (a different path than the training run's, with the archive's mtimes, as the guest
# sees it) and runs io.stockade.agent.bench.AgentStartupBenchmark from task-agent's test classes.
#
#   guest-image/rootfs/bench-startup.sh [runs=10] [idle-seconds=2]
#
# Needs `./mvnw -pl task-agent package` (and test-compile) first; prints a markdown table on stdout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
jdk=${STOCKADE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
target=$repo/task-agent/target
[[ -d $target/test-classes/io/stockade/agent/bench ]] ||
    { echo "bench-startup: run ./mvnw -pl task-agent package (test classes missing)" >&2; exit 1; }

entry=$("$repo/guest-image/build-rootfs.sh" | tail -n1)
unpacked=$(mktemp -d /tmp/stockade-rootfs-bench.XXXXXX)
trap 'rm -rf "$unpacked"' EXIT
(cd "$unpacked" && gzip -dc "$entry/rootfs.cpio.gz" | tail -c +513 | cpio -idm --quiet --no-absolute-filenames 'opt/*' 'usr/*' 'lib*')

"$jdk/bin/java" --enable-native-access=ALL-UNNAMED \
    -cp "$target/test-classes:$target/lib/*" io.stockade.agent.bench.AgentStartupBenchmark \
    --runs "${1:-10}" --idle-seconds "${2:-2}" --plain-java "$jdk/bin/java" \
    --agent-target "$target" --rootfs "$unpacked"
