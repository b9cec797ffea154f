#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The router in the network lab: boots the shipped ISO (default ringwall.conf:
# two virtio-net drivers, the router, the network stack; accept everything)
# and sends real traffic THROUGH it between the lab's two sides, vn-a
# (198.18.0.2) and vn-b (198.19.0.2): ping both ways and at full size with DF,
# traceroute (the router's hop answers with time exceeded), a destination
# with no route (net unreachable), the real iperf3 client against an iperf3
# server on the far side (TCP, -R, -P 4, UDP), and malformed packets from
# scapy (bad IHL, lengths, checksum) that must be dropped while a packet with
# IP options is forwarded, with forwarding still working afterwards.
# PASS/FAIL lines and "N passed, N failed". Uses the lab's fixed namespace
# names (vn-a, vn-b, vn-lab), so run it alone.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/ringwall.iso}
LAB_WORK=${LAB_WORK:-/tmp/router-lab}
PY=/usr/bin/python3
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
trap 'kill $SRV 2>/dev/null; lab_down' EXIT
SRV=

router_lab_start router
lab_ping fwd-ping-a-to-b "$VN_A" 198.19.0.2 -c 20 -i 0.05 -w 30
lab_ping fwd-ping-b-to-a "$VN_B" 198.18.0.2 -c 20 -i 0.05 -w 30
lab_ping fwd-ping-1472-df "$VN_A" 198.19.0.2 -c 10 -i 0.05 -s 1472 -M "do" -w 30
lab_ping appliance-still-answers "$VN_A" 198.18.0.1 -c 5 -i 0.05 -w 10

# traceroute: hop 1 is the router (time exceeded from 198.18.0.1), hop 2 the far side.
tr=$($LAB_A traceroute -n -q 1 -w 2 -m 4 198.19.0.2 2>&1)
if echo "$tr" | grep -qE '^ 1  198\.18\.0\.1 ' && echo "$tr" | grep -qE '^ 2  198\.19\.0\.2 '; then
    pass traceroute-ttl-exceeded
else
    fail traceroute-ttl-exceeded "$(echo "$tr" | tr '\n' '|')"
fi
unr=$($LAB_A ping -c 1 -W 3 198.20.0.5 2>&1)
if echo "$unr" | grep -q 'From 198.18.0.1 .*Destination Net Unreachable'; then
    pass no-route-net-unreachable
else
    fail no-route-net-unreachable "$(echo "$unr" | tr '\n' '|')"
fi

$LAB_B iperf3 -s >"$LAB_WORK/iperf3-server.log" 2>&1 &
SRV=$!
sleep 1
router_iperf fwd-iperf3-tcp "$VN_A" 198.19.0.2
router_iperf fwd-iperf3-tcp-reverse "$VN_A" 198.19.0.2 -R
router_iperf fwd-iperf3-tcp-P4 "$VN_A" 198.19.0.2 -P 4
router_iperf fwd-iperf3-udp-100M "$VN_A" 198.19.0.2 -u -b 100M

# The console's counters: the forwarding path copied nothing, and TCP went
# through as offloaded multi-buffer frames (TSO: far more than an MTU each).
js=$(router_cmd "show counters --json")
if zc=$(router_json_get "$js" 'd["interfaces"]["wan0"]["fwd_copied"] + d["interfaces"]["lan0"]["fwd_copied"]') &&
    fw=$(router_json_get "$js" 'd["interfaces"]["wan0"]["fwd_frames"]') && [ "$zc" = 0 ] && [ "$fw" -gt 1000 ]; then
    pass "zero-copy-forwarding ($fw frames out of wan0, 0 bytes copied)"
else
    fail zero-copy-forwarding "copied ${zc:-?} frames ${fw:-?}: $js"
fi
avg=$(router_json_get "$js" 'd["interfaces"]["wan0"]["fwd_bytes"] // max(1, d["interfaces"]["wan0"]["fwd_frames"])')
if [ "${avg:-0}" -gt 3000 ]; then
    pass "tso-frames-forwarded-whole (average $avg bytes per frame)"
else
    fail tso-frames-forwarded-whole "average ${avg:-?} bytes per forwarded frame"
fi

# Malformed packets toward the far side: each must be dropped, the packet
# with IP options forwarded; vn-b listens for their markers.
router_malformed_check
lab_ping fwd-after-malformed "$VN_A" 198.19.0.2 -c 10 -i 0.05 -w 20
js=$(router_cmd "show counters --json")
bad=$(router_json_get "$js" 'd["interfaces"]["lan0"]["bad_frames"]' 2>/dev/null)
if [ "${bad:-0}" -ge 7 ]; then
    pass "malformed-counted ($bad bad frames on lan0)"
else
    fail malformed-counted "bad_frames ${bad:-?}: $js"
fi
out=$(router_cmd "reload")
if echo "$out" | grep -q "^reload: ok"; then pass console-reload; else fail console-reload "$out"; fi
out=$(router_cmd "show rules --json")
if router_json_get "$out" 'd["rules"][0]["packets"]' >/dev/null 2>&1; then
    pass console-show-rules-json
else
    fail console-show-rules-json "$out"
fi
lab_clean_log router-clean-log "router: 2 interfaces"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
