#!/usr/bin/env bash
# Boots the guest kernel under QEMU (-M microvm, TCG, no KVM needed) with a busybox initramfs, a virtio-blk
# disk and a virtio-rng device, and checks from inside the guest that the kernel has what Stockade needs:
# 2 CPUs, cgroup v2 with cpuset/cpu/io/memory/pids, /dev/vda (ext4) and /dev/hwrng, the namespaces,
# seccomp, the filesystems and the virtio drivers. This proves the kernel before our own VMM uses it.
#
#   smoke-test.sh [<vmlinux|bzImage|build-kernel.sh cache entry>]   (default: what build-kernel.sh builds)
#
# Exit status 0 when every check passes; otherwise the failed checks and the console log path go to stderr.
set -euo pipefail

readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly BOOT_TIMEOUT_SECONDS=180

log() { printf 'smoke-test: %s\n' "$*" >&2; }
die() { printf 'smoke-test: error: %s\n' "$*" >&2; exit 2; }

kernel=${1:-$("$HERE/build-kernel.sh" | tail -n1)}
[[ -d $kernel ]] && kernel=$kernel/vmlinux
[[ -r $kernel ]] || die "kernel '$kernel' not readable"
for tool in qemu-system-x86_64 mkfs.ext4 cpio; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install qemu-system-x86 e2fsprogs cpio)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/stockade-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A fresh nonce per run: the guest must echo it from the command line and read it back from the disk, so
# the checks cannot pass on stale or unrelated console output.
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

mkdir "$work/disk"
echo "$nonce" >"$work/disk/token"
truncate -s 16M "$work/disk.ext4"
mkfs.ext4 -q -F -d "$work/disk" "$work/disk.ext4"

cat >"$work/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
nonce=$(sed -n 's/.*stockade\.nonce=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
echo "SMOKE-BEGIN $nonce"
echo "SMOKE kernel=$(uname -r)"
echo "SMOKE cpus=$(grep -c '^processor' /proc/cpuinfo)"
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo "SMOKE cgroup2=$(cat /sys/fs/cgroup/cgroup.controllers)"
[ -b /dev/vda ] && mount -t ext4 -o ro /dev/vda /mnt && echo "SMOKE vda-token=$(cat /mnt/token)"
echo "SMOKE hwrng=$(cat /sys/class/misc/hw_random/rng_current)"
echo "SMOKE hwrng-bytes=$(head -c 16 /dev/hwrng | wc -c)"
echo "SMOKE namespaces=$(ls /proc/self/ns | tr '\n' ' ')"
echo "SMOKE seccomp=$(grep -c '^Seccomp:' /proc/self/status)"
echo "SMOKE filesystems=$(awk '{ print $NF }' /proc/filesystems | tr '\n' ' ')"
echo "SMOKE virtio-drivers=$(ls /sys/bus/virtio/drivers | tr '\n' ' ')"
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts && [ -c /dev/ptmx ] && echo "SMOKE devpts=ok"
echo "SMOKE-END $nonce"
reboot -f
EOF
"$HERE/build-initramfs.sh" "$work/init" "$work/initramfs.cpio.gz"

console=$work/console.log
log "booting $kernel under QEMU TCG"
started=$EPOCHREALTIME
qemu_status=0
# acpi=off: the kernel has no ACPI, and only then does QEMU put virtio_mmio.device= on the command line.
# reboot -f + reboot=t + -no-reboot makes QEMU exit when the guest is done.
timeout "$BOOT_TIMEOUT_SECONDS" qemu-system-x86_64 \
    -M microvm,x-option-roms=off,rtc=on,acpi=off -accel tcg -cpu max -m 256 -smp 2 \
    -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
    -append "console=ttyS0 reboot=t panic=-1 quiet stockade.nonce=$nonce" \
    -nographic -no-reboot -nic none \
    -drive id=vda,file="$work/disk.ext4",format=raw,if=none,readonly=on -device virtio-blk-device,drive=vda \
    -device virtio-rng-device \
    </dev/null >"$console" 2>&1 || qemu_status=$?
elapsed=$(printf '%.2f' "$(bc <<<"$EPOCHREALTIME - $started")")
tr -d '\r' <"$console" >"$console.txt"

value() { sed -n "s/^SMOKE $1=//p" "$console.txt" | head -n1; }
has_words() { # "<space-separated list>" word...: every word is in the list
    local list=" $1 " word
    shift
    for word in "$@"; do [[ $list == *" $word "* ]] || return 1; done
}
failures=()
check() { # description, then the command that must succeed
    local description=$1
    shift
    if "$@"; then
        log "ok    $description"
    else
        log "FAIL  $description"
        failures+=("$description")
    fi
}

cpus=$(value cpus) cgroups=$(value cgroup2) hwrng=$(value hwrng) hwrng_bytes=$(value hwrng-bytes)
check "qemu exited cleanly (status $qemu_status)" test "$qemu_status" = 0
check "guest ran /init to the end (marker with this run's nonce)" grep -qxF "SMOKE-END $nonce" "$console.txt"
check "2 CPUs online (got '$cpus')" test "$cpus" = 2
check "cgroup2 controllers cpuset cpu io memory pids (got '$cgroups')" \
    has_words "$cgroups" cpuset cpu io memory pids
check "/dev/vda mounted as ext4 and holds this run's token" test "$(value vda-token)" = "$nonce"
check "/dev/hwrng backed by virtio_rng (got '$hwrng')" test "${hwrng%%.*}" = virtio_rng
check "/dev/hwrng readable (got '$hwrng_bytes' of 16 bytes)" test "$hwrng_bytes" = 16
check "namespaces cgroup ipc mnt net pid time user uts" \
    has_words "$(value namespaces)" cgroup ipc mnt net pid time user uts
check "seccomp in /proc/self/status" test "$(value seccomp)" = 1
check "filesystems ext4 erofs overlay fuse virtiofs tmpfs devpts cgroup2" \
    has_words "$(value filesystems)" ext4 erofs overlay fuse virtiofs tmpfs devpts cgroup2
check "virtio drivers blk net rng console balloon virtiofs vsock" \
    has_words "$(value virtio-drivers)" virtio_blk virtio_net virtio_rng virtio_console virtio_balloon \
    virtiofs vmw_vsock_virtio_transport
check "devpts mounts and /dev/ptmx exists" test "$(value devpts)" = ok

if ((${#failures[@]} > 0)); then
    cp "$console.txt" "${TMPDIR:-/tmp}/stockade-smoke-console.log"
    log "${#failures[@]} check(s) failed for $kernel ($(value kernel)); console: ${TMPDIR:-/tmp}/stockade-smoke-console.log"
    exit 1
fi
log "PASS: $kernel ($(value kernel)) in ${elapsed}s under TCG"
