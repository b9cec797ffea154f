#!/bin/sh
# SPDX-License-Identifier: MIT
# Host network test: runs lwIP and the iperf3 server (build/tests/iperf3_host)
# on a TAP device inside a network namespace this script creates, and drives it
# with the real iperf3 client: TCP, -R, -P 4, UDP at 50 Mbit/s (all with -J,
# checked for valid JSON and non-zero throughput), a second client refused while
# a test runs, and a client killed mid-test followed by a good test. Prints one
# PASS/FAIL line per check, cleans up, and exits non-zero if any check failed.
# Addresses: 198.18.0.1 (lwIP) and 198.18.0.2 (host side), RFC 2544 range.
set -u
B=${B:-build}
HARNESS=${HARNESS:-$B/tests/iperf3_host}
LOG=${LOG:-$B/test-logs/iperf3_host}
T=${T:-3}
NS=rwnet$$
TAP=rwtap0
SERVER=198.18.0.1
fails=0
hpid=

mkdir -p "$LOG"
cleanup() {
    [ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT INT TERM

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
inns() { ip netns exec "$NS" "$@"; }

# Prints the throughput of an iperf3 -J result in Mbit/s; fails on bad JSON.
mbps() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
if "error" in r: sys.exit("iperf3 error: " + r["error"])
e = r["end"]
s = e.get("sum_received") or e.get("sum")
bps = s["bits_per_second"]
if bps <= 0: sys.exit("no throughput")
extra = ""
if "sum" in e and "lost_percent" in e["sum"]:
    extra = ", lost %.2f%%, jitter %.3f ms" % (e["sum"]["lost_percent"], e["sum"]["jitter_ms"])
print("%.1f Mbit/s%s" % (bps / 1e6, extra))
' "$1"
}

# run_json NAME ARGS...: one iperf3 -J test that must succeed.
run_json() {
    name=$1
    shift
    out=$LOG/$name.json
    if inns timeout 60 iperf3 -c "$SERVER" -J "$@" >"$out" 2>&1 && res=$(mbps "$out" 2>&1); then
        pass "iperf3 $name: $res"
    else
        fail "iperf3 $name (see $out) $(echo "${res:-}" | tail -1)"
    fi
}

start() {
    ip netns add "$NS" || exit 1
    inns ip link set lo up
    # not through inns: $! must be the harness itself (ip netns exec execs it)
    ip netns exec "$NS" "$HARNESS" "$TAP" "$SERVER" >"$LOG/harness.log" 2>&1 &
    hpid=$!
    # creating the tap can wait on the kernel tearing down an earlier test's
    # namespaces: allow it 30 s
    for _ in $(seq 300); do
        grep -q "^ready" "$LOG/harness.log" 2>/dev/null && break
        kill -0 "$hpid" 2>/dev/null || break
        sleep 0.1
    done
    inns ip addr add 198.18.0.2/24 dev "$TAP" &&
        inns ip link set "$TAP" up || { fail "harness start"; exit 1; }
    if inns ping -c 1 -W 5 "$SERVER" >/dev/null; then pass "ping $SERVER"; else fail "ping"; fi
}

# A second client while a test runs must be told ACCESS_DENIED (-1).
check_busy() {
    inns iperf3 -c "$SERVER" -t 5 -J >"$LOG/busy_first.json" 2>&1 &
    first=$!
    sleep 1.5
    if inns timeout 20 iperf3 -c "$SERVER" -t 1 >"$LOG/busy_second.txt" 2>&1; then
        fail "second client refused (it ran)"
    elif grep -q "busy" "$LOG/busy_second.txt"; then
        pass "second client refused: $(grep -o 'the server is busy[^.]*' "$LOG/busy_second.txt")"
    else
        fail "second client refused ($(tail -1 "$LOG/busy_second.txt"))"
    fi
    if wait "$first" && mbps "$LOG/busy_first.json" >/dev/null 2>&1; then
        pass "first client unaffected"
    else
        fail "first client (see $LOG/busy_first.json)"
    fi
}

# A client killed mid-test must leave the server ready for the next one.
check_killed() {
    inns timeout -s KILL 2 iperf3 -c "$SERVER" -t 10 >/dev/null 2>&1
    inns timeout -s KILL 2 iperf3 -c "$SERVER" -t 10 -R >/dev/null 2>&1
    sleep 1
    run_json after_kill -t 2
}

start
run_json tcp -t "$T"
run_json reverse -t "$T" -R
run_json parallel4 -t "$T" -P 4
run_json udp50M -t "$T" -u -b 50M
check_busy
check_killed
kill "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null
hpid=
echo "harness: $(tail -1 "$LOG/harness.log")"
[ "$fails" -eq 0 ] && echo "iperf3_host: all passed" || echo "iperf3_host: $fails failed"
[ "$fails" -eq 0 ]
