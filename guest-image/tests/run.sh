#!/usr/bin/env bash
# Specification tests for the guest-image scripts. Each test_* function states one property.
#
#   tests/run.sh            all tests: builds the kernel if it is not cached (~11 min cold), boots it under TCG
#                           (the test with a kernel that cannot power off waits out a 120 s boot timeout)
#   tests/run.sh --quick    only the tests that need neither the kernel source nor QEMU (seconds)
#   tests/run.sh test_a ... only the named tests
#
# Needs root or the build packages already installed (build-kernel.sh installs what is missing).
set -uo pipefail

readonly IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/guest-image-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Records a failed expectation and lets the test go on, so one run reports every broken property.
fail() {
    printf '    %s\n' "$*" >&2
    test_failed=1
    return 1
}

# Lists the entries of a gzip'd initramfs as "<octal mode> <size> <name>", across concatenated archives
# (GNU cpio stops at the first trailer; the kernel does not).
list_initramfs() {
    python3 - "$1" <<'EOF'
import gzip, sys
data = gzip.open(sys.argv[1]).read()
i = 0
while i < len(data):
    if data[i] == 0:
        i += 1
        continue
    if data[i:i + 6] != b"070701":
        sys.exit(f"bad cpio magic at offset {i}")
    fields = [int(data[i + 6 + 8 * k:i + 14 + 8 * k], 16) for k in range(13)]
    mode, size, namesize = fields[1], fields[6], fields[11]
    name = data[i + 110:i + 110 + namesize - 1].decode()
    print(f"{mode:o} {size} {name}")
    i = (i + 110 + namesize + 3) & ~3
    i = (i + size + 3) & ~3
EOF
}

write_init() { printf '#!/bin/sh\necho hello\n' >"$scratch/init"; }

test_initramfs_is_byte_for_byte_reproducible() {
    write_init
    "$IMAGE_DIR/build-initramfs.sh" "$scratch/init" "$scratch/a.cpio.gz" || return 1
    sleep 1 # a different wall-clock second must not change the bytes
    "$IMAGE_DIR/build-initramfs.sh" "$scratch/init" "$scratch/b.cpio.gz" || return 1
    cmp -s "$scratch/a.cpio.gz" "$scratch/b.cpio.gz" || fail "two builds of the same inputs differ"
}

test_initramfs_has_console_init_busybox_and_extra_files() {
    write_init
    echo payload >"$scratch/payload"
    "$IMAGE_DIR/build-initramfs.sh" "$scratch/init" "$scratch/x.cpio.gz" "$scratch/payload:/etc/payload" || return 1
    local listing
    listing=$(list_initramfs "$scratch/x.cpio.gz") || return 1
    grep -qx '20600 0 dev/console' <<<"$listing" || fail "no char device dev/console 0600"
    grep -qx "100755 $(stat -c %s "$scratch/init") init" <<<"$listing" || fail "no executable /init"
    grep -qx "100755 $(stat -c %s /bin/busybox) bin/busybox" <<<"$listing" || fail "no bin/busybox"
    grep -qx '120777 12 bin/sh' <<<"$listing" || fail "no bin/sh -> /bin/busybox applet link"
    grep -qx '100644 8 etc/payload' <<<"$listing" || fail "extra file not at etc/payload"
}

test_initramfs_rejects_bad_arguments() {
    write_init
    local err
    if err=$("$IMAGE_DIR/build-initramfs.sh" "$scratch/no-such-init" "$scratch/o.cpio.gz" 2>&1); then
        fail "accepted a missing init script"
    fi
    [[ $err == *"no-such-init"* ]] || fail "error does not name the missing init: $err"
    if err=$("$IMAGE_DIR/build-initramfs.sh" "$scratch/init" "$scratch/o.cpio.gz" "no-colon" 2>&1); then
        fail "accepted an extra file spec without ':'"
    fi
    [[ $err == *"no-colon"* ]] || fail "error does not name the bad spec: $err"
    [[ ! -e $scratch/o.cpio.gz ]] || fail "left an output file behind after an error"
}

test_kernel_config_keeps_every_fragment_line() {
    STOCKADE_CACHE=$scratch/cache "$IMAGE_DIR/build-kernel.sh" --check-config 2>"$scratch/check.log" ||
        { tail -n 20 "$scratch/check.log" >&2; fail "the checked-in fragment does not survive olddefconfig"; }
}

test_kernel_config_check_names_a_dropped_option() {
    # Without its parent menu MISC_FILESYSTEMS, Kconfig silently drops EROFS_FS (guest-kernel.md pitfall 2).
    grep -vx 'CONFIG_MISC_FILESYSTEMS=y' "$IMAGE_DIR/kernel/microvm.config" >"$scratch/broken.config"
    if STOCKADE_CACHE=$scratch/cache STOCKADE_KERNEL_FRAGMENT=$scratch/broken.config \
        "$IMAGE_DIR/build-kernel.sh" --check-config 2>"$scratch/broken.log"; then
        fail "a fragment that loses CONFIG_EROFS_FS passed the check"
    fi
    grep -q "want 'CONFIG_EROFS_FS=y'" "$scratch/broken.log" || fail "the error does not name CONFIG_EROFS_FS"
    grep -q "want 'CONFIG_MISC_FILESYSTEMS=y'" "$scratch/broken.log" &&
        fail "named an option that is not in the fragment"
    return 0
}

