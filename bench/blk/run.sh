#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NVMe throughput of the appliance's block path beside Linux with fio, on the
# same QEMU disk: -device nvme at 00:04.0 on a fresh 1 GiB raw image for every
# boot, TCG, q35, -smp 2, 512 MiB. Ringwall boots $B/test/blkbench.iso: the
# NVMe driver and one client on its own queue pair (bench/blk/blk_bench.c,
# configuration bench/blk/blk_bench.conf). Linux boots the peer's kernel
# (bench/lib/guest.sh) with the nvme modules from its package and the host's
# fio. Both keep 8 requests in flight for T seconds per pattern (T comes from
# the configuration's client args):
#   randread-4k / randwrite-4k     4 KiB at random aligned offsets (IOPS)
#   seqread-128k / seqwrite-128k   128 KiB in order from the start (MB/s)
# Acknowledged writes are durable on both: the image is opened with
# cache=writethrough, so QEMU makes every write reach the host's disk before
# it completes, whatever the guest asks (Ringwall's driver also turns the
# device's write cache off; fio writes plain O_DIRECT, which the write-through
# image makes durable too). fio: --direct=1 --ioengine=libaio --iodepth=8 on
# /dev/nvme0n1. Runs of the two systems alternate; each figure
# is the median of RUNS runs with its spread. Prints "ringwall disk
# randread-4k: X IOPS", "linux disk seqread-128k: Y MB/s", ...
# Usage: bench/blk/run.sh [-r RUNS]   (env: B, PEER, WORK, PEER_WORK)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
RUNS=3
while getopts r: opt; do
    case $opt in
    r) RUNS=$OPTARG ;;
    *) echo "usage: $0 [-r RUNS]" >&2; exit 2 ;;
    esac
done
ISO=$(readlink -f "$B/test/blkbench.iso")
WORK=${WORK:-/tmp/ringwall-bench-blk}
IR=$B/bench/blk/initramfs
INITRD=$B/bench/blk/initrd.gz
OUT=$WORK/results
IMG=$WORK/disk.img
T=$(sed -nE 's/^component blkbench .*args="([0-9]+) .*/\1/p' bench/blk/blk_bench.conf)
PATTERNS="randread-4k randwrite-4k seqread-128k seqwrite-128k"
[ -f "$ISO" ] || { echo "disk bench: $ISO missing (run make bench-build)" >&2; exit 1; }
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
# one fio job per pattern, each result a "FIO NAME;terse line" on serial.
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
set -- randread 4k randread-4k randwrite 4k randwrite-4k read 128k seqread-128k \\
    write 128k seqwrite-128k
while [ \$# -gt 0 ]; do
    echo "FIO \$3;\$(fio --name="\$3" --filename=/dev/nvme0n1 --direct=1 --ioengine=libaio \\
        --iodepth=8 --rw="\$1" --bs="\$2" --norandommap --randrepeat=0 \\
        --time_based --runtime=$T --minimal)"
    shift 3
done
echo FIO-DONE
poweroff -f
EOF
}

# boot SYSTEM LOG: one boot on a fresh image, until the guest ends QEMU.
boot() {
    local bootargs
    if [ "$1" = ringwall ]; then
        bootargs=(-cdrom "$ISO")
    else
        bootargs=(-kernel "$PEER_WORK/vmlinuz" -initrd "$INITRD" -append "console=ttyS0 quiet")
    fi
    rm -f "$IMG"
    qemu-img create -q -f raw "$IMG" 1G
    timeout --foreground $((T * 4 + 240)) qemu-system-x86_64 -accel "${ACCEL:-tcg}" \
        -machine q35 -smp 2 -m 512 -display none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -serial "file:$2" "${bootargs[@]}" \
        -drive "file=$IMG,if=none,id=nvm,format=raw,cache=writethrough" \
        -device nvme,serial=rw0001,drive=nvm,bus=pcie.0,addr=0x4 \
        </dev/null >"$2.qemu" 2>&1 &
    QPID=$!
    wait "$QPID" || true
    QPID=
}

# Figures of one boot into the raw file as "SYSTEM PATTERN VALUE".
ringwall_figures() {
    tr -d '\r' <"$1" | sed -nE 's/^ringwall disk ([a-z0-9-]+): ([0-9]+) .*/ringwall \1 \2/p'
}
linux_figures() { # terse fields: 7/8 read KiB/s and IOPS, 48/49 the same for writes
    tr -d '\r' <"$1" | awk -F';' '/^FIO / {
        n = substr($1, 5); w = n ~ /write/
        if (n ~ /^rand/) v = w ? $49 : $8; else v = int((w ? $48 : $7) * 1024 / 1e6)
        print "linux", n, v}'
}

one_run() { # SYSTEM
    local sys=$1 log=$OUT/$1-$r.serial figs
    echo "[disk bench] $sys, run $r/$RUNS" >&2
    boot "$sys" "$log"
    figs=$("${sys}_figures" "$log")
    [ -n "$figs" ] || echo "disk bench: $sys gave no figures" >>"$OUT/$sys-$r.err"
    [ -z "$figs" ] || echo "$figs" | tee -a "$OUT/raw.txt" >&2
}

guest_peer_kernel
linux_initrd
for r in $(seq 1 "$RUNS"); do
    one_run ringwall
    one_run linux
done

for p in $PATTERNS; do
    unit=IOPS
    case $p in seq*) unit=MB/s ;; esac
    for sys in ringwall linux; do
        v=$(guest_median "$OUT/raw.txt" "$sys" "$p")
        s=$(guest_spread "$OUT/raw.txt" "$sys" "$p")
        echo "$sys disk $p: ${v:-no result (see $OUT)}${v:+ $unit ($s)}"
    done
done
