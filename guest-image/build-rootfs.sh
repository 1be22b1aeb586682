#!/usr/bin/env bash
# Builds the guest root of a Stockade microVM as a gzip'd cpio initramfs: a jlink'ed JDK 25, the task
# agent's jars with a JDK AOT cache trained in this same run, crun, busybox, the host's glibc, and an
# /sbin/init that execs the agent as PID 1.
#
#   build-rootfs.sh            # prints the cache entry's directory as the last line of stdout
#
# Environment: STOCKADE_CACHE (default ~/.cache/stockade), STOCKADE_JDK (default Temurin 25),
# STOCKADE_AGENT_DIR (default <repo>/task-agent/target: the jar + lib/ from `./mvnw -pl task-agent package`).
#
# The entry is keyed by a hash of every input (agent jars, this script, rootfs/, JDK release file, crun,
# busybox-static and libc6 package versions): a jar change gives a new entry with a freshly trained AOT
# cache, because a stale cache is used silently by the JVM.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
readonly cache_root=${STOCKADE_CACHE:-$HOME/.cache/stockade}/guest-rootfs
readonly jdk=${STOCKADE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
readonly agent_dir=${STOCKADE_AGENT_DIR:-$here/../task-agent/target}
readonly files=$here/rootfs
# Where things live in the guest. The AOT cache records the classpath as given (relative to the agent
# dir), so training and guest must launch from the same relative layout.
readonly guest_java=opt/stockade/java
readonly guest_agent=opt/stockade/agent
readonly agent_jar_name=stockade-task-agent.jar

die() { printf 'build-rootfs: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'build-rootfs: %s\n' "$*" >&2; }

[[ -x $jdk/bin/jlink && -r $jdk/release ]] || die "no JDK at $jdk (set STOCKADE_JDK)"
grep -q 'JAVA_VERSION="25' "$jdk/release" || die "$jdk is not a JDK 25: $(grep JAVA_VERSION= "$jdk/release")"
shopt -s nullglob
agent_jars=("$agent_dir"/stockade-task-agent-*.jar)
shopt -u nullglob
((${#agent_jars[@]} == 1)) ||
    die "expected one stockade-task-agent-*.jar in $agent_dir, found ${#agent_jars[@]}: run ./mvnw -pl task-agent package"
readonly agent_jar=${agent_jars[0]}
[[ -d $agent_dir/lib ]] || die "$agent_dir/lib missing: run ./mvnw -pl task-agent package"

# Candidate versions, so the hash changes when the mirror moves and the download is exact.
package_version() {
    local v
    v=$(apt-cache policy "$1" | awk '/Candidate:/ {print $2}')
    [[ -n $v && $v != '(none)' ]] || die "apt knows no candidate for package $1 (apt-get update?)"
    printf '%s' "$v"
}
crun_version=$(package_version crun)
busybox_version=$(package_version busybox-static)
libc_version=$(dpkg-query -W -f='${Version}' libc6)
# crun's library dependencies that a Debian 12 host does not usually have installed; the others
# (libseccomp2, libcap2, libsystemd0, ...) are taken from the host by ldd like glibc.
readonly crun_lib_packages=(libyajl2)
crun_lib_versions=()
for p in "${crun_lib_packages[@]}"; do crun_lib_versions+=("$p=$(package_version "$p")"); done

hash=$({
    printf 'crun=%s\nbusybox-static=%s\nlibc6=%s\n' "$crun_version" "$busybox_version" "$libc_version"
    printf '%s\n' "${crun_lib_versions[@]}"
    sha256sum "$jdk/release" "${BASH_SOURCE[0]}" | awk '{print $1}'
    (cd "$files" && find . -type f ! -name "bench-*" | LC_ALL=C sort | xargs sha256sum)
    (cd "$agent_dir" && sha256sum "$(basename "$agent_jar")" lib/*.jar)
} | sha256sum | cut -c1-16)
readonly entry=$cache_root/$hash

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if [[ -f $entry/rootfs.cpio.gz ]]; then
    printf '%s\n' "$entry"
    exit 0
fi
# Leftovers of a SIGKILLed build (we hold the lock, so none of them is live).
rm -rf "$cache_root"/.work-*

work=$(mktemp -d "$cache_root/.work-$hash.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
# The log lives outside the work dir so that a failed build's log survives the cleanup.
mkdir -p "$cache_root/failed"
log=$cache_root/failed/$hash.log
: >"$log"
started=$(date +%s)

# --- Debian packages: crun (with its libraries found by ldd below) and busybox-static -------------------
debs=$cache_root/debs
mkdir -p "$debs"
fetch_deb() {
    local name=$1 version=$2 deb
    # apt names the file with the epoch's colon escaped as %3a.
    local pattern="${name}_${version/:/%3a}_*.deb"
    deb=$(find "$debs" -maxdepth 1 -name "$pattern" | head -n1)
    if [[ -z $deb ]]; then
        say "downloading $name $version"
        (cd "$debs" && apt-get download -q "$name=$version" >>"$log" 2>&1) ||
            die "apt-get download $name=$version failed (see $log)"
        deb=$(find "$debs" -maxdepth 1 -name "$pattern" | head -n1)
        [[ -n $deb ]] || die "apt-get download $name=$version left no $pattern in $debs"
    fi
    dpkg-deb -x "$deb" "$work/deb-$name"
}
fetch_deb crun "$crun_version"
fetch_deb busybox-static "$busybox_version"
mkdir -p "$work/extra-libs"
for pv in "${crun_lib_versions[@]}"; do
    fetch_deb "${pv%%=*}" "${pv#*=}"
    cp -a "$work/deb-${pv%%=*}"/usr/lib/x86_64-linux-gnu/*.so* "$work/extra-libs/"
done

mkdir -p "$root"/{bin,sbin,etc,usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,proc,sys,dev,tmp,run,mnt,root,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
cp "$files"/etc/* "$root/etc/"

busybox=$work/deb-busybox-static/bin/busybox
[[ -x $busybox ]] || die "busybox-static package has no bin/busybox"
cp "$busybox" "$root/bin/busybox"
while IFS= read -r applet; do
    [[ -n $applet && $applet != bin/busybox && $applet != sbin/init && $applet != linuxrc ]] || continue
    [[ -e $root/$applet || -L $root/$applet ]] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)
install -m 0755 "$work/deb-crun/usr/bin/crun" "$root/usr/bin/crun"

# --- jlink'ed runtime ------------------------------------------------------------------------------------
# jdeps' answer minus modules only reached from optional code paths: java.desktop (Jackson's java.beans
# support, probed reflectively) and jdk.jfr (Netty/gRPC JFR events). java.logging carries slf4j-jdk14;
# java.management is what gRPC/Netty touch at run time (verified in java-stack.md §4).
lib_jars=("$agent_dir"/lib/*.jar)
detected=$("$jdk/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
    --class-path "$(IFS=:; printf '%s' "${lib_jars[*]}")" "$agent_jar" "${lib_jars[@]}" 2>>"$log" | tail -n1)
[[ $detected == java.base* ]] || die "jdeps gave no module list (see $log)"
modules=$(printf '%s\n' ${detected//,/ } java.logging java.management jdk.unsupported |
    grep -vx -e java.desktop -e jdk.jfr | LC_ALL=C sort -u | paste -sd, -)
say "jdeps: $detected; linking $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --output "$root/$guest_java" >>"$log" 2>&1 || die "jlink failed (see $log)"
libjvm=$root/$guest_java/lib/server/libjvm.so
libjvm_unstripped=$(stat -c %s "$libjvm")
find "$root/$guest_java/lib" -name '*.so' -exec strip --strip-unneeded {} +

# --- agent jars, the Netty JNI library, launch files ---------------------------------------------------
mkdir -p "$root/$guest_agent/lib" "$root/$guest_agent/native"
cp "$agent_jar" "$root/$guest_agent/$agent_jar_name"
cp "${lib_jars[@]}" "$root/$guest_agent/lib/"
# Netty tries java.library.path before extracting the .so from its jar into /tmp at every start.
unzip -q -j -o "$agent_dir"/lib/netty-transport-native-epoll-*-linux-x86_64.jar \
    'META-INF/native/libnetty_transport_native_epoll_x86_64.so' -d "$root/$guest_agent/native"
cp "$files/jvm.args" "$root/$guest_agent/jvm.args"
install -m 0755 "$files/init" "$root/sbin/init"
ln -s sbin/init "$root/init"

# --- glibc and the other shared libraries the JDK, Netty and crun load ---------------------------------
# ldd of the host copies: the guest then carries exactly the host's glibc and loader.
mapfile -t elves < <(find "$root/$guest_java" "$root/$guest_agent/native" "$root/usr/bin/crun" \
    -type f \( -name '*.so' -o -perm -u+x \) -exec sh -c 'head -c4 "$1" | grep -q ELF && echo "$1"' _ {} \;)
ldd_of() { LD_LIBRARY_PATH=$root/$guest_java/lib:$root/$guest_java/lib/server:$work/extra-libs ldd "$1" 2>>"$log"; }
for elf in "${elves[@]}"; do
    missing=$(ldd_of "$elf" | awk '/not found/ {print $1}' | paste -sd' ' -)
    [[ -z $missing ]] || die "${elf#"$root"/} needs libraries the host does not have: $missing"
done
needed=$(for elf in "${elves[@]}"; do
    ldd_of "$elf" |
        awk -v root="$root" '$3 ~ /^\// && index($3, root) != 1 {print $3} $1 ~ /^\/lib64\// {print $1}'
done | LC_ALL=C sort -u)
# glibc dlopens libgcc_s for thread cancellation/unwinding.
needed+=$'\n'$(ldconfig -p | awk '$1 == "libgcc_s.so.1" && /x86-64/ {print $NF; exit}')
while IFS= read -r lib; do
    [[ -n $lib ]] || continue
    cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
done <<<"$needed"
loader=$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[[ -f $loader ]] || die "the dynamic loader was not among ldd's answers"
rm -f "$root/usr/lib64/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/usr/lib64/ld-linux-x86-64.so.2"

# Fixed mtimes: reproducible archive, and the AOT cache validates jar mtimes, which the kernel keeps
# when it unpacks the initramfs (CONFIG_INITRAMFS_PRESERVE_MTIME=y).
find "$root" -exec touch -h -d @0 {} +

# --- AOT training run, with the production flags from jvm.args ------------------------------------------
train=$work/train
mkdir -p "$train/bundle/rootfs"
printf '{"ociVersion":"1.0.2","process":{"args":["true"],"cwd":"/"},"root":{"path":"rootfs"}}\n' \
    >"$train/bundle/config.json"
run_training() { # <extra JVM flags...>
    (cd "$root/$guest_agent" &&
        exec "$root/$guest_java/bin/java" @jvm.args "$@" -jar "$agent_jar_name" \
            --mode process --runtime /bin/false --state-dir "$train/state" \
            --listen "unix://$train/agent.sock" --io-listen "unix://$train/io.sock") >>"$log" 2>&1 &
    local agent=$!
    if ! "$jdk/bin/java" --enable-native-access=ALL-UNNAMED -cp "$root/$guest_agent/lib/*" \
        "$files/AgentTraining.java" \
        "$train/agent.sock" "$train/bundle" >>"$log" 2>&1; then
        kill "$agent" 2>/dev/null || true
        wait "$agent" || true
        die "training client failed (see $log)"
    fi
    wait "$agent" || die "agent exited with status $? in the training run (see $log)"
    rm -rf "$train/state" "$train"/*.sock
}
say "training the AOT cache"
run_training -XX:AOTCacheOutput=agent.aot
[[ -s $root/$guest_agent/agent.aot ]] || die "the training run wrote no AOT cache (see $log)"
rm -f "$root/$guest_agent"/*.log
say "checking the cache is accepted (-XX:AOTMode=on)"
run_training -XX:AOTCache=agent.aot -XX:AOTMode=on
touch -h -d @0 "$root/$guest_agent" "$root/$guest_agent/agent.aot"

# --- the archive -------------------------------------------------------------------------------------
newc_entry() { # name, mode (octal), inode, rdev major, rdev minor: a data-less cpio newc entry
    local name=$1 mode=$2 ino=$3 major=$4 minor=$5 namesize=$((${#1} + 1)) nlink=1
    (((8#$mode & 8#170000) == 8#040000)) && nlink=2
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
        "$ino" "$((8#$mode))" 0 0 "$nlink" 0 0 0 0 "$major" "$minor" "$namesize" 0 "$name"
    head -c $(((4 - (110 + namesize) % 4) % 4)) /dev/zero
}
out=$work/out
mkdir -p "$out"
{
    # /dev/console without root: the kernel opens it for init before devtmpfs is mounted. Zero-padded
    # to one 512-byte block (the kernel skips NULs between archives), so that tools can skip it with
    # `tail -c +513` and read the main archive, which cpio(1) cannot do after a first trailer.
    {
        newc_entry dev 040755 1 0 0
        newc_entry dev/console 020600 2 5 1
        newc_entry TRAILER!!! 0 0 0 0
        head -c 512 /dev/zero
    } | head -c 512
    (cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
        cpio --quiet -o -H newc --reproducible -R 0:0)
} | gzip -n -9 >"$out/rootfs.cpio.gz"

size_of() { du -sb "$@" | awk '{s += $1} END {print s}'; }
{
    printf 'hash=%s\nbuilt=%s\nseconds=%s\n' "$hash" "$(date -u +%FT%TZ)" "$(($(date +%s) - started))"
    printf 'jdk=%s\njdk_version=%s\n' "$jdk" "$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")"
    printf 'modules=%s\ncrun=%s\nbusybox_static=%s\nlibc6=%s\n' "$modules" "$crun_version" "$busybox_version" "$libc_version"
    printf 'size_archive_gz=%s\nsize_unpacked=%s\n' "$(stat -c %s "$out/rootfs.cpio.gz")" "$(size_of "$root")"
    printf 'size_jlink_runtime=%s\nsize_jlink_modules=%s\n' "$(size_of "$root/$guest_java")" "$(stat -c %s "$root/$guest_java/lib/modules")"
    printf 'size_libjvm=%s\nsize_libjvm_unstripped=%s\n' "$(stat -c %s "$libjvm")" "$libjvm_unstripped"
    printf 'size_agent_jars=%s\nsize_aot_cache=%s\n' \
        "$(size_of "$root/$guest_agent/$agent_jar_name" "$root/$guest_agent/lib")" "$(stat -c %s "$root/$guest_agent/agent.aot")"
    printf 'size_shared_libs=%s\nsize_crun=%s\nsize_busybox=%s\n' \
        "$(size_of "$root/usr/lib/x86_64-linux-gnu")" "$(stat -c %s "$root/usr/bin/crun")" "$(stat -c %s "$root/bin/busybox")"
    (cd "$out" && sha256sum rootfs.cpio.gz | sed 's/^\([0-9a-f]*\) .*/sha256_archive=\1/')
} >"$out/build-info"
mv "$log" "$out/build.log"
mv "$out" "$entry"
say "$(grep '^size_' "$entry/build-info" | tr '\n' ' ')"
printf '%s\n' "$entry"
