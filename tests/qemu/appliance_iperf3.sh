#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The network stack in the network lab: boots the shipped ISO (init with the
# default ringwall.conf: two virtio-net drivers, the router and
# servers/netstack, lwIP with the iperf3 server) and, from the lab namespaces,
# pings both addresses (and with 8000 bytes, fragmented both ways) and runs
# the real iperf3 client against the appliance:
# TCP, reverse TCP (-R), four parallel streams (-P 4) and UDP at 20 Mbit/s
# from the a side to 198.18.0.1, and TCP and -R from the b side to
# 198.19.0.1. Each iperf3 run must produce valid JSON with a throughput above
# zero; the Mbit/s are printed. A second client during a test must be refused
# ("the server is busy") without hurting the first, and clients killed
# mid-test must leave the server ready for the next. Finally it reads the
# network stack's counters through the console (show interfaces --json, the
# "stack" block of each interface): received frames must have been handed
# to lwIP zero-copy, and the zero-copy/copy counts are printed; the router's
# counters must show the stack's frames sent from its own buffers. Prints
# PASS/FAIL lines and "N passed, N failed". Namespaces are named from
# LAB_PFX (tests/qemu/vnet_lab.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/ringwall.iso}
LAB_WORK=${LAB_WORK:-/tmp/netstack-iperf3-lab}
PY=$(command -v /usr/bin/python3 || command -v python3)
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
trap lab_down EXIT

[ -f "$ISO" ] || { echo "FAIL iso: $ISO missing"; exit 1; }
command -v iperf3 >/dev/null || { echo "FAIL iperf3: not installed"; exit 1; }
lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
lab_qemu "$ISO" ""

IPERF_PAUSE=1 # the appliance's server takes one test at a time

if lab_ready; then pass netstack-up; else fail netstack-up "see $LAB_WORK/serial.log"; fi
lab_ping netstack-lan-ping "$VN_A" 198.18.0.1 -c 20 -i 0.05 -w 30
lab_ping netstack-wan-ping "$VN_B" 198.19.0.1 -c 20 -i 0.05 -w 30
lab_ping netstack-lan-1472 "$VN_A" 198.18.0.1 -c 10 -i 0.05 -s 1472 -M "do" -w 30
# Larger than the link: the request comes in fragments, and the reply (lwIP
# may hand the netif more than the MTU, for TSO) goes out in fragments too.
lab_ping netstack-lan-8000-fragmented "$VN_A" 198.18.0.1 -c 5 -i 0.2 -s 8000 -w 30
router_iperf iperf3-lan-tcp "$VN_A" 198.18.0.1
router_iperf iperf3-lan-tcp-reverse "$VN_A" 198.18.0.1 -R
router_iperf iperf3-lan-tcp-P4 "$VN_A" 198.18.0.1 -P 4
router_iperf iperf3-lan-udp-20M "$VN_A" 198.18.0.1 -u -b 20M
router_iperf iperf3-wan-tcp "$VN_B" 198.19.0.1
router_iperf iperf3-wan-tcp-reverse "$VN_B" 198.19.0.1 -R

# One test at a time: a second client is refused while the first runs on.
check_busy() {
    local first out
    $LAB_A timeout 60 iperf3 -c 198.18.0.1 -t 5 -J >"$LAB_WORK/busy-first.json" 2>&1 &
    first=$!
    sleep 2
    out=$($LAB_B timeout 20 iperf3 -c 198.19.0.1 -t 1 2>&1)
    if [ $? -eq 0 ]; then
        fail iperf3-busy-refused "the second client ran"
    elif echo "$out" | grep -q "the server is busy"; then
        pass iperf3-busy-refused
    else
        fail iperf3-busy-refused "$(echo "$out" | tail -1)"
    fi
    if wait "$first" && router_mbps <"$LAB_WORK/busy-first.json" >/dev/null 2>&1; then
        pass iperf3-busy-first-unaffected
    else
        fail iperf3-busy-first-unaffected "see $LAB_WORK/busy-first.json"
    fi
    sleep 1
}

