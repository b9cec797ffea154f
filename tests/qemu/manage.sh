#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fault injection and operator restarts from the management console, without
# any network: boots the manage test ISO (tests/qemu/manage.conf) with the
# serial console on a UNIX socket, types `restart` and `inject` commands on it
# and checks the serial log: init logs each restart, an operator restart is
# no failure, injected faults (bad pointer, hang, abort) are failures that
# back off and end in "marked failed", `restart` revives a failed component,
# the bad-descriptor hook is called (and "not supported" is relayed without
# one), unknown names and faults are refused, `show cpu` adds up (a looping
# component charged its CPU time, every core's busy + idle its uptime), and a component without
# manage=yes is not allowed to restart another. Prints PASS/FAIL lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
W=${MANAGE_WORK:-$B/manage-lab}
LOG=$W/serial.log
SOCK=$W/console.sock
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
QPID=
stop() {
    if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
        kill "$QPID" 2>/dev/null
        wait "$QPID" 2>/dev/null
    fi
}
trap stop EXIT

mkdir -p "$W"
rm -f "$LOG" "$SOCK"
timeout --foreground 600 qemu-system-x86_64 -accel "${ACCEL:-tcg}" -machine q35 -smp 2 \
    -m "${MEM:-512}" -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
    -chardev "socket,id=con,path=$SOCK,server=on,wait=off,logfile=$LOG" \
    -serial chardev:con -cdrom "$B/test/manage.iso" </dev/null >"$W/qemu.log" 2>&1 &
QPID=$!

# seen PATTERN: the serial log holds PATTERN (extended regex).
seen() { grep -aqE "$1" "$LOG" 2>/dev/null; }
# wait_for PATTERN SECONDS
wait_for() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        seen "$1" && return 0
        kill -0 "$QPID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# type LINE: one line on the console, as an operator would.
type_line() {
    printf '%s\r' "$1" | socat -t 1 - UNIX-CONNECT:"$SOCK" >/dev/null 2>&1
}
# expect NAME PATTERN [SECONDS]: pass once PATTERN shows up.
expect() {
    if wait_for "$2" "${3:-20}"; then pass "$1"; else fail "$1" "no '$2' in $LOG"; fi
}
# absent NAME PATTERN: pass if PATTERN is not in the log.
absent() {
    if seen "$2"; then fail "$1" "'$2' in $LOG"; else pass "$1"; fi
}

# cpu_json_sane: the newest `show cpu --json` answer adds up: two cores whose
# busy + idle is the uptime (within 2%), shares between 0 and 100, a second
# or more of CPU for the looping beta, less for the idle alpha, and core 1
# busy at least that long. Sets CPU_WHY when it does not.
cpu_json_sane() {
    local js
    js=$(grep -ao '{"uptime_ns".*}' "$LOG" | tail -1)
    CPU_WHY=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
up, cores = d["uptime_ns"], d["cores"]
comp = {c["name"]: c["cpu_ns"] for c in d["components"]}
why = []
if len(cores) != 2: why.append("%d cores" % len(cores))
for c in cores:
    t = c["busy_ns"] + c["idle_ns"]
    if not 0.98 * up <= t <= up: why.append("core %d: busy+idle %d of uptime %d" % (c["core"], t, up))
    if not (0 <= c["busy_pct"] <= 100 and 0 <= c["interval_busy_pct"] <= 100): why.append("share")
if comp.get("beta", 0) < 1e9: why.append("beta ran %d ns" % comp.get("beta", 0))
if not 0 < comp.get("alpha", 0) < comp.get("beta", 0): why.append("alpha %d ns" % comp.get("alpha", 0))
if len(cores) > 1 and cores[1]["busy_ns"] < comp.get("beta", 0): why.append("core 1 busy less than beta ran")
print("; ".join(why))' "$js" 2>&1)
    [ -n "$js" ] && [ -z "$CPU_WHY" ]
}

