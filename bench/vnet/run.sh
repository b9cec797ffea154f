#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Frames per second through a virtio-net guest: host -> guest -> host ICMP echo
# from namespace A to 198.18.0.1, against Ringwall (the vnet test ISO: driver +
# responder) and against the stock Linux guest, both booted by the peer script
# (../shared/peers/linux-router.sh) in the same lab with the same QEMU settings
# (TCG, q35, -smp 2, 512 MiB, two virtio-net-pci NICs on taps). Runs of the two
# systems alternate; each figure is the median of RUNS runs.
#   ping-flood            ping -f: one echo in flight (latency-bound)
#   ping-flood-preload32  ping -f -l 32: 32 in flight (batching)
# Prints "ringwall vnet <test>: X pps" and "linux vnet <test>: Y pps" lines.
# Builds nothing: run `make` first (it builds build/test/vnet.iso).
# Usage: bench/vnet/run.sh [-t SECONDS] [-r RUNS]   (env: B, PEER, WORK)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
T=10
RUNS=3
while getopts t:r: opt; do
    case $opt in
    t) T=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-r RUNS]" >&2; exit 2 ;;
    esac
done
ISO=$(readlink -f "$B/test/vnet.iso")
PEER=${PEER:-$(readlink -f ../shared/peers/linux-router.sh)}
export WORK=${WORK:-/tmp/ringwall-bench-vnet}
[ -f "$ISO" ] || { echo "vnet bench: $ISO missing (run make)" >&2; exit 1; }
[ -x "$PEER" ] || { echo "vnet bench: peer script $PEER missing" >&2; exit 1; }
OUT=$WORK/results
. bench/lib/guest.sh # guest_median
mkdir -p "$OUT"
: >"$OUT/raw.txt"

# The command the peer script runs once the guest answers: both ping tests,
# each printing "TEST PPS".
GUEST_CMD=$(
    cat <<EOF
pps() { \$A ping -q -f \$2 -w $T 198.18.0.1 | awk -v t=\$1 '/received/ {r = \$4}
    /time [0-9]+ms/ {for (i = 1; i <= NF; i++) if (\$i == "time") ms = \$(i + 1) + 0}
    END {if (ms > 0) printf "%s %d\n", t, r * 1000 / ms}'; }
\$A ping -c 3 -W 2 198.18.0.1 >/dev/null
pps ping-flood ""
pps ping-flood-preload32 "-l 32"
EOF
)

one_run() { # SYSTEM [--iso ISO]
    local sys=$1
    shift
    echo "[vnet bench] $sys, run $r/$RUNS" >&2
    "$PEER" "$@" --exec "$GUEST_CMD" 2>"$OUT/$sys-$r.err" | grep -E '^ping-flood' |
        sed "s/^/$sys /" | tee -a "$OUT/raw.txt" >&2 || true
}

for r in $(seq 1 "$RUNS"); do
    one_run ringwall --iso "$ISO"
    one_run linux
done

for test in ping-flood ping-flood-preload32; do
    rw=$(guest_median "$OUT/raw.txt" ringwall "$test")
    lx=$(guest_median "$OUT/raw.txt" linux "$test")
    rw=${rw:-0} lx=${lx:-0}
    echo "ringwall vnet $test: $rw pps"
    echo "linux vnet $test: $lx pps"
    [ "$lx" -gt 0 ] && awk -v a="$rw" -v b="$lx" -v t="$test" \
        'BEGIN {printf "ratio vnet %s: %.2f (ringwall/linux)\n", t, a / b}'
done
