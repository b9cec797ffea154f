#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NVMe throughput of the appliance's block path beside Linux with fio, on the
# same QEMU disk: -device nvme at 00:04.0 on a fresh 1 GiB raw image for every
# boot, TCG, q35, 512 MiB, with 1 and with 4 queues:
#   1 queue:  -smp 2. Ringwall boots $B/test/blkbench.iso, the NVMe driver and
#             one client (bench/blk/blk_bench.c, bench/blk/blk_bench.conf), so
#             one I/O queue pair; fio runs one job (numjobs=1).
#   4 queues: -smp 4. Ringwall boots $B/test/blkbench4.iso, one client on each
#             core (bench/blk/blk_bench4.conf), so four I/O queue pairs, one
#             per core, the clients running each pattern together; fio runs
#             numjobs=4 with its results added up (group_reporting), and
#             Linux's nvme driver makes one queue per CPU, four (the queue
#             count it reports is kept in the log and printed).
# Linux boots the peer's kernel (bench/lib/guest.sh) with the nvme modules
# from its package and the host's fio. Every client or job keeps 8 requests
# in flight for T seconds per pattern (T comes from the configurations'
# client args):
#   randread-4k / randwrite-4k     4 KiB at random aligned offsets (IOPS)
#   seqread-128k / seqwrite-128k   128 KiB in order from the start (MB/s)
# Acknowledged writes are durable on both: the image is opened with
# cache=writethrough, so QEMU makes every write reach the host's disk before
# it completes, whatever the guest asks (Ringwall's driver also turns the
# device's write cache off; fio writes plain O_DIRECT, which the write-through
# image makes durable too). fio: --direct=1 --ioengine=libaio --iodepth=8 on
# /dev/nvme0n1. Runs of the two systems alternate; each figure is the median
# of RUNS runs with its spread. Prints "ringwall disk randread-4k: X IOPS",
# "linux disk seqread-128k-4q: Y MB/s", ... (4-queue figures end in -4q).
# Usage: bench/blk/run.sh [-r RUNS] [-q "1 4"]   (env: B, PEER, WORK, PEER_WORK)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
RUNS=3
QUEUES="1 4"
while getopts r:q: opt; do
    case $opt in
    r) RUNS=$OPTARG ;;
    q) QUEUES=$OPTARG ;;
    *) echo "usage: $0 [-r RUNS] [-q \"1 4\"]" >&2; exit 2 ;;
    esac
done
ISO1=$(readlink -f "$B/test/blkbench.iso")
ISO4=$(readlink -f "$B/test/blkbench4.iso")
WORK=${WORK:-/tmp/ringwall-bench-blk}
IR=$B/bench/blk/initramfs
INITRD=$B/bench/blk/initrd.gz
OUT=$WORK/results
IMG=$WORK/disk.img
T=$(sed -nE 's/^component blkbench .*args="t=([0-9]+) .*/\1/p' bench/blk/blk_bench.conf)
PATTERNS="randread-4k randwrite-4k seqread-128k seqwrite-128k"
for iso in "$ISO1" "$ISO4"; do
    [ -f "$iso" ] || { echo "disk bench: $iso missing (run make bench-build)" >&2; exit 1; }
