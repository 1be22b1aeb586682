#!/usr/bin/env bash
# Fetches containerd 2.1.x for the test tiers: Debian sid's `containerd` package, downloaded with a PRIVATE apt
# configuration (own sources list, lists, cache and trusted keyring under $STOCKADE_CACHE/apt-sid/; the machine's apt
# sources are never read or changed) and unpacked with `dpkg -x` into $STOCKADE_CACHE/containerd/<version>/.
# Idempotent: once unpacked (stamp file present) it uses no network. Prints the unpacked root on stdout.
#
# Usage: scripts/fetch-containerd.sh            # fetch (if needed), verify, print the root
#        STOCKADE_CACHE=/some/dir scripts/fetch-containerd.sh
#
# Signing keys: sid's Release files are signed with the Debian archive's current "automatic" keys. Verification
# uses the machine's /usr/share/keyrings/debian-archive-*.gpg (bookworm's debian-archive-keyring already ships the
# trixie keys). If the archive has moved to keys this machine does not know, the script bootstraps once: it fetches
# trixie's (= newer stable) debian-archive-keyring package, which is signed by keys the machine does trust, and uses
# the keyrings from that package for sid. Nothing is ever accepted unsigned (no trusted=yes).
set -euo pipefail

cache="${STOCKADE_CACHE:-$HOME/.cache/stockade}"
apt_root="$cache/apt-sid"
mirror="${STOCKADE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
stamp_latest="$cache/containerd/LATEST"

log() { echo "fetch-containerd: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Fast path: a previous run unpacked and verified a version; no network.
if [ -f "$stamp_latest" ]; then
  root=$(cat "$stamp_latest")
  if [ -f "$root/.stockade-unpacked" ] && [ -x "$root/usr/bin/containerd" ]; then
    echo "$root"
    exit 0
  fi
fi

command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian-based host"
command -v dpkg >/dev/null || die "dpkg not found"

mkdir -p "$apt_root"/{lists/partial,cache/archives/partial,keyrings,etc,download}

# shellcheck source=lib/apt-private.sh
. "$(dirname "$0")/lib/apt-private.sh"

update_suite() { # <suite> <keyring-dir>
  mkdir -p "$apt_root/lists/$1/partial"
  apt_private apt-get "$1" "$2" update >&2
}

# STOCKADE_SID_KEYRINGS: directory of keyrings to try first for sid (default: the machine's).
keydir="${STOCKADE_SID_KEYRINGS:-/usr/share/keyrings}"
if ! update_suite sid "$keydir" 2>"$apt_root/update-sid.err"; then
  cat "$apt_root/update-sid.err" >&2
  if grep -q 'NO_PUBKEY\|not signed\|EXPKEYSIG' "$apt_root/update-sid.err"; then
    log "sid is signed by keys this machine does not trust; bootstrapping keys from trixie's debian-archive-keyring"
    update_suite trixie /usr/share/keyrings
    (cd "$apt_root/download" && apt_private apt-get trixie /usr/share/keyrings download debian-archive-keyring >&2)
    deb=$(ls -t "$apt_root"/download/debian-archive-keyring_*.deb | head -1)
    rm -rf "$apt_root/keyring-pkg" && dpkg -x "$deb" "$apt_root/keyring-pkg"
    cp "$apt_root"/keyring-pkg/usr/share/keyrings/debian-archive-*.gpg "$apt_root/keyrings/"
    keydir="$apt_root/keyrings"
    update_suite sid "$keydir"
  else
    die "apt-get update for sid failed (see above)"
  fi
fi

version=$(apt_private apt-cache sid "$keydir" show containerd 2>/dev/null | sed -n 's/^Version: //p' | head -1)
[ -n "$version" ] || die "sid's package index has no 'containerd' package"
case "$version" in
  2.1.*) ;;
  *) log "WARNING: sid's containerd is $version, not 2.1.x (the integration was verified against 2.1.9)" ;;
esac

root="$cache/containerd/$version"
if [ ! -f "$root/.stockade-unpacked" ]; then
  (cd "$apt_root/download" && apt_private apt-get sid "$keydir" download "containerd=$version" >&2)
  deb=$(ls "$apt_root"/download/containerd_*.deb | grep -F "_$(echo "$version" | sed 's/^[0-9]*://')_" | head -1)
  [ -f "$deb" ] || die "download of containerd=$version produced no .deb in $apt_root/download"
  rm -rf "$root.tmp" && mkdir -p "$root.tmp"
  dpkg -x "$deb" "$root.tmp"
  rm -rf "$root" && mv "$root.tmp" "$root"
fi

# The binary must run on this host (sid builds are static Go binaries linked against libc only).
if ! "$root/usr/bin/containerd" --version >&2; then
  die "$root/usr/bin/containerd does not run on this host"
fi
touch "$root/.stockade-unpacked"
echo "$root" > "$stamp_latest"
echo "$root"
