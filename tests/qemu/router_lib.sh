# SPDX-License-Identifier: MIT
# Helpers of the router lab tests (tests/qemu/router_lab.sh, firewall_lab.sh),
# sourced after tests/qemu/vnet_lab.sh: PASS/FAIL counting, the side routes
# through the appliance, an iperf3 check, and the malformed-packet check.
# Not a test by itself.

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

# Each side reaches the other (and 198.20.0.0/24, which has no route in the
# appliance) through the appliance.
router_routes() {
    $LAB_A ip route add 198.19.0.0/24 via 198.18.0.1
    $LAB_A ip route add 198.20.0.0/24 via 198.18.0.1
    $LAB_B ip route add 198.18.0.0/24 via 198.19.0.1
}

# router_lab_start NAME: boots $ISO in a fresh lab with the side routes
# through it and checks it comes up ("NAME-up"); exits on a missing ISO or lab.
router_lab_start() {
    [ -f "$ISO" ] || { echo "FAIL iso: $ISO missing"; exit 1; }
    lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
    router_routes
    lab_qemu "$ISO" ""
    if lab_ready; then pass "$1-up"; else fail "$1-up" "see $LAB_WORK/serial.log"; fi
}

# Mbit/s from iperf3 -J output on stdin; fails on an error or zero throughput.
router_mbps() {
    "$PY" -c '
import json, sys
d = json.load(sys.stdin)
if d.get("error"):
    sys.exit("iperf3: " + d["error"])
end = d["end"]
s = end.get("sum_received") or end.get("sum")
bps = s["bits_per_second"]
extra = ""
if "lost_percent" in s:
    extra = ", lost %.2f%%" % s["lost_percent"]
print("%.1f Mbit/s%s" % (bps / 1e6, extra))
sys.exit(0 if bps > 0 else "zero throughput")'
}

# router_iperf NAME NS ADDR IPERF-ARGS...: one iperf3 run that must succeed,
# then IPERF_PAUSE seconds (default 0.5) for the server to be ready again.
router_iperf() {
    local name=$1 ns=$2 addr=$3 json res
    shift 3
    json=$(timeout 60 ip netns exec "$ns" iperf3 -c "$addr" -t 3 -J "$@" 2>&1)
    if res=$(echo "$json" | router_mbps 2>&1); then
        pass "$name ($res)"
    else
        echo "$json" >"$LAB_WORK/$name.json"
        fail "$name" "$(echo "$res" | tail -1), see $LAB_WORK/$name.json"
    fi
    sleep "${IPERF_PAUSE:-0.5}"
}

# Sends malformed IPv4 packets (each with a marker) from vn-a to vn-b through
# the appliance, and one with IP options that is fine: vn-b must see only the
# good one.
router_malformed_check() {
    local seen
    $LAB_B timeout 20 "$PY" -c '
from scapy.all import sniff, UDP, Raw
import sys
ps = sniff(iface="eth0", filter="udp port 9999", timeout=6)
for p in ps:
    if Raw in p:
        print(bytes(p[Raw].load).decode(errors="replace"))
' >"$LAB_WORK/malformed-seen.txt" 2>"$LAB_WORK/malformed-sniff.err" &
    local sniffer=$!
    sleep 2
    $LAB_A timeout 20 "$PY" -c '
from scapy.all import Ether, IP, UDP, Raw, IPOption, sendp
import sys
mac = sys.argv[1]
def pkt(mark, **ip):
    return Ether(dst=mac) / IP(src="198.18.0.2", dst="198.19.0.2", **ip) / UDP(sport=9999, dport=9999) / Raw(mark.encode())
bad = [
    ("RW-BAD-IHL", bytes(pkt("RW-BAD-IHL", ihl=4))),
    ("RW-BAD-IHL-LONG", bytes(pkt("RW-BAD-IHL-LONG", ihl=15))),
    ("RW-BAD-TOTLEN", bytes(pkt("RW-BAD-TOTLEN", len=1400))),
    ("RW-BAD-SHORTLEN", bytes(pkt("RW-BAD-SHORTLEN", len=12))),
    ("RW-BAD-CSUM", bytes(pkt("RW-BAD-CSUM", chksum=0x1234))),
    ("RW-BAD-VERSION", bytes(pkt("RW-BAD-VERSION", version=6))),
]
for name, raw in bad:
    sendp(Ether(raw), iface="eth0", verbose=False)
sendp(Ether(dst=mac) / IP(src="198.18.0.2", dst="198.19.0.2")[0:1], iface="eth0", verbose=False)
good = pkt("RW-GOOD-OPTIONS", options=[IPOption(b"\x94\x04\x00\x00")])
sendp(good, iface="eth0", verbose=False)
' "$LAB_MAC0" 2>"$LAB_WORK/malformed-send.err"
    wait "$sniffer"
    seen=$(tr '\n' ' ' <"$LAB_WORK/malformed-seen.txt")
    if grep -q "RW-GOOD-OPTIONS" "$LAB_WORK/malformed-seen.txt"; then
        pass "fwd-ip-options-forwarded"
    else
        fail "fwd-ip-options-forwarded" "vn-b saw: ${seen:-nothing}"
    fi
    if grep -q "RW-BAD" "$LAB_WORK/malformed-seen.txt"; then
        fail "malformed-dropped" "forwarded: $(grep -o 'RW-BAD[A-Z-]*' "$LAB_WORK/malformed-seen.txt" | tr '\n' ' ')"
    else
        pass "malformed-dropped"
    fi
}

# router_cmd LINE: types LINE on the appliance console and prints the answer
# (what the console printed up to its next prompt); empty after 10 s.
router_cmd() {
    local log=$LAB_WORK/serial.log start i
    start=$(stat -c %s "$log")
    lab_console "$1"
    for ((i = 0; i < 100; i++)); do
        sleep 0.1
        tail -c +"$((start + 1))" "$log" | tr -d '\r' | grep -q '^ringwall> $' && break
    done
    tail -c +"$((start + 1))" "$log" | tr -d '\r' | sed -n '2,$p' | sed '/^ringwall> $/,$d'
}

# lab_clean_log NAME [MUST_SAY]: passes if the serial log has no fault,
# refusal or lwIP assertion (and says MUST_SAY, when given).
lab_clean_log() {
    local log=$LAB_WORK/serial.log
    if { [ -z "${2:-}" ] || grep -aq "$2" "$log"; } && ! grep -aq "faulted\|refusing\|assertion" "$log"; then
        pass "$1"
    else
        fail "$1" "see $log"
    fi
}

# router_json_get JSON EXPR: evaluates a Python expression over the parsed
# JSON (as d); prints the result or fails if the JSON does not parse.
router_json_get() {
    "$PY" -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
