#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot cost of the appliance beside the Linux endpoint guest (the same guest
# bench/endpoint/run.sh measures, built by bench/lib/guest.sh). Each run
# starts QEMU in a namespace lab (tests/qemu/vnet_lab.sh, namespaces bt-lab,
# bt-a, bt-b) with the peer's flags (TCG, q35, -smp 2, 512 MiB, two
# virtio-net NICs) and measures:
#   ready   ms from starting QEMU to the first TCP connect to 198.18.0.1:5201
#           (the iperf3 server) that succeeds from namespace bt-a; a probe
#           tries every 20 ms with ARP retried every 50 ms, so that is about
#           the resolution;
#   memory  KiB in use once ready: Ringwall, the RAM its page allocator
#           manages (boot line "pmm: N MiB usable") less the free memory the
#           console's `show memory` reports; Linux, the RAM the kernel
#           manages (boot line "Memory: .../N K available") less MemFree;
#   image   bytes booted: the ISO (GRUB, kernel, components, configuration)
#           against vmlinuz plus the initramfs (busybox, iperf3 and its
#           libraries, virtio modules).
# Runs of the two systems alternate; each figure is the median of RUNS runs
# with its spread. Prints "ringwall boot ready: X ms", "linux boot memory:
# N KiB", ... Builds only the Linux initramfs: run `make` first for the ISO.
# Usage: bench/boot/run.sh [-r RUNS]   (env: B, PEER, WORK, PEER_WORK)
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
ISO=$(readlink -f "$B/ringwall.iso")
WORK=${WORK:-/tmp/ringwall-bench-boot}
IR=$B/bench/endpoint/initramfs
INITRD=$B/bench/endpoint/initrd.gz
OUT=$WORK/results
[ -f "$ISO" ] || { echo "boot bench: $ISO missing (run make)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.serial "$OUT"/*.err
: >"$OUT/raw.txt"

LAB_PFX=bt
LAB_WORK=$WORK/lab
# shellcheck source=tests/qemu/vnet_lab.sh
. tests/qemu/vnet_lab.sh
# shellcheck source=bench/lib/guest.sh
. bench/lib/guest.sh
trap 'lab_down || true' EXIT
trap "exit 130" INT TERM

# probe T0_NS: waits (up to 180 s) for a TCP connect to the iperf3 port to
# succeed from side A; prints the ms since T0_NS (a `date +%s%N` stamp).
probe() {
    $LAB_A sysctl -qw net.ipv4.neigh.eth0.retrans_time_ms=50
    $LAB_A python3 -c '
import socket, sys, time
t0 = int(sys.argv[1]) / 1e9
while time.time() - t0 < 180:
    try:
        socket.create_connection(("198.18.0.1", 5201), timeout=0.25).close()
        print(round((time.time() - t0) * 1000))
        sys.exit(0)
    except OSError:
        time.sleep(0.02)
sys.exit(1)' "$1"
}

# ringwall_used: KiB in use, from the boot log and `show memory`.
ringwall_used() {
    local usable free i
    usable=$(grep -aoE 'pmm: [0-9]+ MiB usable' "$LAB_WORK/serial.log" | head -1 | awk '{print $2}')
    for i in 1 2 3 4 5; do
        lab_console "show memory"
        sleep 1
        free=$(grep -aoE '^memory: [0-9]+ KiB free' "$LAB_WORK/serial.log" | tail -1 | awk '{print $2}')
        [ -n "$free" ] && break
    done
    [ -n "$usable" ] && [ -n "$free" ] && echo $((usable * 1024 - free))
}

# linux_used: KiB in use, from the init's GUEST-MEM line.
linux_used() {
    local line
    lab_wait 'GUEST-MEM total=[0-9]+ free=[0-9]+' 30 || return 1
    line=$(grep -aoE 'GUEST-MEM total=[0-9]+ free=[0-9]+' "$LAB_WORK/serial.log" | head -1)
    awk -v l="$line" 'BEGIN {split(l, f, /[= ]/); print f[3] - f[5]}'
}

one_run() { # SYSTEM
    local sys=$1 t0 ms used
    echo "[boot bench] $sys, run $r/$RUNS" >&2
    lab_up 1500 || { echo "boot bench: lab namespaces" >&2; exit 1; }
    t0=$(date +%s%N)
    guest_lab_boot "$sys" "$ISO" "$INITRD" 300
    if ms=$(probe "$t0"); then
        echo "$sys ready $ms" | tee -a "$OUT/raw.txt" >&2
        used=$("${sys}_used" || true)
        [ -n "$used" ] && echo "$sys memory $used" | tee -a "$OUT/raw.txt" >&2
    else
        echo "boot bench: $sys not ready in 180 s" >>"$OUT/$sys-$r.err"
    fi
    cp "$LAB_WORK/serial.log" "$OUT/$sys-$r.serial" 2>/dev/null || true
    lab_down
}

guest_peer_kernel
guest_endpoint_initrd "$IR" "$INITRD"
for r in $(seq 1 "$RUNS"); do
    one_run ringwall
    one_run linux
done

for sys in ringwall linux; do
    for fig in ready:ms memory:KiB; do
        t=${fig%%:*}
        v=$(guest_median "$OUT/raw.txt" "$sys" "$t")
        s=$(guest_spread "$OUT/raw.txt" "$sys" "$t")
        echo "$sys boot $t: ${v:-no result (see $OUT)}${v:+ ${fig#*:} ($s)}"
    done
done
echo "ringwall boot image: $(stat -c %s "$ISO") bytes"
echo "linux boot image: $(($(stat -c %s "$PEER_WORK/vmlinuz") + $(stat -c %s "$INITRD"))) bytes"
