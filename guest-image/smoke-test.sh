#!/usr/bin/env bash
# Boots the guest kernel under QEMU (-M microvm, TCG, no KVM needed) with a busybox initramfs, a virtio-blk
# disk and a virtio-rng device, and checks from inside the guest that the kernel has what Stockade needs:
# 2 CPUs, cgroup v2 with cpuset/cpu/io/memory/pids, /dev/vda (ext4) and /dev/hwrng, the namespaces,
# seccomp, the filesystems and the virtio drivers. This proves the kernel before our own VMM uses it.
#
# It boots twice, once per way our kernel can learn about the machine:
#   acpi=off  no ACPI tables; QEMU puts virtio_mmio.device= on the command line (what our VMM also does).
#             The guest ends with reboot -f (triple fault, reboot=t) and -no-reboot makes QEMU exit.
#   acpi=on   QEMU's hardware-reduced ACPI: virtio-mmio devices and COM1 come only from the DSDT, and the
#             guest ends with poweroff -f, which must make QEMU exit through ACPI S5 (the path our VMM's
#             sleep control register serves).
#
#   smoke-test.sh [<vmlinux|bzImage|build-kernel.sh cache entry>]   (default: what build-kernel.sh builds)
#
# Exit status 0 when every check passes; otherwise the failed checks and the console log paths go to stderr.
set -euo pipefail

readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A kernel without ACPI hangs on poweroff -f (interrupts off, no power-off handler) until this runs out.
readonly BOOT_TIMEOUT_SECONDS=120

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
echo "SMOKE uptime=$(cut -d' ' -f1 /proc/uptime)"
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
echo "SMOKE acpi-tables=$(ls /sys/firmware/acpi/tables 2>/dev/null | tr '\n' ' ')"
echo "SMOKE cmdline-virtio=$(grep -o 'virtio_mmio\.device=' /proc/cmdline | wc -l)"
echo "SMOKE acpi-virtio=$(ls -d /sys/bus/acpi/devices/LNRO0005:* 2>/dev/null | wc -l)"
echo "SMOKE pnp-serial=$(ls /sys/bus/pnp/drivers/serial 2>/dev/null | grep -c '^[0-9]')"
echo "SMOKE-END $nonce"
# The host asks for the ending: only a kernel with ACPI can power the machine off.
case " $(cat /proc/cmdline) " in
    *" stockade.end=poweroff "*) poweroff -f ;;
    *) reboot -f ;;
esac
EOF
"$HERE/build-initramfs.sh" "$work/init" "$work/initramfs.cpio.gz"

# With hardware-reduced ACPI the kernel sets up no PIT or PIC timer, so unless it knows the TSC frequency it
# calibrates the TSC against the PIT by busy-waiting, which under TCG on a loaded host fails ("tsc: Unable
# to calibrate against PIT") and leaves it with no clock to calibrate the local APIC timer: the boot hangs.
# Under KVM, kvm-clock tells it the frequency. Here we tell it: TCG's guest TSC is the host's TSC.
host_tsc_khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
[[ $host_tsc_khz =~ ^[1-9][0-9]*$ ]] || die "cannot read the host's TSC frequency from /proc/cpuinfo"

# Boots the kernel with QEMU's microvm ACPI on or off; leaves the console in $work/console-acpi-<on|off>.txt
# and sets qemu_status and elapsed.
boot() {
    local acpi=$1 end=$2 raw=$work/console-acpi-$1.log
    log "booting $kernel under QEMU TCG with acpi=$acpi, guest ends with $end"
    local started=$EPOCHREALTIME
    qemu_status=0
    # reboot=t + -no-reboot makes QEMU exit on reboot -f; it also turns a panic (panic=-1) into an exit, so
    # the poweroff check below looks for the kernel's "Power down" line and rejects "Restarting system".
    timeout "$BOOT_TIMEOUT_SECONDS" qemu-system-x86_64 \
        -M microvm,x-option-roms=off,rtc=on,acpi="$acpi" -accel tcg -cpu max -m 256 -smp 2 \
        -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
        -append "console=ttyS0 reboot=t panic=-1 quiet tsc_early_khz=$host_tsc_khz stockade.nonce=$nonce stockade.end=$end" \
        -nographic -no-reboot -nic none \
        -drive id=vda,file="$work/disk.ext4",format=raw,if=none,readonly=on -device virtio-blk-device,drive=vda \
        -device virtio-rng-device \
        </dev/null >"$raw" 2>&1 || qemu_status=$?
    elapsed=$(printf '%.2f' "$(bc <<<"$EPOCHREALTIME - $started")")
    console=$work/console-acpi-$acpi.txt
    tr -d '\r' <"$raw" >"$console"
}

