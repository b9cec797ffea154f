#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Recovery under traffic: boots the shipped ISO in the lab and runs a 30 s
# iperf3 TCP flow through the appliance (vn-a -> vn-b) and one to the
# appliance itself (vn-b -> 198.19.0.1) while a UDP probe
# (tests/qemu/udp_probe.py, one datagram a millisecond) measures forwarding
# interruptions, and kills a virtio-net driver 10 times at random moments
# from the console ("restart vnet0|vnet1"). Both iperf3 runs must complete
# without an error, the kernel must not panic, init must log every restart, and the
# probe must see the traffic come back after each. Then faults injected from
# the console: a driver that dereferences a bad pointer and a network stack
# stuck in a loop (caught by the heartbeat) both come back and serve again.
# Last, the network stack and the router are restarted while the appliance
# sends (iperf3 -R): its rings are reset only with every buffer back from
# the NIC, and iperf3 -R runs again after each.
# PASS/FAIL lines and "N passed, N failed". Run it alone (lab namespaces).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/ringwall.iso}
LAB_WORK=${LAB_WORK:-/tmp/recovery-lab}
PY=/usr/bin/python3
KILLS=${KILLS:-10}
T=${T:-30}
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; lab_down' EXIT

router_lab_start recovery
$LAB_B iperf3 -s >"$LAB_WORK/iperf3-server.log" 2>&1 &
PIDS+=($!)
$LAB_B "$PY" tests/qemu/udp_probe.py recv "$((T + 6))" >"$LAB_WORK/probe.json" &
probe=$!
sleep 1
$LAB_A "$PY" tests/qemu/udp_probe.py send 198.19.0.2 "$((T + 2))" >/dev/null &
PIDS+=($!)
$LAB_A timeout $((T + 60)) iperf3 -c 198.19.0.2 -t "$T" -J >"$LAB_WORK/iperf3.json" 2>&1 &
flow=$!
# and one from the appliance itself (its network stack sends: the NIC sends
# from the stack's buffers, which a killed driver must give back)
$LAB_B timeout $((T + 60)) iperf3 -c 198.19.0.1 -t "$T" -R -J >"$LAB_WORK/iperf3-local.json" 2>&1 &
local_flow=$!

# Kill a driver at random moments, spread over the flow.
restarts_before=$(grep -ac "restarted by" "$LAB_WORK/serial.log")
span=$(((T - 4) * 1000 / KILLS))
for ((i = 0; i < KILLS; i++)); do
    sleep "$(awk -v s="$span" -v r="$RANDOM" 'BEGIN {printf "%.3f", (s * 0.5 + (r % 1000) * s / 2000) / 1000}')"
    router_cmd "restart vnet$((i % 2))" >>"$LAB_WORK/console.txt"
done
if wait "$flow" && res=$(router_mbps <"$LAB_WORK/iperf3.json" 2>&1); then
    pass "iperf3-through-survives-$KILLS-driver-kills ($res)"
else
    fail "iperf3-through-survives-$KILLS-driver-kills" "see $LAB_WORK/iperf3.json"
fi
if wait "$local_flow" && res=$(router_mbps <"$LAB_WORK/iperf3-local.json" 2>&1); then
    pass "iperf3-to-appliance-survives-$KILLS-driver-kills ($res)"
else
    fail "iperf3-to-appliance-survives-$KILLS-driver-kills" "see $LAB_WORK/iperf3-local.json"
fi
wait "$probe"
logged=$(($(grep -ac "restarted by" "$LAB_WORK/serial.log") - restarts_before))
if [ "$logged" -eq "$KILLS" ]; then
    pass "every-restart-logged ($logged)"
else
    fail every-restart-logged "$logged of $KILLS restarts in the serial log"