done
command -v fio >/dev/null || { echo "disk bench: fio not installed (scripts/deps.sh)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.serial "$OUT"/*.err
: >"$OUT/raw.txt"
QPID=
# shellcheck source=bench/lib/guest.sh
. bench/lib/guest.sh
cleanup() {
    if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; fi
    rm -f "$IMG"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# The Linux guest: nvme and what it needs, loaded in dependency order, then
# one fio run per pattern with the numjobs its command line gives (jobs=N,
# default 1), each result a "FIO NAME;terse line" on serial, after a
# "LINUX-NVME-QUEUES" line with what the nvme driver reported.
linux_initrd() {
    local mods="crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic"
    mods="$mods crc64-rocksoft t10-pi nvme-core nvme"
    # shellcheck disable=SC2086 # one word per module
    guest_kernel_modules "$IR/mod" $mods
    guest_initrd "$IR" "$INITRD" /usr/bin/fio <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $mods; do insmod /mod/\$m.ko; done
while [ ! -b /dev/nvme0n1 ]; do sleep 0.1; done
jobs=\$(sed -n 's/.*jobs=\\([0-9]*\\).*/\\1/p' /proc/cmdline)
echo "LINUX-NVME-QUEUES \$(dmesg | grep -o '[0-9]*/[0-9]*/[0-9]* default/read/poll queues')"
set -- randread 4k randread-4k randwrite 4k randwrite-4k read 128k seqread-128k \\
    write 128k seqwrite-128k
while [ \$# -gt 0 ]; do
    echo "FIO \$3;\$(fio --name="\$3" --filename=/dev/nvme0n1 --direct=1 --ioengine=libaio \\
        --iodepth=8 --rw="\$1" --bs="\$2" --norandommap --randrepeat=0 \\
        --numjobs=\${jobs:-1} --group_reporting --time_based --runtime=$T --minimal)"
    shift 3
done
echo FIO-DONE
poweroff -f
EOF
}

# boot SYSTEM QUEUES LOG: one boot on a fresh image, until the guest ends QEMU.
boot() {
    local smp=2 iso=$ISO1 jobs=
    [ "$2" = 4 ] && smp=4 iso=$ISO4 jobs=jobs=4
    guest_boot_args "$1" "$iso" "$INITRD" $jobs
    rm -f "$IMG"
    qemu-img create -q -f raw "$IMG" 1G
    timeout --foreground $((T * 4 + 240)) qemu-system-x86_64 -accel "${ACCEL:-tcg}" \
        -machine q35 -smp "$smp" -m 512 -display none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -serial "file:$3" "${GUEST_BOOT_ARGS[@]}" \
        -drive "file=$IMG,if=none,id=nvm,format=raw,cache=writethrough" \
        -device nvme,serial=rw0001,drive=nvm,bus=pcie.0,addr=0x4 \
        </dev/null >"$3.qemu" 2>&1 &
    QPID=$!
    wait "$QPID" || true
    QPID=
}

# Figures of one boot into the raw file as "SYSTEM PATTERN VALUE"; SUFFIX
# ("" or "-4q") names the queue count.
ringwall_figures() { # LOG SUFFIX
    tr -d '\r' <"$1" | sed -nE "s/^ringwall disk ([a-z0-9-]+): ([0-9]+) .*/ringwall \\1$2 \\2/p"
}
linux_figures() { # LOG SUFFIX; terse fields: 7/8 read KiB/s and IOPS, 48/49 for writes
    tr -d '\r' <"$1" | awk -F';' -v sfx="$2" '/^FIO / {
        n = substr($1, 5); w = n ~ /write/
        if (n ~ /^rand/) v = w ? $49 : $8; else v = int((w ? $48 : $7) * 1024 / 1e6)
        print "linux", n sfx, v}'
}

one_run() { # SYSTEM QUEUES
    local sys=$1 q=$2 log=$OUT/$1-$2q-$r.serial figs sfx=
    [ "$q" = 1 ] || sfx=-${q}q
    echo "[disk bench] $sys, $q queue(s), run $r/$RUNS" >&2
    boot "$sys" "$q" "$log"
    figs=$("${sys}_figures" "$log" "$sfx")
    [ -n "$figs" ] || echo "disk bench: $sys gave no figures" >>"$OUT/$sys-$q-$r.err"
    [ -z "$figs" ] || echo "$figs" | tee -a "$OUT/raw.txt" >&2
    tr -d '\r' <"$log" | grep -aE '^LINUX-NVME-QUEUES|I/O queue pair' | sed 's/^/[disk bench] /' >&2 || true
}

guest_peer_kernel
linux_initrd
for r in $(seq 1 "$RUNS"); do
    for q in $QUEUES; do
        one_run ringwall "$q"
        one_run linux "$q"
    done
done

for q in $QUEUES; do
    sfx=
    [ "$q" = 1 ] || sfx=-${q}q
    for p in $PATTERNS; do
        unit=IOPS
        case $p in seq*) unit=MB/s ;; esac
        for sys in ringwall linux; do
            v=$(guest_median "$OUT/raw.txt" "$sys" "$p$sfx")
            s=$(guest_spread "$OUT/raw.txt" "$sys" "$p$sfx")
            echo "$sys disk $p$sfx: ${v:-no result (see $OUT)}${v:+ $unit ($s)}"
        done
    done
done
