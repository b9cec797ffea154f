#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# iperf3 against the appliance itself: the host's iperf3 client in namespace A
# talks to an iperf3 server at 198.18.0.1, run first by Ringwall (the shipped
# ISO: drivers, router, lwIP network stack with its iperf3 server) and then by
# a stock Linux guest acting as the endpoint. The Linux guest (bench/lib/guest.sh)
# is the peer script's Debian kernel and virtio modules (../shared/peers/
# linux-router.sh, run once to fetch them) with an initramfs of busybox, the
# host's iperf3 with its shared libraries, and an init that puts 198.18.0.1/24
# and 198.19.0.1/24 on eth0/eth1 and starts `iperf3 -s -D`. Both guests boot in
# the same lab (tests/qemu/vnet_lab.sh, namespaces ep-lab, ep-a, ep-b) with
# the peer's QEMU settings: TCG, q35, -smp 2, 512 MiB, two virtio-net-pci NICs
# on taps with the peer's MACs. Runs of the two systems alternate; each figure
# is the median of RUNS runs. Tests:
#   tcp       one TCP stream, client sends     (Mbit/s, receiver)
#   tcp-P4    four TCP streams                 (Mbit/s, receiver)
#   tcp-R     one stream, the endpoint sends   (Mbit/s, receiver)
#   udp       UDP offered at 200 Mbit/s        (Mbit/s received, and loss %)
# Prints "ringwall endpoint <test>: X Mbit/s" and "linux endpoint <test>: ..."
# lines (udp-loss in %) and ratio lines. Builds only the Linux initramfs
# ($B/bench/endpoint/initrd.gz): run `make` first for the ISO.
# Usage: bench/endpoint/run.sh [-t SECONDS] [-r RUNS]   (env: B, PEER, WORK, PEER_WORK)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
T=10
RUNS=3
UDP_RATE=200M
while getopts t:r: opt; do
    case $opt in
    t) T=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-r RUNS]" >&2; exit 2 ;;
    esac
done
ISO=$(readlink -f "$B/ringwall.iso")
PEER=${PEER:-$(readlink -f ../shared/peers/linux-router.sh)}
WORK=${WORK:-/tmp/ringwall-bench-endpoint}
PEER_WORK=${PEER_WORK:-$WORK/peer}
IR=$B/bench/endpoint/initramfs
INITRD=$B/bench/endpoint/initrd.gz
OUT=$WORK/results
[ -f "$ISO" ] || { echo "endpoint bench: $ISO missing (run make)" >&2; exit 1; }
[ -x "$PEER" ] || { echo "endpoint bench: peer script $PEER missing" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "endpoint bench: iperf3 not installed" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.err "$OUT"/*.serial
: >"$OUT/raw.txt"

LAB_PFX=ep
LAB_WORK=$WORK/lab
# shellcheck source=tests/qemu/vnet_lab.sh
. tests/qemu/vnet_lab.sh
# shellcheck source=bench/lib/guest.sh
. bench/lib/guest.sh
trap lab_down EXIT
trap "exit 130" INT TERM

# TEST figures from iperf3 -J on stdin: "TEST MBIT/S", and for UDP one more
# line "TEST-loss PERCENT". Nothing on an error.
figures() {
    python3 -c '
import json, sys
d = json.load(sys.stdin)
if d.get("error"):
    sys.exit("iperf3: " + d["error"])
end, t = d["end"], sys.argv[1]
if t == "udp":
    s = end["sum"]  # as sent, with the loss the server saw
    got = end.get("sum_received", {}).get("bits_per_second")
    if got is None:
        got = s["bits_per_second"] * (100 - s["lost_percent"]) / 100
    print(t, round(got / 1e6, 1))
    print(t + "-loss", round(s["lost_percent"], 2))
else:
    print(t, round(end["sum_received"]["bits_per_second"] / 1e6, 1))' "$1"
}

# measure SYS TEST IPERF3-ARGS...: one iperf3 run from side A, its figures
# appended to the raw file as "SYS TEST VALUE".
measure() {
    local sys=$1 test=$2 json=$OUT/$1-$2-$r.json
    shift 2
    $LAB_A timeout $((T + 30)) iperf3 -c 198.18.0.1 -t "$T" -J "$@" >"$json" 2>&1 || true
    figures "$test" <"$json" 2>>"$OUT/$sys-$r.err" | sed "s/^/$sys /" | tee -a "$OUT/raw.txt" >&2 || true
    sleep 1 # the appliance's server takes one test at a time
}

one_run() { # SYSTEM
    local sys=$1 ready=ENDPOINT-READY
    [ "$sys" = ringwall ] && ready='iperf3 on port 5201'
    echo "[endpoint bench] $sys, run $r/$RUNS" >&2
    lab_up 1500 || { echo "endpoint bench: lab namespaces" >&2; exit 1; }
    guest_lab_boot "$sys" "$ISO" "$INITRD" $((T * 10 + 600))
    if lab_wait "$ready" 180 && lab_ready; then
        measure "$sys" tcp
        measure "$sys" tcp-P4 -P 4
        measure "$sys" tcp-R -R
        measure "$sys" udp -u -b "$UDP_RATE"
    else
        echo "endpoint bench: $sys did not come up" >>"$OUT/$sys-$r.err"
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

for test in tcp tcp-P4 tcp-R udp udp-loss; do
    unit=Mbit/s
    [ "$test" = udp-loss ] && unit=%
    rw=$(guest_median "$OUT/raw.txt" ringwall $test)
    lx=$(guest_median "$OUT/raw.txt" linux $test)
    echo "ringwall endpoint $test: ${rw:-no result (see $OUT)}${rw:+ $unit}"
    echo "linux endpoint $test: ${lx:-no result (see $OUT)}${lx:+ $unit}"
    [ "$test" = udp-loss ] && continue
    awk -v a="${rw:-0}" -v b="${lx:-0}" -v t="$test" \
        'BEGIN {if (a > 0 && b > 0) printf "ratio endpoint %s: %.2f (ringwall/linux)\n", t, a / b}'
done
