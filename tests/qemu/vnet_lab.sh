#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The virtio-net network lab, sourced by tests/qemu/vnet_ping.sh and
# bench/vnet/run.sh. Everything lives in network namespaces made here and
# removed by lab_down; every address is in 198.18.0.0/15:
#   ns vn-a (198.18.0.2) -- veth -- br-a + tap-a -- [QEMU NIC0 | NIC1] -- tap-b + br-b -- veth -- ns vn-b (198.19.0.2)
# Taps, bridges and QEMU live in ns vn-lab (QEMU opens its taps in its own
# namespace). The guest's serial console is a UNIX socket ($LAB_WORK/console.sock)
# logged to $LAB_WORK/serial.log; lab_console types a line on it, and
# lab_monitor talks to QEMU's monitor ($LAB_WORK/monitor.sock).
# Not a test by itself: it builds nothing and judges nothing.

LAB_WORK=${LAB_WORK:-/tmp/vnet-lab}
# LAB_PFX names the namespaces (default vn: vn-lab, vn-a, vn-b), so that two
# labs can run side by side.
LAB_PFX=${LAB_PFX:-vn}
LAB_NS=$LAB_PFX-lab
VN_A=$LAB_PFX-a
VN_B=$LAB_PFX-b
LAB_A="ip netns exec $VN_A"
LAB_B="ip netns exec $VN_B"
LAB_MAC0=52:54:00:00:00:0a
LAB_MAC1=52:54:00:00:00:0b
LAB_QPID=

lab_down() {
    if [ -n "$LAB_QPID" ] && kill -0 "$LAB_QPID" 2>/dev/null; then
        kill "$LAB_QPID" 2>/dev/null
        wait "$LAB_QPID" 2>/dev/null
    fi
    LAB_QPID=
    # and any QEMU of this lab the wrapper did not take with it
    pkill -f "path=$LAB_WORK/console.sock," 2>/dev/null || true
    for n in "$VN_A" "$VN_B" "$LAB_NS"; do ip netns del "$n" 2>/dev/null || true; done
}

# lab_up [MTU]: namespaces, bridges, taps and veths, with MTU on every link.
lab_up() {
    local mtu=${1:-1500} L="ip netns exec $LAB_NS"
    lab_down
    mkdir -p "$LAB_WORK"
    ip netns add "$LAB_NS" && ip netns add "$VN_A" && ip netns add "$VN_B" || return 1
    $L sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    $L sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    # br_netfilter (if loaded) would validate IPv4 headers on the bridges and
    # eat the malformed frames the test sends on purpose.
    for t in iptables ip6tables arptables; do
        $L sysctl -qw net.bridge.bridge-nf-call-$t=0 2>/dev/null || true
    done
    for s in a b; do
        ip netns exec $LAB_PFX-$s sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec $LAB_PFX-$s sysctl -qw net.ipv6.conf.default.disable_ipv6=1
        $L ip link add br-$s type bridge
        $L ip tuntap add dev tap-$s mode tap
        $L ip link set tap-$s master br-$s
        $L ip link add v-$s type veth peer name eth0 netns $LAB_PFX-$s
        $L ip link set v-$s master br-$s
        ip netns exec $LAB_PFX-$s ip link set lo up
    done
    for dev in br-a tap-a v-a br-b tap-b v-b; do $L ip link set "$dev" mtu "$mtu"; done
    $LAB_A ip link set eth0 mtu "$mtu"
    $LAB_B ip link set eth0 mtu "$mtu"
    for s in a b; do
        for dev in br-$s tap-$s v-$s; do $L ip link set "$dev" up; done
        ip netns exec $LAB_PFX-$s ip link set eth0 up
    done
    $LAB_A ip addr add 198.18.0.2/24 dev eth0
    $LAB_B ip addr add 198.19.0.2/24 dev eth0
}

