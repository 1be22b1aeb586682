#!/usr/bin/env bash
# Builds the Stockade guest kernel (vmlinux + bzImage) from Debian's linux-source-6.1, our patches
# (kernel/patches/*.patch, applied in name order with patch -p1) and our config fragment, cached by a hash
# of its inputs:
#
#   ${STOCKADE_CACHE:-$HOME/.cache/stockade}/guest-kernel/<hash>/{vmlinux,bzImage,config,build-info,build.log}
#
# <hash> covers the linux-source-6.1 package version, the patches, kernel/microvm.config and this script. A cache hit
# prints the entry's path and does nothing else. The last line of stdout is always the entry's path;
# everything else goes to stderr.
#
#   build-kernel.sh                  build (or find) the kernel; prints the cache entry's path
#   build-kernel.sh --check-config   only resolve the config and check every fragment line survived
#                                    (about a minute; touches no cache entry)
#
# Environment:
#   STOCKADE_CACHE            cache root (default $HOME/.cache/stockade)
#   STOCKADE_KERNEL_FRAGMENT  another config fragment to build from (default kernel/microvm.config); it is a
#                             hash input like the default one
#   STOCKADE_KEEP_TREE=1      keep the unpacked, built source tree next to the entry (<hash>.tree) for
#                             poking around; by default it is deleted (1.6 GiB)
set -euo pipefail

readonly SOURCE_PACKAGE=linux-source-6.1
readonly SOURCE_TARBALL=/usr/src/linux-source-6.1.tar.xz
readonly BUILD_PACKAGES=(build-essential bc bison flex libelf-dev libssl-dev xz-utils patch)
readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
readonly FRAGMENT=$(realpath -m -- "${STOCKADE_KERNEL_FRAGMENT:-$HERE/kernel/microvm.config}")
readonly PATCH_DIR=$HERE/kernel/patches
readonly CACHE_ROOT="${STOCKADE_CACHE:-$HOME/.cache/stockade}/guest-kernel"

log() { printf 'build-kernel: %s\n' "$*" >&2; }
die() { printf 'build-kernel: error: %s\n' "$*" >&2; exit 1; }

installed_version() {
    dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null | awk '$1 == "installed" { print $2 }' || true
}

# Installs whichever of the given Debian packages are missing; runs apt-get update only when the plain
# install fails (empty or stale package lists), so a warm machine never touches the network.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        [[ -n $(installed_version "$pkg") ]] || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root; install them first"
        sudo=(sudo)
    fi
    log "installing ${missing[*]}"
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends)
    if ! "${apt[@]}" install "${missing[@]}" >&2; then
        log "install failed; running apt-get update and retrying"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update >&2
        "${apt[@]}" install "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
    fi
}

