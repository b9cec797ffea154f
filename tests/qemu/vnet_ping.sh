#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot test of the virtio-net driver with real packets. Builds nothing: it
# boots $B/test/vnet.iso (the vnet-lab harness as init, two drivers and the
# ARP/ICMP responder) under TCG in a lab of network namespaces
# (tests/qemu/vnet_lab.sh) and checks, printing PASS/FAIL per check:
#   - ARP + ping to 198.18.0.1 (NIC0) and 198.19.0.1 (NIC1)
#   - ping -f -c 1000 to each with 0% loss (timing printed), ping -s 1472
#   - malformed frames sent with scapy (runts, oversize, multi-buffer oversize,
#     bad IP checksum, bad ICMP checksum, garbage ethertype): each dropped and
#     counted exactly in the responder's counters; ping works afterwards
#   - a driver killed and restarted: ping works again with 0% loss
#   - a device that breaks the virtqueue protocol (used index corrupted by the
#     harness): counted, device reset, ping works again
#   - link down/up from QEMU's monitor reaches the netif header (config irq)
#   - a clean exit: the harness's verdict is PASS (no component died unasked)
#   - a second boot with NIC1 lacking MSI-X: its driver polls, ping still works
# NIC0 is a transitional device with every feature QEMU offers; NIC1 is
# modern-only (1af4:1041) with MRG_RXBUF, EVENT_IDX, STATUS and every offload
# switched off, so the reduced-feature paths run too. Exits 0 only if all pass.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/test/vnet.iso}
N=20 # malformed frames of each kind
. tests/qemu/vnet_lab.sh
NIC1_OPTS=",disable-legacy=on,mrg_rxbuf=off,event_idx=off,status=off,csum=off,guest_csum=off"
NIC1_OPTS+=",host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off"
NIC1_OPTS+=",guest_tso4=off,guest_tso6=off,guest_ecn=off,guest_ufo=off"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1${2:+ ($2)}"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

cleanup() { lab_down; }
trap cleanup EXIT

[ -f "$ISO" ] || { echo "FAIL vnet-iso: $ISO missing (make first)"; exit 1; }
for t in qemu-system-x86_64 socat ping ip; do
    command -v $t >/dev/null || { echo "FAIL tools: $t missing"; exit 1; }
done
t_start=$(date +%s)
lab_up 20000 || { echo "FAIL lab: namespaces"; exit 1; }
lab_qemu "$ISO" "$NIC1_OPTS"
if ! lab_wait 'VNET-LAB READY' 90; then
    fail boot "no VNET-LAB READY (see $LAB_WORK/serial.log)"
    echo "$passed passed, $failed failed"
    exit 1
fi
pass boot "$(grep -a '^vnet[01]: virtio-net' "$LAB_WORK/serial.log" | awk '{print $1 $3}' | tr '\n' ' ')"

# ping_check NAME NS ADDR ARGS...: passes on 0% loss, prints ping's summary.
ping_check() {
    local name=$1 ns=$2 addr=$3 out
    shift 3
    out=$(ip netns exec "$ns" ping -q "$@" "$addr" 2>&1)
    local sum
    sum=$(echo "$out" | grep -E 'packets transmitted' | head -1)
    if echo "$sum" | grep -q ' 0% packet loss'; then
        pass "$name" "$sum"
    else
        fail "$name" "${sum:-$out}"
    fi
}

ping_check arp-ping-nic0 "$VN_A" 198.18.0.1 -c 3 -W 2
ping_check arp-ping-nic1 "$VN_B" 198.19.0.1 -c 3 -W 2
ping_check flood-1000-nic0 "$VN_A" 198.18.0.1 -f -c 1000 -W 2
ping_check flood-1000-nic1 "$VN_B" 198.19.0.1 -f -c 1000 -W 2
ping_check ping-1472-nic0 "$VN_A" 198.18.0.1 -c 20 -i 0.05 -s 1472 -M 'do' -W 2
ping_check ping-1472-nic1 "$VN_B" 198.19.0.1 -c 20 -i 0.05 -s 1472 -M 'do' -W 2
ping_check flood-1472-nic0 "$VN_A" 198.18.0.1 -f -c 300 -s 1472 -W 2

