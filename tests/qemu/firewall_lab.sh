#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The firewall in the network lab: boots the fwlab ISO (tests/qemu/firewall.conf:
# the default layout with a stateful rule set, masquerade on wan0, port 8080
# forwarded to 198.18.0.2:5201, wan MTU 1400) and checks each rule action
# with real traffic: a blocked port times out, a rejected TCP port gets a
# RST and a rejected UDP port an ICMP port unreachable, an allowed port
# connects; flows from the lan pass and their replies come back by state
# while new flows from the wan are blocked; the far side sees the lan's
# traffic from 198.19.0.1 (masquerade); the forwarded port reaches the lan's
# iperf3 server; oversized DF packets get "fragmentation needed" with the
# wan MTU while oversized packets without DF are fragmented; and a SYN flood beyond the state table does not break an
# established iperf3 flow. PASS/FAIL lines and "N passed, N failed".
# Uses the lab's fixed namespace names (vn-a, vn-b, vn-lab): run it alone.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/test/fwlab.iso}
LAB_WORK=${LAB_WORK:-/tmp/firewall-lab}
PY=/usr/bin/python3
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; lab_down' EXIT

router_lab_start firewall

# vn-b listens on TCP 7001, 7002, 7004 and records who connected.
$LAB_B "$PY" -c '
import socket, select, sys
ls = []
for port in (7001, 7002, 7004):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16); ls.append(s)
while True:
    r, _, _ = select.select(ls, [], [])
    for s in r:
        c, a = s.accept()
        print("accepted", s.getsockname()[1], a[0], flush=True)
        c.close()
' >"$LAB_WORK/listener.log" 2>&1 &
PIDS+=($!)
sleep 1

# tcp_probe PORT: "open", "refused" or "timeout" for a connection from vn-a.
tcp_probe() {
    $LAB_A "$PY" -c '
import socket, sys
s = socket.socket(); s.settimeout(3)
try:
    s.connect(("198.19.0.2", int(sys.argv[1]))); print("open")
except ConnectionRefusedError: print("refused")
except socket.timeout: print("timeout")
except OSError as e: print("error", e)
' "$1"
}
expect() { # NAME GOT WANT
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
expect rule-allowed-port-connects "$(tcp_probe 7004)" open
expect rule-block-times-out "$(tcp_probe 7001)" timeout
expect rule-reject-tcp-rst "$(tcp_probe 7002)" refused
udp=$($LAB_A "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.connect(("198.19.0.2", 7003))
try:
    s.send(b"x"); s.recv(10); print("answered")
except ConnectionRefusedError: print("unreachable")
except socket.timeout: print("timeout")
')
expect rule-reject-udp-icmp "$udp" unreachable
if grep -q "accepted 7004 198.19.0.1" "$LAB_WORK/listener.log"; then
    pass nat-masquerade-seen
else
    fail nat-masquerade-seen "listener saw: $(tr '\n' ' ' <"$LAB_WORK/listener.log")"
fi
if grep -q "accepted 7001\|accepted 7002" "$LAB_WORK/listener.log"; then
    fail rule-blocked-never-arrive "$(tr '\n' ' ' <"$LAB_WORK/listener.log")"
else
    pass rule-blocked-never-arrive
fi

# The block rule for 7001 says "log": the console shows the attempt.
js=$(router_cmd "show log --json")
if router_json_get "$js" '[e for e in d["entries"] if e["dport"] == 7001 and e["action"] == "block"][0]["src"]' 2>/dev/null | grep -q 198.18.0.2 &&
    grep -aq "router: log rule .* block in on lan0 proto 6 198.18.0.2:[0-9]* -> 198.19.0.2:7001" "$LAB_WORK/serial.log"; then
    pass rule-log-shown
else
    fail rule-log-shown "$js"
fi
js=$(router_cmd "show rules --json")
rej=$(router_json_get "$js" '[x for x in d["rules"] if "7002" in x["rule"]][0]["packets"]' 2>/dev/null)
if [ "${rej:-0}" -ge 1 ]; then pass "rule-counters ($rej packets rejected on 7002)"; else
    fail rule-counters "$js"; fi

lab_ping state-replies-pass "$VN_A" 198.19.0.2 -c 10 -i 0.05 -w 20
new=$($LAB_B ping -c 3 -i 0.2 -W 1 198.18.0.2 2>&1 | grep -o '[0-9]* received')
expect state-new-inbound-blocked "$new" "0 received"
lab_ping wan-appliance-ping-allowed "$VN_B" 198.19.0.1 -c 5 -i 0.05 -w 10

# The wan MTU is 1400. Packets larger than that without DF are cut to fit
# (tested before the DF test below teaches the lan side the path MTU): the
# far side reassembles each echo request (its checksum covers all pieces)
# and the 1428-byte reply comes back whole through the lan's 1500-byte MTU.
lab_ping mtu-fragmented-without-df "$VN_A" 198.19.0.2 -c 5 -i 0.05 -s 1400 -M dont -w 10
# A UDP datagram of 1479 bytes without DF arrives whole, from two pieces.
$LAB_B timeout 8 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7005)); s.settimeout(6)
try:
    d, a = s.recvfrom(4096); print(len(d), d == bytes(range(256)) * 5 + b"end" * 57)
