#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The socket interface in the network lab: boots the sock ISO
# (tests/qemu/sock.conf: the default appliance plus the echo component, which
# reaches the network stack only through its socket region, shm/sock.h) and
# talks to echo from the lan side (tests/qemu/sock_client.py): four
# concurrent TCP echo connections of 4 MiB each compared by sha256, UDP echo,
# a closed port answered with a RST, a client that resets mid-transfer while
# echo keeps serving, the echo component restarted and aborted from the
# console and serving again, the network stack restarted and echo serving
# again, malformed requests refused and counted (inject echo bad-descriptor),
# and a bulk transfer to the discard port (its rate beside the stack's own
# iperf3 server). Prints PASS/FAIL lines and "N passed, N failed".
# Namespaces are named from LAB_PFX (tests/qemu/vnet_lab.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/test/sock.iso}
LAB_WORK=${LAB_WORK:-/tmp/sock-lab}
PY=$(command -v /usr/bin/python3 || command -v python3)
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
trap lab_down EXIT
ADDR=198.18.0.1

# sock_run NAME MODE ARGS...: one sock_client.py call that must succeed.
sock_run() {
    local name=$1 out
    shift
    if out=$(timeout 300 $LAB_A "$PY" tests/qemu/sock_client.py "$@" 2>&1); then
        pass "$name ($(echo "$out" | tail -1))"
    else
        fail "$name" "$(echo "$out" | tail -1)"
    fi
}

# sock_count PATTERN: how many serial lines match.
sock_count() {
    grep -acE "$1" "$LAB_WORK/serial.log"
}

# sock_listening_again BEFORE: waits for one more "echo: listening" line.
sock_listening_again() {
    local i
    for ((i = 0; i < 300; i++)); do
        [ "$(sock_count 'echo: listening on')" -gt "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

[ -f "$ISO" ] || { echo "FAIL iso: $ISO missing"; exit 1; }
lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
lab_qemu "$ISO" ""
if lab_ready && lab_wait "echo: listening on tcp 7" 60; then pass sock-up; else
    fail sock-up "see $LAB_WORK/serial.log"
fi

sock_run sock-tcp-echo-4x4M echo "$ADDR" 4 4194304
sock_run sock-udp-echo udp "$ADDR" 200
sock_run sock-closed-port-rst refused "$ADDR" 8
sock_run sock-client-abandons abandon "$ADDR" 2097152
sock_run sock-echo-after-abandon echo "$ADDR" 2 1048576

n=$(sock_count 'echo: listening on')
router_cmd "restart echo" >/dev/null
if sock_listening_again "$n"; then pass sock-echo-restarted; else fail sock-echo-restarted "no new listening line"; fi
sock_run sock-echo-after-restart echo "$ADDR" 2 1048576

n=$(sock_count 'echo: listening on')
router_cmd "inject echo abort" >/dev/null
if sock_listening_again "$n"; then pass sock-echo-aborted-back; else fail sock-echo-aborted-back "no new listening line"; fi
sock_run sock-echo-after-abort echo "$ADDR" 1 1048576
sock_run sock-udp-after-abort udp "$ADDR" 20

n=$(sock_count 'echo: listening on')
router_cmd "restart netstack" >/dev/null
if sock_listening_again "$n"; then pass sock-stack-restarted; else fail sock-stack-restarted "echo did not listen again"; fi
lab_ready >/dev/null
sock_run sock-echo-after-stack-restart echo "$ADDR" 2 1048576

router_cmd "inject echo bad-descriptor" >/dev/null
if lab_wait "echo: bad requests: 7 of 7 refused as expected" 20; then pass sock-bad-requests-refused; else
    fail sock-bad-requests-refused "$(grep -a 'echo: bad request' "$LAB_WORK/serial.log" | tail -3 | tr '\n' ' ')"
fi
if lab_wait "echo: stack counters:" 10; then
    line=$(grep -a "echo: stack counters:" "$LAB_WORK/serial.log" | tail -1 | tr -d '\r')
    v() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    if [ "$(v bad_op)" = 2 ] && [ "$(v bad_sock)" = 1 ] && [ "$(v bad_buf)" = 3 ] &&
        [ "$(v bad_len)" = 1 ]; then
        pass "sock-bad-requests-counted (bad_op=$(v bad_op) bad_sock=$(v bad_sock) bad_buf=$(v bad_buf) bad_len=$(v bad_len))"
    else
        fail sock-bad-requests-counted "$line"
    fi
else
    fail sock-bad-requests-counted "no counter line"
fi
sock_run sock-echo-after-bad-requests echo "$ADDR" 1 1048576

sock_run sock-discard-bulk discard "$ADDR" 268435456
router_iperf sock-stack-iperf3 "$VN_A" "$ADDR"

lab_clean_log sock-clean-log
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