# Malformed frames, N of each kind, from scapy in each side namespace.
send_bad() { # NS IFACE DST_MAC DST_IP SRC_IP BIG(0/1)
    ip netns exec "$1" /usr/bin/python3 - "$@" <<'PY'
import sys
from scapy.all import Ether, IP, ICMP, Raw, sendp, conf, raw
conf.verb = 0
_, ns, iface, dmac, dip, sip, big = sys.argv
n = 20
smac = open(f"/sys/class/net/{iface}/address").read().strip()
eth = Ether(dst=dmac, src=smac)
good = IP(src=sip, dst=dip) / ICMP(id=7, seq=1) / Raw(b"x" * 56)
frames = []
# runt: a correct IPv4 header whose total length runs past the frame's end
frames += [raw(eth / good)[:34]] * n
# oversize in one buffer: 1600 bytes (more than a 1500 MTU allows)
frames += [raw(eth / IP(src=sip, dst=dip) / ICMP() / Raw(b"o" * 1558))] * n
if big == "1":  # oversize across 16 KiB receive buffers (NIC0 has MRG_RXBUF)
    frames += [raw(eth / IP(src=sip, dst=dip) / ICMP() / Raw(b"O" * 17000))] * n
frames += [raw(eth / IP(src=sip, dst=dip, chksum=0x1234) / ICMP() / Raw(b"c" * 32))] * n
frames += [raw(eth / IP(src=sip, dst=dip) / ICMP(chksum=0x1234) / Raw(b"i" * 32))] * n
frames += [raw(Ether(dst=dmac, src=smac, type=0xBEEF) / Raw(b"g" * 46))] * n
s = conf.L2socket(iface=iface)
for f in frames:
    s.send(f)
s.close()
PY
}

delta() { # FILE_BEFORE FILE_AFTER COMP KEY
    local a b
    a=$(lab_get "$1" "$3" responder "$4")
    b=$(lab_get "$2" "$3" responder "$4")
    echo $((${b:-0} - ${a:-0}))
}

malformed_check() { # NIC NS IFACE DST_MAC DST_IP SRC_IP BIG
    local nic=$1 before=$LAB_WORK/stats-$1-before after=$LAB_WORK/stats-$1-after
    lab_stats "$before"
    if ! send_bad "$2" "$3" "$4" "$5" "$6" "$7" 2>"$LAB_WORK/scapy-$nic.log"; then
        fail "malformed-$nic" "scapy failed: $(tail -1 "$LAB_WORK/scapy-$nic.log")"
        return
    fi
    sleep 1
    lab_stats "$after"
    local over=$N
    [ "$7" = 1 ] && over=$((2 * N))
    local bad="" k want got
    for k in drop_runt:$N drop_oversize:$over drop_ip_csum:$N drop_icmp_csum:$N \
        drop_ethertype:$N; do
        want=${k#*:}
        got=$(delta "$before" "$after" "$nic" "${k%%:*}")
        [ "$got" -eq "$want" ] || bad+=" ${k%%:*}=$got(want $want)"
    done
    if [ "$7" = 1 ]; then
        got=$(delta "$before" "$after" "$nic" multi_buffer)
        [ "$got" -eq "$N" ] || bad+=" multi_buffer=$got(want $N)"
    fi
    got=$(delta "$before" "$after" "$nic" echo_replies)
    [ "$got" -eq 0 ] || bad+=" echo_replies=$got(want 0)"
    local summary
    summary=$(grep -a "^VNET-STATS $nic responder" "$after" | tr ' ' '\n' | grep -E '^drop|^multi' |
        tr '\n' ' ')
    if [ -z "$bad" ]; then pass "malformed-$nic" "$summary"; else fail "malformed-$nic" "$bad"; fi
}

malformed_check vnet0 "$VN_A" eth0 $LAB_MAC0 198.18.0.1 198.18.0.2 1
malformed_check vnet1 "$VN_B" eth0 $LAB_MAC1 198.19.0.1 198.19.0.2 0
ping_check after-malformed-nic0 "$VN_A" 198.18.0.1 -f -c 200 -W 2
ping_check after-malformed-nic1 "$VN_B" 198.19.0.1 -f -c 200 -W 2

# A driver killed and started again: it resets the device, recovers the
# buffers its previous instance held and serves again.
restart_check() { # COMP NS ADDR
    local before
    before=$(grep -ac "^$1: virtio-net" "$LAB_WORK/serial.log")
    lab_console "restart $1"
    local i ok=""
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -ac "^$1: virtio-net" "$LAB_WORK/serial.log")" -gt "$before" ] && { ok=1; break; }
        sleep 0.1
    done
    [ -n "$ok" ] || { fail "restart-$1" "no new instance"; return; }
    for ((i = 0; i < 20; i++)); do
        ip netns exec "$2" ping -c 1 -W 1 "$3" >/dev/null 2>&1 && break
    done
    ping_check "restart-$1" "$2" "$3" -f -c 500 -W 2
}
restart_check vnet0 "$VN_A" 198.18.0.1
restart_check vnet1 "$VN_B" 198.19.0.1