# Clients killed mid-test (sending and receiving) leave the server ready.
check_killed() {
    ($LAB_A timeout -s KILL 3 iperf3 -c 198.18.0.1 -t 10; true) >/dev/null 2>&1
    ($LAB_A timeout -s KILL 3 iperf3 -c 198.18.0.1 -t 10 -R; true) >/dev/null 2>&1
    sleep 2
    router_iperf iperf3-after-killed-clients "$VN_A" 198.18.0.1
}

check_busy
check_killed

# The stack's counters through the console: NAME the interface, prints them.
check_stack_counters() {
    local json line
    json=$(router_cmd "show interfaces --json")
    for ifn in lan0 wan0; do
        line=$("$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
i = [x for x in d["interfaces"] if x["name"] == sys.argv[2]][0]
s = i["stack"]
print("rx_frames=%d zero_copy=%d copied=%d copied_bytes=%d lent_max=%d csum_trusted=%d "
      "tx_frames=%d tx_csum_offload=%d tx_copied_bytes=%d tso_frames=%d joined=%d large=%d" % (
      s["rx_frames"], s["rx_zero_copy"], s["rx_copied"], s["rx_copied_bytes"], s["rx_lent_max"],
      s["rx_csum_trusted"], s["tx_frames"], s["tx_csum_offload"], s["tx_copied_bytes"],
      s["tx_gso_frames"], s["tx_gso_joined"], s["tx_tso_large"]))
# -R ran on both: lwIP made large segments (its windows opened past one link
# segment) that went out as TSO frames, most of what it sent.
sys.exit(0 if s["rx_zero_copy"] > 0 and s["rx_lent"] <= s["rx_lent_max"] and
         s["tx_tso_large"] > 1000 and s["tx_tso_large"] * 64000 > s["tx_copied_bytes"] / 2
         else 1)' "$json" "$ifn" 2>&1)
        if [ $? -eq 0 ]; then
            pass "netstack-$ifn-counters ($line)"
        else
            fail "netstack-$ifn-counters" "${line:-no answer} (console: $(echo "$json" | head -c 200))"
        fi
    done
}
check_stack_counters

# The stack's frames (-R ran on both sides) left from its own buffers: the
# drivers map the "-up" regions in ringwall.conf, so the router lent them to
# the NICs and copied nothing, and every one came back.
js=$(router_cmd "show counters --json")
if copied=$(router_json_get "$js" 'd["interfaces"]["lan0"]["local_tx_copied"] + d["interfaces"]["wan0"]["local_tx_copied"]') &&
    sent=$(router_json_get "$js" 'min(d["interfaces"]["lan0"]["local_out"], d["interfaces"]["wan0"]["local_out"])') &&
    errs=$(router_json_get "$js" 'd["interfaces"]["lan0"]["ring_errors"] + d["interfaces"]["wan0"]["ring_errors"]') &&
    [ "$copied" = 0 ] && [ "$sent" -gt 1000 ] && [ "$errs" = 0 ]; then
    pass "netstack-tx-zero-copy (at least $sent frames sent per NIC, 0 bytes copied)"
else
    fail netstack-tx-zero-copy "copied ${copied:-?} sent ${sent:-?} ring errors ${errs:-?}: $(echo "$js" | head -c 300)"
fi

# A TCP connection to a closed port is refused with a reset, at once.
refused=$($LAB_A timeout 5 bash -c 'exec 3<>/dev/tcp/198.18.0.1/5999' 2>&1)
if echo "$refused" | grep -q 'refused'; then
    pass netstack-closed-port-rst
else
    fail netstack-closed-port-rst "no RST from 198.18.0.1:5999"
fi
lab_clean_log netstack-clean-log "netstack: lwIP"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
