#!/usr/bin/env bash
# Builds the nested-KVM "L1" guest used by the kvm test tier (ARCHITECTURE §7, docs: nested-kvm.md):
# Debian's stock kernel (it has kvm_amd, 9p and virtio as modules) plus a busybox initramfs whose /init is init.sh.
#
# Output: ${STOCKADE_CACHE:-$HOME/.cache/stockade}/l1/<hash of inputs>/ with
#   vmlinuz          the kernel (L1's kernel; VMM tests also boot it as an L2 guest kernel)
#   initrd.cpio.gz   busybox + kvm/9p/virtio modules + /init
#   kernel/          the extracted kernel package (symlink to a tree shared by every build of that version)
#   kernel-release   e.g. 6.1.0-56-amd64 (the name of kernel/lib/modules/<release>)
# The hash covers the kernel package version, this script, init.sh and the busybox binary, so any change rebuilds.
# The output directory is the only line printed on stdout; progress goes to stderr. A cached build is a fast no-op.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${STOCKADE_CACHE:-$HOME/.cache/stockade}/l1
BUSYBOX=/bin/busybox
# Load order matters for insmod (no modprobe in the initramfs): each module comes after its dependencies.
SHARE_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
KVM_MODULES="irqbypass kvm ccp kvm-amd"
# What L1 tests need on L1's side of a guest's devices: tun for virtio-net's TAP backend. Loaded with the share list
# (init.sh knows only share.list and kvm.list), so an insmod failure reports as host-share, naming the module.
NET_MODULES="tun"

log() { echo "l1/build: $*" >&2; }
die() { echo "l1/build: error: $*" >&2; exit 1; }

ensure_packages() {
  local p missing=()
  for p in qemu-system-x86 busybox-static cpio kmod; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages ${missing[*]} and not root: apt-get install --no-install-recommends ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# The concrete package behind the linux-image-amd64 metapackage, e.g. linux-image-6.1.0-56-amd64.
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1
}

# Extracts the kernel package into a tree shared by all builds of that package version; prints its path.
kernel_tree() {
  local pkg=$1 version=$2
  local tree="$CACHE/kernels/${pkg}_${version}"
  if [ ! -e "$tree/.complete" ]; then
    local work
    work=$(mktemp -d "$CACHE/kernels/.download.XXXXXX")
    log "downloading $pkg=$version"
    # apt-get download as root warns that it cannot drop privileges to _apt; the download itself is fine.
    (cd "$work" && apt-get download -q "$pkg=$version") >&2 || die "apt-get download $pkg=$version failed"
    mkdir -p "$work/tree"
    dpkg -x "$work"/"${pkg}"_*.deb "$work/tree"
    touch "$work/tree/.complete"
    rm -rf "$tree"
    mv "$work/tree" "$tree"
    rm -rf "$work"
  fi
  echo "$tree"
}

# Copies module $1 from $2 (a lib/modules/<release> dir) to $3 as plain .ko, checking its dependencies were loaded before.
copy_module() {
  local name=$1 moddir=$2 dest=$3 loaded=$4 f dep
  f=$(find "$moddir" \( -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.zst" \) | head -1)
  [ -n "$f" ] || die "kernel module $name not found under $moddir"
  for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
    case " $loaded " in *" $dep "* | *" ${dep//_/-} "*) ;; *) die "module $name needs $dep, which is not loaded before it" ;; esac
  done
  case "$f" in
    *.xz) xz -dc "$f" >"$dest/$name.ko" ;;
    *.zst) zstd -dcq "$f" >"$dest/$name.ko" ;;
    *) cp "$f" "$dest/$name.ko" ;;
  esac
}

build_initrd() {
  local moddir=$1 out=$2 root m loaded=""
  root=$(mktemp -d "$CACHE/.initrd.XXXXXX")
  mkdir -p "$root"/{bin,dev,proc,sys,host,tmp,lib/modules}
  cp "$BUSYBOX" "$root/bin/busybox"
  cp "$HERE/init.sh" "$root/init"
  chmod 0755 "$root/init" "$root/bin/busybox"
  # The kernel opens /dev/console for /init before devtmpfs is mounted.
  mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || log "cannot mknod dev/console (not root?); /init redirects to it later"
  for m in $SHARE_MODULES $NET_MODULES $KVM_MODULES; do
    copy_module "$m" "$moddir" "$root/lib/modules" "$loaded"
    loaded="$loaded $m ${m//-/_}"
  done
  echo "$SHARE_MODULES $NET_MODULES" >"$root/lib/modules/share.list"
  echo "$KVM_MODULES" >"$root/lib/modules/kvm.list"
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6 >"$out")
  rm -rf "$root"
}

main() {
  ensure_packages
  [ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -x insmod >/dev/null || die "$BUSYBOX is not busybox-static (no insmod applet)"

  local pkg version
  pkg=$(kernel_package)
  if [ -z "$pkg" ]; then
    log "apt lists do not know linux-image-amd64; running apt-get update"
    apt-get update -qq >&2
    pkg=$(kernel_package)
  fi
  [ -n "$pkg" ] || die "apt-cache depends linux-image-amd64 names no linux-image-<release>-amd64 package"
  version=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -1)
  [ -n "$version" ] || die "apt-cache show $pkg gives no version"

  local hash out
  hash=$({ echo "$pkg=$version"; cat "$HERE/build.sh" "$HERE/init.sh"; sha256sum <"$BUSYBOX"; } | sha256sum | cut -c1-16)
  out="$CACHE/$hash"
  if [ -e "$out/.complete" ]; then echo "$out"; return 0; fi

  mkdir -p "$CACHE/kernels"
  exec 9>"$CACHE/.build.lock"
  flock 9 # concurrent builds (several modules' test JVMs) wait for the first one
  if [ -e "$out/.complete" ]; then echo "$out"; return 0; fi

  local tree vmlinuz release staging
  tree=$(kernel_tree "$pkg" "$version")
  vmlinuz=$(ls "$tree"/boot/vmlinuz-* 2>/dev/null | head -1)
  [ -n "$vmlinuz" ] || die "no boot/vmlinuz-* in $pkg"
  release=${vmlinuz##*/vmlinuz-}
  [ -d "$tree/lib/modules/$release" ] || die "no lib/modules/$release in $pkg"

  staging=$(mktemp -d "$CACHE/.build.XXXXXX")
  chmod 0755 "$staging"
  cp "$vmlinuz" "$staging/vmlinuz"
  ln -s "$tree" "$staging/kernel"
  echo "$release" >"$staging/kernel-release"
  echo "$pkg=$version" >"$staging/kernel-package"
  build_initrd "$tree/lib/modules/$release" "$staging/initrd.cpio.gz"
  touch "$staging/.complete"
  rm -rf "$out"
  mv "$staging" "$out"
  log "built $out (kernel $release, initrd $(du -h "$out/initrd.cpio.gz" | cut -f1))"
  echo "$out"
}

main "$@"
