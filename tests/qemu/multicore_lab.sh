#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two router instances in the network lab: boots the multicore ISO
# (tests/qemu/multicore.conf: router0 owns lan0 on core 0, router1 owns wan0
# on core 1, the fabric between them, a stateful ruleset) and sends real
# traffic through it between vn-a (198.18.0.2) and vn-b (198.19.0.2): pings
# both ways and to both appliance addresses from both sides, the real
# iperf3 client (TCP, -R, -P 4, UDP). The console must show both instances,
# each with its own interface, frames forwarded and handed over the fabric
# on both, and no byte copied. The ruleset's state must work across the
# instances (lan-side flows pass with their replies, a new TCP flow from
# the wan side is blocked and counted). Then router1 is restarted, and
# router0 killed by an injected abort: each time forwarding must work again.
# PASS/FAIL lines and "N passed, N failed". Namespaces from LAB_PFX.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/test/multicore.iso}
LAB_WORK=${LAB_WORK:-/tmp/multicore-lab}
PY=/usr/bin/python3
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
trap 'kill $SRV $SRV_A 2>/dev/null; lab_down' EXIT
SRV=
SRV_A=

# mc_check NAME JSON EXPR: passes if the Python expression over d is true.
mc_check() {
    if [ "$(router_json_get "$2" "$3" 2>/dev/null)" = True ]; then pass "$1"; else fail "$1" "$3: $2"; fi
}

router_lab_start multicore
if grep -aq "router0: instance 0 of 2" "$LAB_WORK/serial.log" &&
    grep -aq "router1: instance 1 of 2" "$LAB_WORK/serial.log"; then
    pass two-instances-started
else
    fail two-instances-started "see $LAB_WORK/serial.log"
fi
lab_ping fwd-ping-a-to-b "$VN_A" 198.19.0.2 -c 20 -i 0.05 -w 30
lab_ping fwd-ping-b-to-a "$VN_B" 198.18.0.2 -c 20 -i 0.05 -w 30
lab_ping fwd-ping-1472-df "$VN_A" 198.19.0.2 -c 10 -i 0.05 -s 1472 -M "do" -w 30
lab_ping ping-a-to-lan0 "$VN_A" 198.18.0.1 -c 5 -i 0.05 -w 10
lab_ping ping-a-to-wan0 "$VN_A" 198.19.0.1 -c 5 -i 0.05 -w 10
lab_ping ping-b-to-wan0 "$VN_B" 198.19.0.1 -c 5 -i 0.05 -w 10
lab_ping ping-b-to-lan0 "$VN_B" 198.18.0.1 -c 5 -i 0.05 -w 10

$LAB_B iperf3 -s >"$LAB_WORK/iperf3-server.log" 2>&1 &
SRV=$!
sleep 1
router_iperf fwd-iperf3-tcp "$VN_A" 198.19.0.2
router_iperf fwd-iperf3-tcp-reverse "$VN_A" 198.19.0.2 -R
router_iperf fwd-iperf3-tcp-P4 "$VN_A" 198.19.0.2 -P 4
router_iperf fwd-iperf3-udp-100M "$VN_A" 198.19.0.2 -u -b 100M

# A new flow from the wan side: blocked by router1 (policy wan0 in block),
# while the flows above, created by router1 on the way out of wan0 for
# frames router0 handed it, passed with their replies.
$LAB_A iperf3 -s -p 5202 >"$LAB_WORK/iperf3-a.log" 2>&1 &
SRV_A=$!
sleep 1
if timeout 20 ip netns exec "$VN_B" iperf3 -c 198.18.0.2 -p 5202 -t 2 --connect-timeout 3000 \
    >"$LAB_WORK/blocked.log" 2>&1; then
    fail new-inbound-blocked "a TCP flow from vn-b reached vn-a: $(tail -2 "$LAB_WORK/blocked.log")"
else
    pass new-inbound-blocked
fi

js=$(router_cmd "show counters --json")
echo "$js" >"$LAB_WORK/counters.json"
mc_check console-json-keyed-by-instance "$js" 'sorted(d) == ["router0", "router1"]'
mc_check each-instance-shows-its-interface "$js" \
    'list(d["router0"]["interfaces"]) == ["lan0"] and list(d["router1"]["interfaces"]) == ["wan0"]'
mc_check forwarded-on-both-instances "$js" \
    'd["router0"]["interfaces"]["lan0"]["fwd_frames"] > 1000 and d["router1"]["interfaces"]["wan0"]["fwd_frames"] > 1000'
mc_check handed-over-the-fabric "$js" \
    'd["router0"]["interfaces"]["lan0"]["fabric_out"] > 1000 and d["router1"]["interfaces"]["wan0"]["fabric_out"] > 1000 and d["router0"]["interfaces"]["lan0"]["fabric_drops"] + d["router1"]["interfaces"]["wan0"]["fabric_drops"] == 0'
mc_check zero-copy-across-instances "$js" \
    'd["router0"]["interfaces"]["lan0"]["fwd_copied"] + d["router1"]["interfaces"]["wan0"]["fwd_copied"] == 0'
mc_check state-on-router1 "$js" \
    'd["router1"]["filter"]["state_hits"] > 1000 and d["router1"]["filter"]["drops"]["policy"] > 0'
mc_check fabric-nothing-refused "$js" \
    'd["router0"]["fabric"]["router1"]["refused"] + d["router1"]["fabric"]["router0"]["refused"] == 0'
out=$(router_cmd "show interfaces")
if echo "$out" | grep -q '^== router0 (lan0) ==' && echo "$out" | grep -q '^== router1 (wan0) =='; then
    pass console-text-headers
else
    fail console-text-headers "$out"
fi
out=$(router_cmd "reload")
if [ "$(echo "$out" | grep -c '^reload: ok')" = 2 ]; then pass reload-every-instance; else fail reload-every-instance "$out"; fi
if ! grep -aq "faulted\|refusing\|assertion" "$LAB_WORK/serial.log"; then
    pass clean-log
else
    fail clean-log "see $LAB_WORK/serial.log"
fi

# Restarts: router1 by the operator, router0 by an injected abort.
for how in "restart router1" "inject router0 abort"; do
    name=$(echo "$how" | tr ' ' '-')
    router_cmd "$how" >>"$LAB_WORK/console.txt"
    sleep 3
    lab_ping "fwd-after-$name" "$VN_A" 198.19.0.2 -c 10 -i 0.1 -w 30
    router_iperf "fwd-iperf3-after-$name" "$VN_A" 198.19.0.2
done
js=$(router_cmd "show counters --json")
echo "$js" >"$LAB_WORK/counters-after.json"
# router0 saw router1 come back (its own counters went with the abort that
# followed: the serial log keeps its word), router1 saw router0 come back.
if grep -aq "router0: router1 restarted" "$LAB_WORK/serial.log"; then
    pass router0-saw-router1-restart
else
    fail router0-saw-router1-restart "see $LAB_WORK/serial.log"
fi
mc_check router1-saw-router0-restart "$js" 'd["router1"]["fabric"]["router0"]["restarts"] >= 1'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
