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
# CPU cost of the TCP tests (cpu-tcp, cpu-tcp-P4, cpu-tcp-R): host CPU
# seconds of the guest's QEMU vCPU threads over the iperf3 run per gigabit
# received (bench/lib/cpu.sh), the same method for both guests; lower is
# better. vm-cpu-<test>: the same for the whole QEMU process, device
# emulation included. For Ringwall also guest-cpu-<test>: the busy time its own kernel
# counted (`show cpu --json`, read just before and after the run) per gigabit.
# Prints "ringwall router <test>: X Mbit/s|pps|s/Gbit" and "linux router
# <test>: ..." lines and ratio lines. Builds nothing: run `make` first.
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
# A TCP test is measured by tcp_cost: vCPU ticks (and Ringwall's busy time)
# on either side of the iperf3 client, then bench/router/cpucost.py.
GUEST_CMD=$(
    cat <<EOF
. $PWD/bench/lib/cpu.sh
\$B iperf3 -s -D --logfile \$WORK/iperf3-server.log
sleep 1
QPID=\$(cpu_qemu_pid)
echo "router bench: QEMU pid \${QPID:-not found}" >&2
tcp_cost() {
    local name=\$1 g0= g1= v0 a0 v1 a1 guest=
    shift
    [ "\$SYS" = ringwall ] && g0=\$(cpu_ringwall_busy_ns)
    read -r v0 a0 < <(cpu_qemu_ticks "\$QPID")
    \$A iperf3 -c 198.19.0.2 -t $T "\$@" -J >"\$WORK/\$name.json"
    read -r v1 a1 < <(cpu_qemu_ticks "\$QPID")
    [ "\$SYS" = ringwall ] && g1=\$(cpu_ringwall_busy_ns)
    [ -n "\$g0" ] && [ -n "\$g1" ] && guest=\$((g1 - g0))
    python3 $PWD/bench/router/cpucost.py "\$name" "\$WORK/\$name.json" "\$((v1 - v0))" \
        "\$((a1 - a0))" "\$(getconf CLK_TCK)" \$guest
}
tcp_cost tcp
tcp_cost tcp-P4 -P 4
tcp_cost tcp-R -R
\$A iperf3 -c 198.19.0.2 -t $T -u -l 64 -b 50M -J | python3 -c 'import json,sys; s = json.load(sys.stdin)["end"]["sum"]; print("udp64", round((s["packets"] - s["lost_packets"]) / s["seconds"]), "pps", round(s["lost_percent"], 2))'
pkill -f "^iperf3 -s -D --logfile \$WORK/iperf3-server.log" || true # it outlives the namespaces
EOF
)

one_run() { # SYSTEM [--iso ISO]
    local sys=$1
    shift
    echo "[router bench] $sys, run $r/$RUNS" >&2
    "$PEER" "$@" --exec "SYS=$sys; $GUEST_CMD" 2>"$OUT/$sys-$r.err" |
        grep -E '^(tcp|udp|cpu-|vm-cpu-|guest-cpu-)' |
        sed "s/^/$sys /" | tee -a "$OUT/raw.txt" >&2 || true
}

for r in $(seq 1 "$RUNS"); do
    one_run ringwall --iso "$ISO"
    one_run linux
done

for test in tcp tcp-P4 tcp-R udp64 cpu-tcp cpu-tcp-P4 cpu-tcp-R vm-cpu-tcp vm-cpu-tcp-P4 \
    vm-cpu-tcp-R; do
    unit=$(awk -v t="$test" '$2 == t {print $4; exit}' "$OUT/raw.txt")
    rw=$(guest_median "$OUT/raw.txt" ringwall "$test")
    lx=$(guest_median "$OUT/raw.txt" linux "$test")
    rw=${rw:-0} lx=${lx:-0}
    echo "ringwall router $test: $rw ${unit:-Mbit/s}"
    echo "linux router $test: $lx ${unit:-Mbit/s}"
    awk -v a="$rw" -v b="$lx" -v t="$test" 'BEGIN {if (b > 0) printf "ratio router %s: %.2f " \
        "(ringwall/linux%s)\n", t, a / b, t ~ /cpu-/ ? ", lower is better" : ""}'
done
# Ringwall's own view of the same runs; Linux's guest is not asked (its init
# runs no shell on the serial console).
for test in guest-cpu-tcp guest-cpu-tcp-P4 guest-cpu-tcp-R; do
    rw=$(guest_median "$OUT/raw.txt" ringwall "$test")
    [ -n "$rw" ] && echo "ringwall router $test: $rw s/Gbit"
done
