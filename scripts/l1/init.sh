#!/bin/busybox sh
# /init of the nested-KVM L1 guest (built into the initramfs by build.sh; booted by io.stockade.testkit.l1.L1Guest).
#
# Contract with the host (L1Guest is the other side; keep both in step):
#   kernel cmdline  stockade.results=<abs dir>   the host's per-run results dir, shared writable over 9p (tag "results")
#   9p tag hostroot the host's / (read-only); L1 chroots into it so the host's JDK, jars and paths work unchanged
#   <dir>/job.sh    the job, run as `sh <dir>/job.sh` inside the chroot, where <dir> is at the same absolute path
#   <dir>/exit-code written when the job ends: its exit status
#   <dir>/job.log   the job's stdout+stderr (also copied to the serial console)
#   <dir>/l1-fatal  written instead when L1 itself cannot run the job: "<reason> <message>", reason one of
#                   cmdline, host-share, results-share, no-kvm, no-job
#   serial console  lines "STOCKADE-L1: <event> uptime=<seconds> ..." mark progress for the host
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1

up() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "STOCKADE-L1: $* uptime=$(up)"; }
halt() { sync; mark poweroff; poweroff -f; sleep 60; }
# fatal <reason> <message>: L1 cannot run the job. The reason is a fixed word the host maps to an outcome.
fatal() {
    reason=$1; shift
    echo "STOCKADE-L1: FATAL $reason: $*"
    dmesg | tail -n 25 | sed 's/^/STOCKADE-L1-DMESG: /'
    [ -n "$RESULTS_MOUNTED" ] && echo "$reason $*" >"/host$RESULTS/l1-fatal"
    halt
}
load_modules() { # <list file> <fatal reason>
    for m in $(cat "/lib/modules/$1"); do
        insmod "/lib/modules/$m.ko" || fatal "$2" "insmod $m failed$3"
    done
}

mark init
RESULTS=
RESULTS_MOUNTED=
for arg in $(cat /proc/cmdline); do
    case $arg in stockade.results=*) RESULTS=${arg#stockade.results=} ;; esac
done
case $RESULTS in /*) ;; *) fatal cmdline "no absolute stockade.results=<dir> on the kernel command line" ;; esac

load_modules share.list host-share
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host ||
    fatal host-share "cannot mount the host root (9p tag hostroot)"
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
# /tmp must be writable but must keep showing the host's files: a clone or build dir may live there (CI checks
# out wherever it likes). So /tmp is an overlay: the read-only host /tmp below, a tmpfs above.
mkdir -p /overlay && mount -t tmpfs -o mode=0755 overlay /overlay && mkdir -p /overlay/tmp/upper /overlay/tmp/work &&
    chmod 1777 /overlay/tmp/upper &&
    mount -t overlay -o lowerdir=/host/tmp,upperdir=/overlay/tmp/upper,workdir=/overlay/tmp/work overlay /host/tmp ||
    fatal host-share "cannot overlay a writable layer on the host's /tmp"
mount -t tmpfs run /host/run
# The results dir's mount point exists on the host, so it is visible through the read-only root or the /tmp overlay.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "/host$RESULTS" ||
    fatal results-share "cannot mount the results dir $RESULTS (9p tag results)"
RESULTS_MOUNTED=1
mark shares-mounted

# kvm_amd refuses to load on a CPU model without SVM: that is the no-kvm case too.
CPU_FLAGS="; CPU flags: svm on $(grep -cw svm /proc/cpuinfo), npt on $(grep -cw npt /proc/cpuinfo) of $(grep -c ^processor /proc/cpuinfo) CPUs"
load_modules kvm.list no-kvm "$CPU_FLAGS"
[ -c /dev/kvm ] || fatal no-kvm "/dev/kvm did not appear after loading kvm_amd$CPU_FLAGS"
[ -c /host/dev/kvm ] || fatal no-kvm "/dev/kvm exists in the initramfs but not under the chroot's devtmpfs"
mark kvm-ready "nested=$(cat /sys/module/kvm_amd/parameters/nested) npt=$(cat /sys/module/kvm_amd/parameters/npt)"

[ -f "/host$RESULTS/job.sh" ] || fatal no-job "$RESULTS/job.sh does not exist"
mark job-start
# The job sees a clean environment; job.sh exports what the host asked for.
{
    chroot /host /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root TMPDIR=/tmp STOCKADE_L1_RESULTS="$RESULTS" /bin/sh "$RESULTS/job.sh" </dev/null
    echo $? >"/host$RESULTS/exit-code"
} 2>&1 | tee "/host$RESULTS/job.log"
mark job-exit "code=$(cat "/host$RESULTS/exit-code" 2>/dev/null)"
halt
