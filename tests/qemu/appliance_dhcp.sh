#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DHCP on an appliance interface, in the network lab: busybox udhcpd on the b
# side (198.19.0.2) serves 198.19.0.100-110/24, and the dhcp ISO
# (tests/qemu/dhcp.conf: the default layout with `interface wan0 ... dhcp`)
# boots. The network stack's DHCP client must report a lease from that range
# on the serial log, the router must take the address (its log line, and the
# console's show interfaces --json), and the b side must then reach the
# appliance at the leased address (ping, iperf3 both ways) while the lan side
# keeps its configured 198.18.0.1. Its drivers do not map the "-up" regions,
# so the stack's frames must go out as copies. Prints PASS/FAIL lines and "N passed, N failed".
# Namespaces are named from LAB_PFX (tests/qemu/vnet_lab.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/test/dhcp.iso}
LAB_WORK=${LAB_WORK:-/tmp/appliance-dhcp-lab}
PY=$(command -v /usr/bin/python3 || command -v python3)
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
DPID=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
    lab_down
}
trap cleanup EXIT

[ -f "$ISO" ] || { echo "FAIL iso: $ISO missing"; exit 1; }
command -v busybox >/dev/null || { echo "FAIL busybox: not installed"; exit 1; }
lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
cat >"$LAB_WORK/udhcpd.conf" <<CONF
start 198.19.0.100
end 198.19.0.110
interface eth0
max_leases 10
lease_file $LAB_WORK/udhcpd.leases
pidfile $LAB_WORK/udhcpd.pid
auto_time 0
option subnet 255.255.255.0
option lease 600
CONF
: >"$LAB_WORK/udhcpd.leases"
$LAB_B busybox udhcpd -f "$LAB_WORK/udhcpd.conf" >"$LAB_WORK/udhcpd.log" 2>&1 &
DPID=$!
lab_qemu "$ISO" ""

if lab_wait "netstack: wan0: DHCP lease 198\.19\.0\.1(0[0-9]|10)/24" 120; then
    lease=$(grep -ao "netstack: wan0: DHCP lease [0-9.]*/24" "$LAB_WORK/serial.log" | head -1)
    addr=$(echo "$lease" | sed 's/.* lease \([0-9.]*\)\/24/\1/')
    pass "dhcp-lease ($addr)"
else
    fail dhcp-lease "no lease in $LAB_WORK/serial.log"
    addr=198.19.0.100
fi
if lab_wait "router: wan0 address $addr/24 \(DHCP\)" 10; then
    pass dhcp-router-learned
else
    fail dhcp-router-learned "no router line for $addr"
fi
json=$(router_cmd "show interfaces --json")
got=$("$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
i = [x for x in d["interfaces"] if x["name"] == "wan0"][0]
print("%s/%d leases=%d" % (i["address"], i["prefix"], i["stack"]["dhcp_leases"]))' "$json" 2>&1)
if [ "$got" = "$addr/24 leases=1" ]; then
    pass "dhcp-console ($got)"
else
    fail dhcp-console "wan0 shows '$got'"
fi
lab_ping dhcp-wan-ping "$VN_B" "$addr" -c 20 -i 0.05 -w 30
lab_ping dhcp-lan-ping "$VN_A" 198.18.0.1 -c 10 -i 0.05 -w 30
router_iperf dhcp-wan-iperf3 "$VN_B" "$addr"
router_iperf dhcp-wan-iperf3-reverse "$VN_B" "$addr" -R
# Here the drivers do not map the "-up" regions: the router copies the
# stack's frames into NIC buffers instead of lending them.
js=$(router_cmd "show counters --json")
if copied=$(router_json_get "$js" 'd["interfaces"]["wan0"]["local_tx_copied"]') &&
    [ "${copied:-0}" -gt 1000000 ]; then
    pass "dhcp-tx-copied-without-mapping ($copied bytes)"
else
    fail dhcp-tx-copied-without-mapping "local_tx_copied ${copied:-?}"
fi
lab_clean_log dhcp-clean-log
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
