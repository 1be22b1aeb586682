#!/usr/bin/env bash
# Installs the Debian packages the build and the test tiers need (idempotent; skips apt when all are present).
set -euo pipefail
pkgs=(qemu-system-x86 busybox-static cpio kmod runc gcc libc6-dev linux-libc-dev iproute2 e2fsprogs containernetworking-plugins xz-utils)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
