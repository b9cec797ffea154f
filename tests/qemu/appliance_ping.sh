#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shipped appliance in the network lab: boots build/ringwall.iso (init with
# the default ringwall.conf, so the drivers get their PCI devices from init's
# grants) with two virtio-net NICs, and pings both addresses: a 500-packet
# flood and full-size frames with 0% loss; then reads the network stack's
# counters through the console (show interfaces --json): every echo request
# reached lwIP as a frame over the ring buffers, none was dropped. Prints
# PASS/FAIL lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
LAB_WORK=${LAB_WORK:-/tmp/appliance-lab}
PY=$(command -v /usr/bin/python3 || command -v python3)
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
trap lab_down EXIT

lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
lab_qemu "$B/ringwall.iso" ""
if lab_ready; then pass appliance-up; else fail appliance-up "see $LAB_WORK/serial.log"; fi
lab_ping appliance-lan-flood "$VN_A" 198.18.0.1 -f -c 500 -w 30
lab_ping appliance-wan-flood "$VN_B" 198.19.0.1 -f -c 500 -w 30
lab_ping appliance-lan-1472 "$VN_A" 198.18.0.1 -c 20 -i 0.05 -s 1472 -M "do" -w 30
lab_ping appliance-wan-1472 "$VN_B" 198.19.0.1 -c 20 -i 0.05 -s 1472 -M "do" -w 30
json=$(router_cmd "show interfaces --json")
for ifn in lan0 wan0; do
    res=$("$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
s = [x for x in d["interfaces"] if x["name"] == sys.argv[2]][0]["stack"]
print("rx_frames=%d zero_copy=%d copied=%d rx_drops=%d tx_frames=%d" % (s["rx_frames"],
      s["rx_zero_copy"], s["rx_copied"], s["rx_drops"], s["tx_frames"]))
sys.exit(0 if s["rx_frames"] >= 520 and s["rx_zero_copy"] > 0 and s["rx_drops"] == 0 else 1)' \
        "$json" "$ifn" 2>&1)
    if [ $? -eq 0 ]; then pass "appliance-$ifn-stack-counters ($res)"; else fail "appliance-$ifn-stack-counters" "$res"; fi
done
lab_clean_log appliance-clean-log "init: started 'vnet0'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