expect manage-boot 'management console on COM1' 120
expect manage-targets-up 'beta: alive \(restart 0\)' 30
expect manage-alpha-up 'alpha: alive \(restart 0\)' 30

# A component without manage=yes asks to restart alpha.
expect manage-rogue-refused "rogue: restart of 'alpha' answered: not allowed" 30
expect manage-rogue-logged "init: 'rogue' is not allowed to manage components"

# An operator restart: logged, at once, and not a failure.
type_line "restart alpha"
expect manage-restart-logged "init: 'alpha' restarted by 'console'"
expect manage-restart-answer 'restart: alpha restarting'
expect manage-restart-back 'alpha: alive \(restart 1\)'
absent manage-restart-no-backoff "restarting 'alpha' in"

# bad-descriptor: the hook runs where one is installed, else "not supported".
type_line "inject alpha bad-descriptor"
expect manage-hook-called 'alpha: fault hook armed for bad-descriptor'
expect manage-hook-answer 'inject: alpha took fault bad-descriptor'
type_line "inject beta bad-descriptor"
expect manage-no-hook 'error: beta: fault not supported by the component'

# A bad pointer: a page fault, a failure, and the first backoff step.
type_line "inject alpha bad-pointer"
expect manage-inject-logged "init: 'console' injects fault bad-pointer into 'alpha'"
expect manage-bad-pointer-faults "init: 'alpha' faulted \(vector 14"
expect manage-bad-pointer-backoff "restarting 'alpha' in 100 ms"
expect manage-bad-pointer-back 'alpha: alive \(restart 2\)'

# Requests init must refuse.
type_line "restart nosuch"
expect manage-no-such 'error: nosuch: no such component'
type_line "inject alpha frobnicate"
expect manage-bad-fault 'error: unknown fault'

# A hang: detected by heartbeat, a failure, restarted.
type_line "inject beta loop"
expect manage-loop-answer 'inject: beta took fault loop'
expect manage-hang-detected "init: 'beta' stopped answering its heartbeat" 30
expect manage-hang-restarted 'beta: alive \(restart 1\)' 30

# CPU accounting: beta's loop spun on core 1 until init saw the hang, and
# that run's time stays on beta's account after its restart.
type_line "show cpu --json"
expect manage-cpu-json '\{"uptime_ns":[0-9]+,"interval_ns":[0-9]+,"cores":\[\{"core":0,'
if cpu_json_sane; then pass manage-cpu-sane; else fail manage-cpu-sane "$CPU_WHY"; fi
type_line "show cpu"
expect manage-cpu-text '^ +1 +[0-9]+\.[0-9]% +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]%'
expect manage-cpu-text-beta '^  beta +[0-9]+\.[0-9]{6} s'

# Keep failing: aborts back off, doubling, until beta is marked failed.
for n in 2 3 4 5 6; do
    type_line "inject beta abort"
    if [ $n -le 5 ]; then
        expect "manage-abort-$n" "beta: alive \\(restart $n\\)" 30
    fi
done
expect manage-abort-exits "init: 'beta' exited with an error"
expect manage-backoff-doubles "restarting 'beta' in 1600 ms"
expect manage-marked-failed "init: 'beta' failed 5 times in a row: marked failed" 30
type_line "show components"
expect manage-status-failed 'beta +failed +5 restarts'
expect manage-status-alpha 'alpha +running +2 restarts'

# The operator brings the failed component back.
type_line "restart beta"
expect manage-revive-logged "init: 'beta' restarted by 'console'.*"
expect manage-revived 'beta: alive \(restart 6\)'
type_line "show components"
expect manage-status-revived 'beta +running +6 restarts, 0 failures'
# The rest of the appliance kept running throughout.
absent manage-no-console-failure "init: 'console' (faulted|exited|stopped)"
absent manage-alpha-still-up "alpha: alive \\(restart 3\\)"

stop
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