test_kernel_build_prints_a_complete_cache_entry() {
    local stdout entry
    stdout=$("$IMAGE_DIR/build-kernel.sh" 2>"$scratch/build.log") ||
        { tail -n 20 "$scratch/build.log" >&2; fail "build-kernel.sh failed"; return 1; }
    entry=$(tail -n1 <<<"$stdout")
    [[ $(wc -l <<<"$stdout") == 1 ]] || fail "stdout has more than the entry path: $stdout"
    local file
    for file in vmlinux bzImage config build-info build.log; do
        [[ -s $entry/$file ]] || fail "cache entry $entry has no $file"
    done
    grep -qx "hash=$(basename "$entry")" "$entry/build-info" || fail "build-info hash does not match the entry name"
    grep -qx "vmlinux_sha256=$(sha256sum <"$entry/vmlinux" | cut -d' ' -f1)" "$entry/build-info" ||
        fail "vmlinux does not match the checksum in build-info"
    [[ $(head -c4 "$entry/vmlinux" | od -An -c | tr -d ' ') == '177ELF' ]] || fail "vmlinux is not an ELF file"
}

test_kernel_second_build_is_a_cache_hit() {
    local first second
    first=$("$IMAGE_DIR/build-kernel.sh" 2>/dev/null | tail -n1) || return 1
    second=$("$IMAGE_DIR/build-kernel.sh" 2>"$scratch/hit.log" | tail -n1) || return 1
    [[ $first == "$second" ]] || fail "two runs gave different entries: $first vs $second"
    [[ ! -s $scratch/hit.log ]] || fail "a cache hit did work: $(head -n3 "$scratch/hit.log")"
}

test_built_kernel_passes_the_boot_smoke_test() {
    "$IMAGE_DIR/smoke-test.sh" 2>"$scratch/smoke.log" || { cat "$scratch/smoke.log" >&2; return 1; }
}

test_smoke_test_rejects_a_kernel_without_built_in_virtio() {
    # Debian's stock kernel has every virtio driver as a module, so no /dev/vda and no hwrng at boot.
    local stock
    stock=$(ls -t "${STOCKADE_CACHE:-$HOME/.cache/stockade}"/l1/*/vmlinuz 2>/dev/null | head -n1)
    if [[ -z $stock ]]; then
        echo "    (skipped: no Debian kernel in the L1 cache; run an L1 test first)" >&2
        return 0
    fi
    if "$IMAGE_DIR/smoke-test.sh" "$stock" 2>"$scratch/stock.log"; then
        fail "the smoke test passed a kernel without virtio drivers"
    fi
    grep -q 'FAIL  /dev/vda' "$scratch/stock.log" || fail "the failure does not name /dev/vda"
}

test_smoke_test_rejects_a_kernel_that_cannot_power_off() {
    # A kernel without ACPI halts on poweroff -f and sees no DSDT devices; any such entry an older fragment
    # left in the kernel cache will do.
    local config old=""
    for config in "${STOCKADE_CACHE:-$HOME/.cache/stockade}"/guest-kernel/*/config; do
        [[ -f $config && -f ${config%/config}/vmlinux ]] || continue
        grep -qx 'CONFIG_ACPI=y' "$config" || { old=${config%/config}; break; }
    done
    if [[ -z $old ]]; then
        echo "    (skipped: no kernel without ACPI in the kernel cache)" >&2
        return 0
    fi
    if "$IMAGE_DIR/smoke-test.sh" "$old" 2>"$scratch/no-acpi.log"; then
        fail "the smoke test passed $old, which has no ACPI"
    fi
    grep -q 'FAIL  guest powered off through ACPI .*\[acpi=on\]' "$scratch/no-acpi.log" ||
        fail "the failure does not name the ACPI power-off"
    grep -q 'FAIL  .*\[acpi=off\]' "$scratch/no-acpi.log" &&
        fail "the acpi=off boot failed too, but a kernel without ACPI must pass it: $(grep 'FAIL  .*acpi=off' "$scratch/no-acpi.log")"
    return 0
}

quick_tests=(
    test_initramfs_is_byte_for_byte_reproducible
    test_initramfs_has_console_init_busybox_and_extra_files
    test_initramfs_rejects_bad_arguments
)
slow_tests=(
    test_kernel_config_keeps_every_fragment_line
    test_kernel_config_check_names_a_dropped_option
    test_kernel_build_prints_a_complete_cache_entry
    test_kernel_second_build_is_a_cache_hit
    test_built_kernel_passes_the_boot_smoke_test
    test_smoke_test_rejects_a_kernel_without_built_in_virtio
    test_smoke_test_rejects_a_kernel_that_cannot_power_off
)
case "${1:-}" in
    "") tests=("${quick_tests[@]}" "${slow_tests[@]}") ;;
    --quick) tests=("${quick_tests[@]}") ;;
    *) tests=("$@") ;;
esac
for t in "${tests[@]}"; do
    [[ $(type -t "$t") == function && $t == test_* ]] || { echo "no such test: $t" >&2; exit 2; }
done

failed=0
for t in "${tests[@]}"; do
    started=$SECONDS
    if (test_failed=0; "$t" || test_failed=1; exit "$test_failed"); then
        echo "PASS $t ($((SECONDS - started)) s)"
    else
        echo "FAIL $t ($((SECONDS - started)) s)"
        failed=$((failed + 1))
    fi
done
echo "$((${#tests[@]} - failed)) passed, $failed failed"
((failed == 0))