value() { sed -n "s/^SMOKE $1=//p" "$console" | head -n1; }
at_least() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2)); } # a guest-reported count, which may be missing
has_words() { # "<space-separated list>" word...: every word is in the list
    local list=" $1 " word
    shift
    for word in "$@"; do [[ $list == *" $word "* ]] || return 1; done
}
failures=()
check() { # description, then the command that must succeed; the description gets the boot's label
    local description="$1 [$label]"
    shift
    if "$@"; then
        log "ok    $description"
    else
        log "FAIL  $description"
        failures+=("$description")
    fi
}

# What Stockade needs of the kernel, whichever way it found its devices.
check_guest_report() {
    local cpus cgroups hwrng hwrng_bytes
    cpus=$(value cpus) cgroups=$(value cgroup2) hwrng=$(value hwrng) hwrng_bytes=$(value hwrng-bytes)
    check "guest ran /init to the end (marker with this run's nonce)" grep -qxF "SMOKE-END $nonce" "$console"
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
}

# The kernel prints "Power down" before it calls the power-off handler, so alone it proves nothing: QEMU must
# also have exited (checked separately), and a restart (panic=-1 under -no-reboot) must not be what ended it.
powered_off() {
    grep -q 'reboot: Power down' "$console" && ! grep -q 'reboot: Restarting system' "$console"
}

consoles=()
keep_console() { # copies this boot's console where it survives the exit trap
    local kept="${TMPDIR:-/tmp}/stockade-smoke-console-acpi-$1.log"
    cp "$console" "$kept"
    consoles+=("$kept")
}

label=acpi=off
boot off reboot
off_elapsed=$elapsed off_uptime=$(value uptime)
kernel_release=$(value kernel)
check "qemu exited cleanly (status $qemu_status)" test "$qemu_status" = 0
check_guest_report
check "virtio-mmio devices came from the command line (got '$(value cmdline-virtio)')" \
    at_least "$(value cmdline-virtio)" 2
check "no ACPI tables without ACPI (got '$(value acpi-tables)')" test -z "$(value acpi-tables)"
((${#failures[@]} == 0)) || keep_console off
off_failures=${#failures[@]}

label=acpi=on
boot on poweroff
on_elapsed=$elapsed on_uptime=$(value uptime)
check "qemu exited cleanly (status $qemu_status)" test "$qemu_status" = 0
check "guest powered off through ACPI (\"reboot: Power down\", no restart)" powered_off
check "kernel read the DSDT and FADT (tables: '$(value acpi-tables)')" \
    has_words "$(value acpi-tables)" DSDT FACP
check_guest_report
check "no virtio-mmio devices on the command line (got '$(value cmdline-virtio)')" \
    test "$(value cmdline-virtio)" = 0
check "virtio-mmio devices enumerated from the DSDT as LNRO0005 (got '$(value acpi-virtio)')" \
    at_least "$(value acpi-virtio)" 2
check "COM1 bound by the 8250 PNP driver (got '$(value pnp-serial)' devices)" at_least "$(value pnp-serial)" 1
((${#failures[@]} == off_failures)) || keep_console on

if ((${#failures[@]} > 0)); then
    log "${#failures[@]} check(s) failed for $kernel ($kernel_release); console: ${consoles[*]}"
    exit 1
fi
log "PASS: $kernel ($kernel_release) under TCG: acpi=off ${off_elapsed}s (guest uptime at marker ${off_uptime}s)," \
    "acpi=on ${on_elapsed}s (${on_uptime}s)"