# A device that breaks the virtqueue protocol (the harness corrupts the used
# index): the driver must count it, reset the device and serve again.
device_error_check() { # COMP NS ADDR
    local before=$LAB_WORK/stats-$1-inject0 after=$LAB_WORK/stats-$1-inject1
    lab_stats "$before"
    lab_console "inject $1"
    lab_wait "^$1: device error, resetting" 10 || { fail "device-error-$1" "no reset"; return; }
    ip netns exec "$2" ping -c 2 -W 1 "$3" >/dev/null 2>&1
    ping_check "device-error-$1" "$2" "$3" -f -c 500 -W 2
    lab_stats "$after"
    local r e
    r=$(($(lab_get "$after" "$1" driver resets) - $(lab_get "$before" "$1" driver resets)))
    e=$(($(lab_get "$after" "$1" driver rx_dev_errors) - $(lab_get "$before" "$1" driver rx_dev_errors)))
    if [ "$r" -eq 1 ] && [ "$e" -ge 1 ]; then
        pass "device-error-counted-$1" "resets +$r rx_dev_errors +$e"
    else
        fail "device-error-counted-$1" "resets +$r rx_dev_errors +$e"
    fi
}
device_error_check vnet0 "$VN_A" 198.18.0.1
device_error_check vnet1 "$VN_B" 198.19.0.1

# Link status (VIRTIO_NET_F_STATUS, NIC0 only): a configuration interrupt
# carries carrier loss and return into the netif header.
link_check() {
    local st=$LAB_WORK/stats-link
    lab_monitor "set_link n0 off"
    sleep 0.5
    lab_stats "$st"
    local down up
    down=$(lab_get "$st" vnet0 driver link_up)
    lab_monitor "set_link n0 on"
    sleep 0.5
    lab_stats "$st"
    up=$(lab_get "$st" vnet0 driver link_up)
    if [ "$down" = 0 ] && [ "$up" = 1 ]; then pass link-status "down $down, up $up"; else
        fail link-status "link_up $down after off, $up after on"; fi
    ping_check after-link-nic0 "$VN_A" 198.18.0.1 -f -c 200 -W 2
}
link_check

lab_stats "$LAB_WORK/stats-final"
grep -a 'driver\|responder ' "$LAB_WORK/stats-final" | sed 's/^/    /'
lab_console quit
for ((i = 0; i < 100; i++)); do kill -0 "$LAB_QPID" 2>/dev/null || break; sleep 0.1; done
wait "$LAB_QPID" 2>/dev/null
status=$?
LAB_QPID=
if [ "$status" -eq 1 ] && grep -aq 'RINGWALL-TEST-VERDICT: PASS' "$LAB_WORK/serial.log"; then
    pass clean-exit "$(grep -a 'unexpected component deaths' "$LAB_WORK/serial.log")"
else
    fail clean-exit "QEMU status $status, see $LAB_WORK/serial.log"
fi

# Second boot: NIC1 without MSI-X (vectors=0), so its driver runs polled.
lab_qemu "$ISO" ",vectors=0"
if lab_wait 'VNET-LAB READY' 90 && grep -aq '^vnet1: .*polled' "$LAB_WORK/serial.log"; then
    pass boot-polled "$(grep -a '^vnet1: virtio-net' "$LAB_WORK/serial.log" | grep -o 'queues.*')"
    ping_check polled-arp-ping-nic1 "$VN_B" 198.19.0.1 -c 3 -W 2
    ping_check polled-flood-1000-nic1 "$VN_B" 198.19.0.1 -f -c 1000 -W 2
else
    fail boot-polled "no polled vnet1 (see $LAB_WORK/serial.log)"
fi
lab_down
echo "vnet_ping: $(($(date +%s) - t_start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
