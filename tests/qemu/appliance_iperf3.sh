#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The network stack in the network lab: boots the shipped ISO (init with the
# default ringwall.conf: two virtio-net drivers and servers/netstack, lwIP
# with the iperf3 server) and, from the lab namespaces, pings both addresses
# and runs the real iperf3 client against the appliance: TCP, reverse TCP
# (-R, only with APPLIANCE_REVERSE=1, see below), four parallel streams
# (-P 4) and UDP at 20 Mbit/s from vn-a to
# 198.18.0.1, and TCP from vn-b to 198.19.0.1. Each iperf3 run must produce
# valid JSON with a throughput above zero; the Mbit/s are printed. Prints
# PASS/FAIL lines and "N passed, N failed". It uses the lab's fixed namespace
# names (vn-a, vn-b, vn-lab), so run it alone.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/ringwall.iso}
LAB_WORK=${LAB_WORK:-/tmp/netstack-iperf3-lab}
PY=$(command -v /usr/bin/python3 || command -v python3)
. tests/qemu/vnet_lab.sh
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
trap lab_down EXIT

[ -f "$ISO" ] || { echo "FAIL iso: $ISO missing"; exit 1; }
command -v iperf3 >/dev/null || { echo "FAIL iperf3: not installed"; exit 1; }
lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
lab_qemu "$ISO" ""


# Mbit/s from iperf3 -J output on stdin; fails on an error or zero throughput.
iperf_mbps() {
    "$PY" -c '
import json, sys
d = json.load(sys.stdin)
if d.get("error"):
    sys.exit("iperf3: " + d["error"])
end = d["end"]
s = end.get("sum_received") or end.get("sum")
bps = s["bits_per_second"]
print("%.1f" % (bps / 1e6))
sys.exit(0 if bps > 0 else "zero throughput")'
}

check_iperf() { # NAME NS ADDR IPERF-ARGS...
    local name=$1 ns=$2 addr=$3 json mbps
    shift 3
    json=$(timeout 60 ip netns exec "$ns" iperf3 -c "$addr" -t 3 -J "$@" 2>&1)
    if mbps=$(echo "$json" | iperf_mbps 2>&1); then
        pass "$name ($mbps Mbit/s)"
    else
        echo "$json" >"$LAB_WORK/$name.json"
        fail "$name" "$(echo "$mbps" | tail -1), see $LAB_WORK/$name.json"
    fi
    sleep 1 # the server takes one test at a time
}

if lab_ready; then pass netstack-up; else fail netstack-up "see $LAB_WORK/serial.log"; fi
lab_ping netstack-lan-ping "$VN_A" 198.18.0.1 -c 20 -i 0.05 -w 30
lab_ping netstack-wan-ping "$VN_B" 198.19.0.1 -c 20 -i 0.05 -w 30
lab_ping netstack-lan-1472 "$VN_A" 198.18.0.1 -c 10 -i 0.05 -s 1472 -M "do" -w 30
check_iperf iperf3-lan-tcp "$VN_A" 198.18.0.1
# Known bug: in the appliance, -R (the netstack sending) sometimes stalls after
# a few seconds once transmit buffers run out; it runs only when asked for
# (APPLIANCE_REVERSE=1) until that is fixed. The host harness covers -R.
if [ "${APPLIANCE_REVERSE:-0}" = 1 ]; then
    check_iperf iperf3-lan-tcp-reverse "$VN_A" 198.18.0.1 -R
fi
check_iperf iperf3-lan-tcp-P4 "$VN_A" 198.18.0.1 -P 4
check_iperf iperf3-lan-udp-20M "$VN_A" 198.18.0.1 -u -b 20M
check_iperf iperf3-wan-tcp "$VN_B" 198.19.0.1
# A TCP connection to a closed port is refused with a reset, at once.
refused=$($LAB_A timeout 5 bash -c 'exec 3<>/dev/tcp/198.18.0.1/5999' 2>&1)
if echo "$refused" | grep -q 'refused'; then
    pass netstack-closed-port-rst
else
    fail netstack-closed-port-rst "no RST from 198.18.0.1:5999"
fi
if grep -aq "netstack: lwIP" "$LAB_WORK/serial.log" &&
    ! grep -aq "faulted\|refusing\|assertion" "$LAB_WORK/serial.log"; then
    pass netstack-clean-log
else
    fail netstack-clean-log "see $LAB_WORK/serial.log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