# Fails naming every fragment line that Kconfig dropped or overrode: an option whose parent menu is off
# vanishes silently, and a default pulled in by another symbol can re-enable something we turned off.
verify_fragment() {
    local fragment=$1 config=$2 line sym bad=()
    while IFS= read -r line; do
        if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=.*$ ]]; then
            sym=${BASH_REMATCH[1]}
            grep -qxF -- "$line" "$config" ||
                bad+=("want '$line', got '$(grep -E "^(# )?$sym[= ]" "$config" || echo "<absent>")'")
        elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
            sym=${BASH_REMATCH[1]}
            if grep -qE "^$sym=" "$config"; then
                bad+=("want '$sym' off, got '$(grep -E "^$sym=" "$config")'")
            fi
        fi
    done <"$fragment"
    if ((${#bad[@]} > 0)); then
        printf 'build-kernel: fragment option lost after olddefconfig: %s\n' "${bad[@]}" >&2
        log "${#bad[@]} option(s) of $fragment did not survive; fix the fragment (missing parent menu?)"
        return 1
    fi
    log "all $(grep -cE '^(CONFIG_|# CONFIG_)' "$fragment") fragment options survived"
}

check_config_only=0
case "${1:-}" in
    "") ;;
    --check-config) check_config_only=1 ;;
    *) die "unknown argument '$1' (usage: $0 [--check-config])" ;;
esac
[[ -r $FRAGMENT ]] || die "config fragment $FRAGMENT not found"
shopt -s nullglob
patches=("$PATCH_DIR"/*.patch)
shopt -u nullglob

# The source package version is a hash input, so it must be installed before we can look in the cache.
source_version=$(installed_version "$SOURCE_PACKAGE")
if [[ -z $source_version ]]; then
    ensure_packages "$SOURCE_PACKAGE"
    source_version=$(installed_version "$SOURCE_PACKAGE")
fi
[[ -r $SOURCE_TARBALL ]] || die "$SOURCE_PACKAGE $source_version is installed but $SOURCE_TARBALL is missing"

hash=$({
    printf 'source %s %s\n' "$SOURCE_PACKAGE" "$source_version"
    printf 'fragment '; sha256sum <"$FRAGMENT"
    for patch_file in "${patches[@]}"; do
        printf 'patch %s ' "$(basename "$patch_file")"; sha256sum <"$patch_file"
    done
    printf 'script '; sha256sum <"$SELF"
} | sha256sum | cut -c1-16)
readonly entry="$CACHE_ROOT/$hash"

mkdir -p "$CACHE_ROOT"
if ((check_config_only)); then
    # A config check writes no cache entry, so it needs neither the cache lock nor the cache's disk.
    ensure_packages "${BUILD_PACKAGES[@]}"
    work=$(mktemp -d "${TMPDIR:-/tmp}/stockade-kconfig-$hash.XXXXXX")
else
    if [[ -f $entry/build-info ]]; then
        echo "$entry"
        exit 0
    fi
    # One build at a time per cache: a second caller waits and then finds the entry.
    exec 9>"$CACHE_ROOT/.lock"
    if ! flock -n 9; then
        log "another build holds $CACHE_ROOT/.lock; waiting"
        flock 9
    fi
    if [[ -f $entry/build-info ]]; then
        echo "$entry"
        exit 0
    fi
    # We hold the lock, so a temp dir still here belongs to a build that died (SIGKILL, power loss), and
    # an entry without build-info was not made by us (we only ever rename complete ones into place).
    rm -rf "$CACHE_ROOT"/.work-* "$entry"
    ensure_packages "${BUILD_PACKAGES[@]}"
    work=$(mktemp -d "$CACHE_ROOT/.work-$hash.XXXXXX")
fi
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
readonly out="$work/out" tree="$work/tree"
mkdir -p "$out" "$tree"
build_log="$out/build.log"

started=$(date +%s)
if ((check_config_only)); then
    log "checking the config of $hash (log: $build_log)"
else
    log "cache miss: building $hash from $SOURCE_PACKAGE $source_version (log: $build_log)"
fi
log "unpacking $SOURCE_TARBALL"
tar -xf "$SOURCE_TARBALL" -C "$tree" --strip-components=1

# Reproducible metadata: no host name, user or wall-clock time baked into the image.
export KBUILD_BUILD_USER=stockade KBUILD_BUILD_HOST=stockade
KBUILD_BUILD_TIMESTAMP=$(date -u -d "@$(stat -c %Y "$SOURCE_TARBALL")" '+%Y-%m-%d %H:%M:%S UTC')
export KBUILD_BUILD_TIMESTAMP

kmake() { nice -n 19 make -C "$tree" ARCH=x86_64 "$@"; }

# Keeps the log (and the resolved config, if any) of a failed build where the next run will not delete it.
keep_failure_evidence() {
    mkdir -p "$CACHE_ROOT/failed"
    cp "$build_log" "$CACHE_ROOT/failed/$hash.log"
    [[ -f $tree/.config ]] && cp "$tree/.config" "$CACHE_ROOT/failed/$hash.config"
    log "evidence kept in $CACHE_ROOT/failed/$hash.{log,config}"
}

run_logged() {
    if ! "$@" >>"$build_log" 2>&1; then
        tail -n 40 "$build_log" >&2
        keep_failure_evidence
        die "'$*' failed"
    fi
}

for patch_file in "${patches[@]}"; do
    log "applying $(basename "$patch_file")"
    run_logged patch -d "$tree" -p1 --forward --batch -i "$patch_file"
done
log "configuring: tinyconfig + $(basename "$FRAGMENT") + olddefconfig"
run_logged kmake tinyconfig
# merge_config.sh resolves paths relative to the current directory.
run_logged bash -c 'cd "$1" && scripts/kconfig/merge_config.sh -m .config "$2"' _ "$tree" "$FRAGMENT"
run_logged kmake olddefconfig
if ! verify_fragment "$FRAGMENT" "$tree/.config"; then
    keep_failure_evidence
    exit 1
fi
if ((check_config_only)); then
    log "config check passed for $FRAGMENT"
    exit 0
fi

jobs=$(nproc)
log "compiling vmlinux + bzImage with -j$jobs under nice 19 (about 11 min on 2 cores)"
compile_started=$(date +%s)
run_logged kmake -j"$jobs" vmlinux bzImage
compile_seconds=$(($(date +%s) - compile_started))

cp "$tree/vmlinux" "$out/vmlinux"
cp "$tree/arch/x86/boot/bzImage" "$out/bzImage"
cp "$tree/.config" "$out/config"
kernel_release=$(make -s -C "$tree" ARCH=x86_64 kernelrelease 2>/dev/null)
{
    echo "hash=$hash"
    echo "source_package=$SOURCE_PACKAGE"
    echo "source_version=$source_version"
    echo "kernel_release=$kernel_release"
    echo "fragment_sha256=$(sha256sum <"$FRAGMENT" | cut -d' ' -f1)"
    echo "patches=$(for patch_file in "${patches[@]}"; do printf '%s ' "$(basename "$patch_file")"; done)"
    echo "script_sha256=$(sha256sum <"$SELF" | cut -d' ' -f1)"
    echo "compiler=$(gcc --version | head -n1)"
    echo "build_timestamp=$KBUILD_BUILD_TIMESTAMP"
    echo "built_at=$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "jobs=$jobs"
    echo "compile_seconds=$compile_seconds"
    echo "total_seconds=$(($(date +%s) - started))"
    echo "vmlinux_sha256=$(sha256sum <"$out/vmlinux" | cut -d' ' -f1)"
    echo "bzImage_sha256=$(sha256sum <"$out/bzImage" | cut -d' ' -f1)"
    echo "vmlinux_bytes=$(stat -c %s "$out/vmlinux")"
    echo "bzImage_bytes=$(stat -c %s "$out/bzImage")"
} >"$out/build-info"

# rename(2) is atomic: readers see either no entry or a complete one (build-info is the completeness mark).
mv -T "$out" "$entry"
if [[ ${STOCKADE_KEEP_TREE:-0} == 1 ]]; then
    rm -rf "$entry.tree"
    mv -T "$tree" "$entry.tree"
fi
log "built $kernel_release in $(($(date +%s) - started)) s"
echo "$entry"
