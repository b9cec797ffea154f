#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Driver restart time as forwarding interruption (RFC 6201 reset time, from
# traffic): boots the shipped ISO in the namespace lab, sends a UDP probe
# through it (tests/qemu/udp_probe.py: one datagram a millisecond from side A
# to side B) and restarts the wan NIC's driver KILLS times from the console
# ("restart vnet1"), one kill every INTERVAL seconds. Each restart's
# interruption is the longest gap in the probe's arrivals right after it
# (matched by the host's monotonic clock); prints their distribution:
#   "ringwall recovery restart-median: X ms", "... restart-p99: Y ms",
#   "... restart-max", and the datagrams lost.
# No Linux figure: a Linux router cannot restart a NIC driver under traffic
# without unloading it. Builds nothing: run `make` first.
# Usage: bench/recovery/run.sh [-k KILLS] [-i INTERVAL]   (env: B, LAB_PFX, LAB_WORK)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
KILLS=100
INTERVAL=1
while getopts k:i: opt; do
    case $opt in
    k) KILLS=$OPTARG ;;
    i) INTERVAL=$OPTARG ;;
    *) echo "usage: $0 [-k KILLS] [-i INTERVAL]" >&2; exit 2 ;;
    esac
done
ISO=$B/ringwall.iso
export LAB_PFX=${LAB_PFX:-bk}
LAB_WORK=${LAB_WORK:-/tmp/ringwall-bench-recovery}
PY=/usr/bin/python3
export PROBE_GAP_MS=${PROBE_GAP_MS:-2.5}
[ -f "$ISO" ] || { echo "recovery bench: $ISO missing (run make)" >&2; exit 1; }
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; lab_down' EXIT

lab_up 1500 >&2 || exit 1
router_routes
lab_qemu "$ISO" ""
lab_ready || { echo "recovery bench: the appliance did not come up" >&2; exit 1; }
span=$(awk -v k="$KILLS" -v i="$INTERVAL" 'BEGIN {print int(k * (i + 0.5) + 10)}')
$LAB_B "$PY" tests/qemu/udp_probe.py recv "$((span + 4))" >"$LAB_WORK/probe.json" &
probe=$!
sleep 1
$LAB_A "$PY" tests/qemu/udp_probe.py send 198.19.0.2 "$span" >/dev/null &
PIDS+=($!)
sleep 3
: >"$LAB_WORK/restarts.txt"
for ((i = 1; i <= KILLS; i++)); do
    "$PY" -c 'import time; print(time.monotonic())' >>"$LAB_WORK/restarts.txt"
    router_cmd "restart vnet1" >/dev/null
    echo "[recovery bench] restart $i/$KILLS" >&2
    sleep "$INTERVAL"
done
wait "$probe"
"$PY" - "$LAB_WORK/probe.json" "$LAB_WORK/restarts.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
kills = [float(x) for x in open(sys.argv[2])]
# Each restart's interruption: the longest gap in the arrivals that starts
# between 20 ms before the command and 2 s after it (the probe's own 1 ms
# spacing when nothing stood out).
ms = []
for k in kills:
    near = [g["ms"] for g in d["gaps"] if k - 0.02 <= g["t"] <= k + 2.0]
    ms.append(max(near) if near else 1.0)
ms.sort()
pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
print(f"ringwall recovery restart-median: {pick(0.5)} ms")
print(f"ringwall recovery restart-p99: {pick(0.99)} ms")
print(f"ringwall recovery restart-max: {ms[-1]} ms")
print(f"ringwall recovery restarts: {len(ms)}")
print(f"ringwall recovery probe-lost: {d['lost']} of {d['lost'] + d['received']}")
EOF
