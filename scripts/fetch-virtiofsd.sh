#!/usr/bin/env bash
# Fetches virtiofsd 1.13.x for the host test tier and the sandboxer on Debian 12 machines, which do not package it:
# Debian 13 (trixie)'s `virtiofsd` plus trixie's `libc6` (the binary needs glibc 2.39), downloaded with a PRIVATE apt
# configuration (own sources list, lists and cache under $STOCKADE_CACHE/apt-trixie/; the machine's apt sources are
# never read or changed), unpacked with `dpkg -x` into $STOCKADE_CACHE/virtiofsd/<version>/. Writes the wrapper
# <root>/bin/virtiofsd that runs the binary through trixie's dynamic loader with trixie's libc first on the library
# path, and checks that `--version` prints 1.13.x.
# Idempotent: once unpacked and verified (stamp file present) it uses no network. Prints the wrapper path on stdout.
#
# Usage: scripts/fetch-virtiofsd.sh
#        STOCKADE_CACHE=/some/dir scripts/fetch-virtiofsd.sh
#
# Signing: trixie's Release files are verified with the machine's /usr/share/keyrings/debian-archive-*.gpg
# (bookworm's debian-archive-keyring ships the trixie keys). Nothing is accepted unsigned.
set -euo pipefail

cache="${STOCKADE_CACHE:-$HOME/.cache/stockade}"
apt_root="$cache/apt-trixie"
mirror="${STOCKADE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=trixie
stamp_latest="$cache/virtiofsd/LATEST"

log() { echo "fetch-virtiofsd: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

wrapper_ok() { # <root>
  [ -f "$1/.stockade-unpacked" ] && [ -x "$1/bin/virtiofsd" ]
}

# Fast path: a previous run unpacked and verified a version; no network.
if [ -f "$stamp_latest" ]; then
  root=$(cat "$stamp_latest")
  if wrapper_ok "$root"; then
    echo "$root/bin/virtiofsd"
    exit 0
  fi
fi

command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian-based host"
command -v dpkg >/dev/null || die "dpkg not found"

mkdir -p "$apt_root"/{lists/partial,cache/archives/partial,etc,download}

# shellcheck source=lib/apt-private.sh
. "$(dirname "$0")/lib/apt-private.sh"
keydir=/usr/share/keyrings

apt_private apt-get "$suite" "$keydir" update >&2 || die "apt-get update for $suite failed (see above)"

package_version() { # <package>
  apt_private apt-cache "$suite" "$keydir" show "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -1
}

version=$(package_version virtiofsd)
[ -n "$version" ] || die "$suite's package index has no 'virtiofsd' package"
libc_version=$(package_version libc6)
[ -n "$libc_version" ] || die "$suite's package index has no 'libc6' package"
case "$version" in
  1.13.*) ;;
  *) log "WARNING: $suite's virtiofsd is $version, not 1.13.x (the frontend was verified against 1.13.2)" ;;
esac

download() { # <package> <version>: prints the downloaded .deb
  local pkg=$1 ver=$2 deb
  (cd "$apt_root/download" && apt_private apt-get "$suite" "$keydir" download "$pkg=$ver" >&2)
  deb=$(ls "$apt_root"/download/"${pkg}"_*.deb | grep -F "_$(echo "$ver" | sed 's/^[0-9]*://')_" | head -1)
  [ -f "$deb" ] || die "download of $pkg=$ver produced no .deb in $apt_root/download"
  echo "$deb"
}

root="$cache/virtiofsd/$version"
if ! wrapper_ok "$root"; then
  virtiofsd_deb=$(download virtiofsd "$version")
  libc_deb=$(download libc6 "$libc_version")
  rm -rf "$root.tmp" && mkdir -p "$root.tmp/bin"
  dpkg -x "$virtiofsd_deb" "$root.tmp"
  dpkg -x "$libc_deb" "$root.tmp"
  [ -x "$root.tmp/usr/libexec/virtiofsd" ] || die "the virtiofsd package has no usr/libexec/virtiofsd"
  [ -x "$root.tmp/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ] || die "trixie's libc6 has no dynamic loader"
  # The wrapper finds its tree relative to itself, so the cache directory can move.
  cat > "$root.tmp/bin/virtiofsd" <<'EOF'
#!/bin/sh
# virtiofsd from Debian 13, run through Debian 13's loader and libc (this host's glibc is too old for it).
root=$(cd "$(dirname "$0")/.." && pwd)
lib="$root/usr/lib/x86_64-linux-gnu"
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu" \
  "$root/usr/libexec/virtiofsd" "$@"
EOF
  chmod 755 "$root.tmp/bin/virtiofsd"
  rm -rf "$root" && mv "$root.tmp" "$root"
fi

reported=$("$root/bin/virtiofsd" --version 2>&1) || die "$root/bin/virtiofsd --version failed: $reported"
case "$reported" in
  *1.13.*) log "$reported" ;;
  *) die "$root/bin/virtiofsd --version printed '$reported', expected 1.13.x" ;;
esac
touch "$root/.stockade-unpacked"
echo "$root" > "$stamp_latest"
echo "$root/bin/virtiofsd"
