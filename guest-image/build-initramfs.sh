#!/usr/bin/env bash
# Builds a small busybox initramfs (gzip'd cpio "newc") around a given /init, for booting a test guest
# from shell scripts such as smoke-test.sh. Java tests use io.stockade.testkit.l1.Initramfs instead.
#
#   build-initramfs.sh <init-script> <output.cpio.gz> [<host-file>:<archive-path> ...]
#
# Needs no root: /dev/console (which the kernel opens for /init before devtmpfs exists) is written as a
# hand-made cpio entry instead of a real device node. Output is byte-for-byte reproducible for the same
# inputs (fixed owners and mtimes, sorted entries, gzip -n).
set -euo pipefail

readonly BUSYBOX=/bin/busybox

die() { printf 'build-initramfs: error: %s\n' "$*" >&2; exit 1; }

(($# >= 2)) || die "usage: $0 <init-script> <output.cpio.gz> [<host-file>:<archive-path> ...]"
init_script=$1 output=$2
shift 2
[[ -r $init_script ]] || die "init script '$init_script' not readable"
[[ -x $BUSYBOX ]] || die "$BUSYBOX missing: apt-get install busybox-static"
# A dynamically linked busybox would boot to "Kernel panic - not syncing: No working init found".
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked: install busybox-static"
fi

# One cpio newc entry without data: name, mode (octal), inode, rdev major, rdev minor.
newc_entry() {
    local name=$1 mode=$2 ino=$3 major=$4 minor=$5 namesize=$((${#1} + 1)) nlink=1
    (( (8#$mode & 8#170000) == 8#040000 )) && nlink=2
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
        "$ino" "$((8#$mode))" 0 0 "$nlink" 0 0 0 0 "$major" "$minor" "$namesize" 0 "$name"
    # The 110-byte header plus the name is padded to a multiple of 4.
    local pad=$(((4 - (110 + namesize) % 4) % 4))
    head -c "$pad" /dev/zero
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,mnt,etc}

cp "$BUSYBOX" "$root/bin/busybox"
while IFS= read -r applet; do
    [[ -n $applet && $applet != bin/busybox && ! -e $root/$applet ]] || continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -s /bin/busybox "$root/$applet"
done < <("$BUSYBOX" --list-full)
install -m 0755 "$init_script" "$root/init"

for spec in "$@"; do
    src=${spec%%:*} dest=${spec#*:}
    [[ $spec == *:* && -n $src && -n $dest ]] || die "extra file '$spec' is not <host-file>:<archive-path>"
    [[ -r $src ]] || die "extra file '$src' not readable"
    dest=${dest#/}
    [[ $dest != *..* ]] || die "archive path '$dest' must not contain '..'"
    mkdir -p "$root/$(dirname "$dest")"
    cp -p "$src" "$root/$dest"
done

find "$root" -exec touch -h -d @0 {} +
{
    # Archive 1: /dev/console. The kernel unpacks concatenated archives in order.
    newc_entry dev 040755 1 0 0
    newc_entry dev/console 020600 2 5 1
    newc_entry TRAILER!!! 0 0 0 0
    # Archive 2: everything else.
    (cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
        cpio --quiet -o -H newc --reproducible -R 0:0)
} | gzip -n -9 >"$stage/initramfs.cpio.gz"
mv "$stage/initramfs.cpio.gz" "$output"