fi
gaps=$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
ms = sorted(g["ms"] for g in d["gaps"])
med = ms[len(ms) // 2] if ms else 0
print(len(ms), med, ms[-1] if ms else 0, d["received"], d["lost"])' "$LAB_WORK/probe.json" 2>/dev/null)
read -r ngaps med worst got lost <<<"${gaps:-0 0 0 0 0}"
if [ "$got" -gt 0 ] && [ "$ngaps" -ge 1 ]; then
    pass "probe-sees-interruptions ($ngaps gaps, median $med ms, worst $worst ms; $lost of $((got + lost)) lost)"
else
    fail probe-sees-interruptions "probe: ${gaps:-no result}"
fi
lab_ping forwarding-after-kills "$VN_A" 198.19.0.2 -c 10 -i 0.05 -w 20

# Injected faults: a driver that hands its client a descriptor naming no
# buffer, a bad pointer in a driver, a loop in the network stack.
before=$(router_json_get "$(router_cmd "show counters --json")" 'd["interfaces"]["lan0"]["ring_errors"]' 2>/dev/null)
router_cmd "inject vnet0 bad-descriptor" >>"$LAB_WORK/console.txt"
lab_ping forwarding-after-bad-descriptor "$VN_A" 198.19.0.2 -c 10 -i 0.05 -w 20
after=$(router_json_get "$(router_cmd "show counters --json")" 'd["interfaces"]["lan0"]["ring_errors"]' 2>/dev/null)
if [ -n "$before" ] && [ "${after:-0}" -gt "$before" ]; then
    pass "inject-bad-descriptor-counted (ring errors $before -> $after)"
else
    fail inject-bad-descriptor-counted "ring errors ${before:-?} -> ${after:-?}"
fi
router_cmd "inject vnet1 bad-pointer" >>"$LAB_WORK/console.txt"
sleep 2
if grep -aq "'vnet1' faulted" "$LAB_WORK/serial.log"; then pass inject-bad-pointer-faults; else
    fail inject-bad-pointer-faults "no fault of vnet1 in the serial log"; fi
lab_ping forwarding-after-fault "$VN_A" 198.19.0.2 -c 10 -i 0.05 -w 20
router_cmd "inject netstack loop" >>"$LAB_WORK/console.txt"
sleep 4
if grep -aq "'netstack' stopped answering its heartbeat" "$LAB_WORK/serial.log"; then
    pass inject-loop-heartbeat
else
    fail inject-loop-heartbeat "no heartbeat restart of netstack in the serial log"
fi
lab_ping appliance-after-hang "$VN_A" 198.18.0.1 -c 5 -i 0.2 -w 30

# Restarts while the NIC is sending the stack's buffers (iperf3 -R from the
# appliance): a restarted network stack gets fresh rings only once they are
# back, and a restarted router takes over the ones its predecessor lent.
# Each interrupted run may fail; the next one must run clean.
IPERF_PAUSE=2
reset_before=$(grep -ac "fresh rings for a restarted network stack" "$LAB_WORK/serial.log")
for comp in netstack router; do
    $LAB_B timeout 40 iperf3 -c 198.19.0.1 -t 6 -R >/dev/null 2>&1 &
    sleep 3
    router_cmd "restart $comp" >>"$LAB_WORK/console.txt"
    wait $!
    sleep 2
    router_iperf "iperf3-R-after-$comp-restart-while-sending" "$VN_B" 198.19.0.1 -R -t 3
    if [ "$comp" = netstack ]; then
        resets=$(($(grep -ac "fresh rings for a restarted network stack" "$LAB_WORK/serial.log") - reset_before))
        if [ "$resets" -ge 2 ] && ! grep -aq "buffers still at the NIC" "$LAB_WORK/serial.log"; then
            pass "stack-rings-reset-with-every-buffer-back ($resets resets)"
        else
            fail stack-rings-reset-with-every-buffer-back "$resets resets; $(grep -a "still at the NIC" "$LAB_WORK/serial.log" | head -2)"
        fi
    fi
done
# The router restarted last: a stack restart now needs what it took over.
reset_before=$(grep -ac "fresh rings for a restarted network stack" "$LAB_WORK/serial.log")
router_cmd "restart netstack" >>"$LAB_WORK/console.txt"
sleep 4
router_iperf iperf3-R-after-netstack-restart-behind-new-router "$VN_B" 198.19.0.1 -R -t 3
resets=$(($(grep -ac "fresh rings for a restarted network stack" "$LAB_WORK/serial.log") - reset_before))
if [ "$resets" -ge 2 ]; then
    pass "stack-rings-reset-behind-new-router ($resets resets; $(grep -ac "still at the NIC" "$LAB_WORK/serial.log") forced)"
else
    fail stack-rings-reset-behind-new-router "$resets resets"
fi
if grep -aq "panic\|PANIC" "$LAB_WORK/serial.log"; then
    fail kernel-no-panic "see $LAB_WORK/serial.log"
else
    pass kernel-no-panic
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
