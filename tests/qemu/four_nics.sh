#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Four virtio-net NICs at once, each driven by its own driver process that
# init starts from tests/qemu/four.conf: a lab of four namespaces (198.18.1N.2
# each, one per NIC, all inside 198.18.0.0/15) pings its NIC's address, a
# 300-packet flood each, all four floods at the same time. PASS/FAIL lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
W=${LAB_WORK:-/tmp/four-nics}
L="ip netns exec fn-lab"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
down() {
    [ -n "${QPID:-}" ] && kill "$QPID" 2>/dev/null
    for n in fn-lab fn-0 fn-1 fn-2 fn-3; do ip netns del $n 2>/dev/null || true; done
}
trap down EXIT
down
mkdir -p "$W"
ip netns add fn-lab
nics=()
for i in 0 1 2 3; do
    ip netns add fn-$i
    $L ip link add br$i type bridge
    $L ip tuntap add dev tap$i mode tap
    $L ip link add v$i type veth peer name eth0 netns fn-$i
    for d in br$i tap$i v$i; do $L ip link set $d up; done
    $L ip link set tap$i master br$i
    $L ip link set v$i master br$i
    ip netns exec fn-$i ip link set lo up
    ip netns exec fn-$i ip link set eth0 up
    ip netns exec fn-$i ip addr add 198.18.1$i.2/24 dev eth0
    nics+=(-netdev tap,id=n$i,ifname=tap$i,script=no,downscript=no
           -device virtio-net-pci,netdev=n$i,mac=52:54:00:00:01:0$i)
done
$L timeout 300 qemu-system-x86_64 -accel tcg -machine q35 -smp 2 -m 512 -display none \
    -no-reboot -serial file:"$W/serial.log" -cdrom "$B/test/fournic.iso" "${nics[@]}" \
    </dev/null >"$W/qemu.log" 2>&1 &
QPID=$!
for i in 0 1 2 3; do
    up=""
    for _ in $(seq 1 60); do
        ip netns exec fn-$i ping -c 1 -W 1 198.18.1$i.1 >/dev/null 2>&1 && { up=1; break; }
    done
    if [ -n "$up" ]; then pass "four-nics-up-$i"; else fail "four-nics-up-$i" "see $W/serial.log"; fi
done
for i in 0 1 2 3; do
    ip netns exec fn-$i ping -q -f -c 300 -w 60 198.18.1$i.1 >"$W/flood$i.txt" 2>&1 &
done
wait $(jobs -p | grep -v "^$QPID$") 2>/dev/null
for i in 0 1 2 3; do
    if grep -q ' 0% packet loss' "$W/flood$i.txt"; then pass "four-nics-flood-$i"; else
        fail "four-nics-flood-$i" "$(grep 'packets transmitted' "$W/flood$i.txt")"; fi
done
drivers=$(grep -ac "^vnet[0-3]: virtio-net" "$W/serial.log")
if [ "$drivers" -eq 4 ]; then pass four-driver-processes; else
    fail four-driver-processes "$drivers of 4 drivers reported"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