# lab_qemu ISO [NIC1 OPTIONS]: boots ISO under TCG with the two NICs, in the
# background. NIC1 options (",key=value...") let a test take features away.
# LAB_QEMU_EXTRA (an array, empty by default) adds QEMU arguments (a disk).
lab_qemu() {
    local iso=$1 nic1=${2:-}
    rm -f "$LAB_WORK/serial.log" "$LAB_WORK/console.sock" "$LAB_WORK/monitor.sock"
    ip netns exec $LAB_NS timeout --foreground 600 qemu-system-x86_64 -accel "${ACCEL:-tcg}" \
        -machine q35 -smp "${SMP:-2}" -m "${MEM:-512}" -display none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -chardev "socket,id=con,path=$LAB_WORK/console.sock,server=on,wait=off,logfile=$LAB_WORK/serial.log" \
        -serial chardev:con -cdrom "$iso" \
        -monitor unix:"$LAB_WORK/monitor.sock",server=on,wait=off \
        -netdev tap,id=n0,ifname=tap-a,script=no,downscript=no \
        -device virtio-net-pci,netdev=n0,mac=$LAB_MAC0 \
        -netdev tap,id=n1,ifname=tap-b,script=no,downscript=no \
        -device "virtio-net-pci,netdev=n1,mac=$LAB_MAC1$nic1" \
        ${LAB_QEMU_EXTRA[@]+"${LAB_QEMU_EXTRA[@]}"} \
        </dev/null >"$LAB_WORK/qemu.log" 2>&1 &
    LAB_QPID=$!
}

# lab_wait PATTERN SECONDS: waits for PATTERN (extended regex) in the serial log.
lab_wait() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        grep -aqE "$1" "$LAB_WORK/serial.log" 2>/dev/null && return 0
        kill -0 "$LAB_QPID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

lab_console() {
    printf '%s\r' "$1" | socat -t 1 - UNIX-CONNECT:"$LAB_WORK/console.sock" >/dev/null 2>&1
}

# lab_monitor COMMAND: one QEMU monitor command (e.g. "set_link n0 off").
lab_monitor() {
    printf '%s\n' "$1" | socat -t 1 - UNIX-CONNECT:"$LAB_WORK/monitor.sock" >/dev/null 2>&1
}

# lab_stats FILE: asks the guest for its counters and keeps the newest block.
lab_stats() {
    local before i
    before=$(grep -ac '^VNET-STATS end' "$LAB_WORK/serial.log")
    lab_console stats
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -ac '^VNET-STATS end' "$LAB_WORK/serial.log")" -gt "$before" ] && break
        sleep 0.1
    done
    awk '/^VNET-STATS end/ {last = buf; buf = ""; next} /^VNET-STATS / {buf = buf $0 "\n"}
         END {printf "%s", last}' "$LAB_WORK/serial.log" | tr -d '\r' >"$1"
}

# lab_get FILE COMPONENT KIND KEY: one counter from a lab_stats file.
lab_get() {
    grep -a "^VNET-STATS $2 $3 " "$1" | tr ' ' '\n' | sed -n "s/^$4=//p" | head -1
}

# lab_ready: waits (up to about three minutes) until the guest answers ping on
# both NICs at the appliance addresses, 198.18.0.1 and 198.19.0.1.
lab_ready() {
    for _ in $(seq 1 90); do
        $LAB_A ping -c 1 -W 1 198.18.0.1 >/dev/null 2>&1 &&
            $LAB_B ping -c 1 -W 1 198.19.0.1 >/dev/null 2>&1 && return 0
    done
    return 1
}

# lab_ping NAME NS ADDR PING-ARGS...: passes (through the caller's pass and
# fail) only on 0% loss, with ping's summary in the failure message.
lab_ping() {
    local name=$1 ns=$2 addr=$3 out
    shift 3
    out=$(ip netns exec "$ns" ping -q "$@" "$addr" 2>&1 | grep 'packets transmitted')
    if echo "$out" | grep -q ' 0% packet loss'; then pass "$name"; else fail "$name" "$addr: $out"; fi
}