except socket.timeout: print("timeout")
' >"$LAB_WORK/frag-udp.log" 2>&1 &
rcv=$!
sleep 1
$LAB_A "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: no DF
s.sendto(bytes(range(256)) * 5 + b"end" * 57, ("198.19.0.2", 7005))
'
wait "$rcv"
got=$(cat "$LAB_WORK/frag-udp.log")
js=$(router_cmd "show counters --json")
cuts=$(router_json_get "$js" 'd["interfaces"]["wan0"]["fragmented"]' 2>/dev/null)
pieces=$(router_json_get "$js" 'd["interfaces"]["wan0"]["fragments"]' 2>/dev/null)
if [ "$got" = "1451 True" ] && [ "${cuts:-0}" -ge 6 ] && [ "${pieces:-0}" -ge 12 ]; then
    pass "mtu-fragmented-udp-intact ($cuts packets cut into $pieces fragments)"
else
    fail mtu-fragmented-udp-intact "received '$got', fragmented ${cuts:-?}, fragments ${pieces:-?}"
fi

# With DF they get "fragmentation needed" with the wan MTU instead.
big=$($LAB_A ping -c 2 -W 2 -s 1400 -M do 198.19.0.2 2>&1)
if echo "$big" | grep -qE 'Frag needed and DF set \(mtu = 1400\)|mtu=1400'; then
    pass mtu-frag-needed-1400
else
    fail mtu-frag-needed-1400 "$(echo "$big" | tr '\n' '|')"
fi
lab_ping mtu-1372-fits "$VN_A" 198.19.0.2 -c 5 -i 0.05 -s 1372 -M "do" -w 10

# Port forwarding: wan 198.19.0.1:8080 -> lan 198.18.0.2:5201 (iperf3).
$LAB_A iperf3 -s >"$LAB_WORK/iperf3-lan.log" 2>&1 &
PIDS+=($!)
$LAB_B iperf3 -s >"$LAB_WORK/iperf3-wan.log" 2>&1 &
PIDS+=($!)
sleep 1
router_iperf rdr-port-forward-iperf3 "$VN_B" 198.19.0.1 -p 8080
router_iperf nat-iperf3-tcp "$VN_A" 198.19.0.2
router_iperf nat-iperf3-tcp-reverse "$VN_A" 198.19.0.2 -R

# SYN flood above the state table's capacity while an iperf3 flow runs.
$LAB_A timeout 60 iperf3 -c 198.19.0.2 -t 10 -J >"$LAB_WORK/flood-iperf3.json" 2>&1 &
flow=$!
sleep 2
$LAB_A timeout 20 hping3 -q -S -p 7004 -i u40 -c 12000 198.19.0.2 >"$LAB_WORK/hping3.log" 2>&1
if wait "$flow" && res=$(router_mbps <"$LAB_WORK/flood-iperf3.json" 2>&1); then
    pass "state-flood-established-survives ($res)"
else
    fail state-flood-established-survives "see $LAB_WORK/flood-iperf3.json"
fi
sleep 1
expect after-flood-new-flow-connects "$(tcp_probe 7004)" open
lab_clean_log firewall-clean-log
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
