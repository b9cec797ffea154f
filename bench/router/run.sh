#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Forwarding through the appliance: the host's iperf3 from one side of the
# lab to the other, through Ringwall (the shipped ISO: drivers, router,
# network stack, accept-all rules) and through the stock Linux router, both
# booted by the peer script (../shared/peers/linux-router.sh) in the same lab
# with the same QEMU settings. Runs of the two systems alternate; each figure
# is the median of RUNS runs. Tests:
#   tcp         one TCP stream          (Mbit/s, receiver)
#   tcp-P4      four TCP streams        (Mbit/s, receiver)
#   tcp-R       one stream, reverse     (Mbit/s, receiver)
#   udp64       UDP, 64-byte payloads offered at 50 Mbit/s (received packets/s and loss %)
# Prints "ringwall router <test>: X Mbit/s|pps" and "linux router <test>: ..."
# lines and ratio lines. Builds nothing: run `make` first.
# Usage: bench/router/run.sh [-t SECONDS] [-r RUNS]   (env: B, PEER, WORK)
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
ISO=$(readlink -f "$B/ringwall.iso")
PEER=${PEER:-$(readlink -f ../shared/peers/linux-router.sh)}
export WORK=${WORK:-/tmp/ringwall-bench-router}
[ -f "$ISO" ] || { echo "router bench: $ISO missing (run make)" >&2; exit 1; }
[ -x "$PEER" ] || { echo "router bench: peer script $PEER missing" >&2; exit 1; }
OUT=$WORK/results
. bench/lib/guest.sh # guest_median
mkdir -p "$OUT"
: >"$OUT/raw.txt"

# Runs in the peer script once the guest forwards: every test, each printing
# "TEST VALUE UNIT [loss%]". The iperf3 server runs on the far side (rl-b).
GUEST_CMD=$(
    cat <<EOF
\$B iperf3 -s -D --logfile \$WORK/iperf3-server.log
sleep 1
rate() { python3 -c 'import json,sys; d = json.load(sys.stdin); print(sys.argv[1], round(d["end"]["sum_received"]["bits_per_second"] / 1e6, 1), "Mbit/s")' "\$1"; }
\$A iperf3 -c 198.19.0.2 -t $T -J | rate tcp
\$A iperf3 -c 198.19.0.2 -t $T -P 4 -J | rate tcp-P4
\$A iperf3 -c 198.19.0.2 -t $T -R -J | rate tcp-R
\$A iperf3 -c 198.19.0.2 -t $T -u -l 64 -b 50M -J | python3 -c 'import json,sys; s = json.load(sys.stdin)["end"]["sum"]; print("udp64", round((s["packets"] - s["lost_packets"]) / s["seconds"]), "pps", round(s["lost_percent"], 2))'
EOF
)

one_run() { # SYSTEM [--iso ISO]
    local sys=$1
    shift
    echo "[router bench] $sys, run $r/$RUNS" >&2
    "$PEER" "$@" --exec "$GUEST_CMD" 2>"$OUT/$sys-$r.err" | grep -E '^(tcp|udp)' |
        sed "s/^/$sys /" | tee -a "$OUT/raw.txt" >&2 || true
}

for r in $(seq 1 "$RUNS"); do
    one_run ringwall --iso "$ISO"
    one_run linux
done

for test in tcp tcp-P4 tcp-R udp64; do
    unit=$(awk -v t="$test" '$2 == t {print $4; exit}' "$OUT/raw.txt")
    rw=$(guest_median "$OUT/raw.txt" ringwall "$test")
    lx=$(guest_median "$OUT/raw.txt" linux "$test")
    rw=${rw:-0} lx=${lx:-0}
    echo "ringwall router $test: $rw ${unit:-Mbit/s}"
    echo "linux router $test: $lx ${unit:-Mbit/s}"
    awk -v a="$rw" -v b="$lx" -v t="$test" \
        'BEGIN {if (b > 0) printf "ratio router %s: %.2f (ringwall/linux)\n", t, a / b}'
done
