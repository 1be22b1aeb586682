#!/usr/bin/env bash
# Runs every test tier: unit, host integration (root), and the nested-KVM tier.
# Installs what the tiers need first (Debian packages, containerd 2.1 into the project cache).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh
scripts/install-deps.sh
exec ./mvnw -B -ntp verify -Dstockade.tiers=unit,host,kvm "$@"
