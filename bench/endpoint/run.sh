#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# iperf3 against the appliance itself: the host's iperf3 client in namespace A
# talks to an iperf3 server at 198.18.0.1, run first by Ringwall (the shipped
# ISO: drivers, router, lwIP network stack with its iperf3 server) and then by
# a stock Linux guest acting as the endpoint. The Linux guest is the peer
# script's Debian kernel and virtio modules (../shared/peers/linux-router.sh,
# run once to fetch them) with an initramfs built here: busybox, the host's
# iperf3 with its shared libraries, and an init that puts 198.18.0.1/24 and
# 198.19.0.1/24 on eth0/eth1 and starts `iperf3 -s -D`. Both guests boot in
# the same lab (tests/qemu/vnet_lab.sh, namespaces ep-lab, ep-a, ep-b) with
# the peer's QEMU settings: TCG, q35, -smp 2, 512 MiB, two virtio-net-pci NICs
# on taps with the peer's MACs. Runs of the two systems alternate; each figure
# is the median of RUNS runs. Tests:
#   tcp       one TCP stream, client sends     (Mbit/s, receiver)
#   tcp-P4    four TCP streams                 (Mbit/s, receiver)
#   tcp-R     one stream, the endpoint sends   (Mbit/s, receiver)
#   udp       UDP offered at 200 Mbit/s        (Mbit/s received, and loss %)
# Prints "ringwall endpoint <test>: X Mbit/s" and "linux endpoint <test>: ..."
# lines (udp-loss in %) and ratio lines. Builds only the Linux initramfs
# ($B/bench/endpoint/initrd.gz): run `make` first for the ISO.
# Usage: bench/endpoint/run.sh [-t SECONDS] [-r RUNS]   (env: B, PEER, WORK, PEER_WORK)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
T=10
RUNS=3
UDP_RATE=200M
while getopts t:r: opt; do
    case $opt in
    t) T=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-r RUNS]" >&2; exit 2 ;;
    esac
done
ISO=$(readlink -f "$B/ringwall.iso")
PEER=${PEER:-$(readlink -f ../shared/peers/linux-router.sh)}
WORK=${WORK:-/tmp/ringwall-bench-endpoint}
PEER_WORK=${PEER_WORK:-$WORK/peer}
IR=$B/bench/endpoint/initramfs
INITRD=$B/bench/endpoint/initrd.gz
OUT=$WORK/results
[ -f "$ISO" ] || { echo "endpoint bench: $ISO missing (run make)" >&2; exit 1; }
[ -x "$PEER" ] || { echo "endpoint bench: peer script $PEER missing" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "endpoint bench: iperf3 not installed" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.err "$OUT"/*.serial
: >"$OUT/raw.txt"

LAB_PFX=ep
LAB_WORK=$WORK/lab
# shellcheck source=tests/qemu/vnet_lab.sh
. tests/qemu/vnet_lab.sh
trap lab_down EXIT
trap "exit 130" INT TERM

# The peer script leaves Debian's kernel and the virtio modules it loads in
# its WORK folder; it runs once (one short forwarding test) when they are
# missing. It uses fixed namespace names, so wait while another copy runs.
peer_kernel() {
    [ -f "$PEER_WORK/vmlinuz" ] && [ -f "$PEER_WORK/ir/mod/virtio_net.ko" ] && return 0
    while ip netns list | grep -q '^rl-lab'; do sleep 5; done
    echo "[endpoint bench] fetching the Linux kernel with the peer script" >&2
    WORK=$PEER_WORK "$PEER" -t 1 >"$OUT/peer-fetch.log" 2>&1 || true
    if [ ! -f "$PEER_WORK/vmlinuz" ] || [ ! -f "$PEER_WORK/ir/mod/virtio_net.ko" ]; then
        echo "endpoint bench: no kernel in $PEER_WORK (see $OUT/peer-fetch.log)" >&2
        exit 1
    fi
}

# The Linux endpoint's initramfs: busybox, the peer's modules, the host's
# iperf3 with every library ldd names and the dynamic loader, and the init.
linux_initrd() {
    local f
    rm -rf "$IR"
    mkdir -p "$IR"/{bin,dev,proc,sys,tmp,mod}
    cp "$(command -v busybox)" "$IR/bin/busybox"
    cp "$PEER_WORK"/ir/mod/*.ko "$IR/mod/"
    for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 |
        awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
        mkdir -p "$IR$(dirname "$f")"
        cp -L "$f" "$IR$f"
    done
    cat >"$IR/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
    failover net_failover virtio_net; do
    insmod /mod/$m.ko
done
while [ ! -e /sys/class/net/eth1 ]; do sleep 0.1; done
ip link set lo up
ip addr add 198.18.0.1/24 dev eth0
ip link set eth0 up
ip addr add 198.19.0.1/24 dev eth1
ip link set eth1 up
/usr/bin/iperf3 -s -D
# 5201 is 1451 in /proc/net's hex.
while ! grep -q ':1451 ' /proc/net/tcp /proc/net/tcp6; do sleep 0.1; done
echo ENDPOINT-READY
while true; do sleep 3600; done
EOF
    chmod +x "$IR/init"
    (cd "$IR" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$INITRD"
}

# boot SYSTEM: starts the guest in the lab with the peer script's QEMU flags.
boot() {
    local bootargs
    if [ "$1" = ringwall ]; then
        bootargs=(-cdrom "$ISO")
    else
        bootargs=(-kernel "$PEER_WORK/vmlinuz" -initrd "$INITRD" -append "console=ttyS0 quiet")
    fi
    rm -f "$LAB_WORK/serial.log" "$LAB_WORK/console.sock"
    ip netns exec "$LAB_NS" timeout --foreground $((T * 10 + 600)) qemu-system-x86_64 \
        -accel "${ACCEL:-tcg}" -machine q35 -smp 2 -m 512 -display none -no-reboot \
        -chardev "socket,id=con,path=$LAB_WORK/console.sock,server=on,wait=off,logfile=$LAB_WORK/serial.log" \
        -serial chardev:con "${bootargs[@]}" \
        -netdev tap,id=n0,ifname=tap-a,script=no,downscript=no \
        -device virtio-net-pci,netdev=n0,mac=$LAB_MAC0 \
        -netdev tap,id=n1,ifname=tap-b,script=no,downscript=no \
        -device virtio-net-pci,netdev=n1,mac=$LAB_MAC1 \
        </dev/null >"$LAB_WORK/qemu.log" 2>&1 &
    LAB_QPID=$!
}

# TEST figures from iperf3 -J on stdin: "TEST MBIT/S", and for UDP one more
# line "TEST-loss PERCENT". Nothing on an error.
figures() {
    python3 -c '
import json, sys
d = json.load(sys.stdin)
if d.get("error"):
    sys.exit("iperf3: " + d["error"])
end, t = d["end"], sys.argv[1]
if t == "udp":
    s = end["sum"]  # as sent, with the loss the server saw
    got = end.get("sum_received", {}).get("bits_per_second")
    if got is None:
        got = s["bits_per_second"] * (100 - s["lost_percent"]) / 100
    print(t, round(got / 1e6, 1))
    print(t + "-loss", round(s["lost_percent"], 2))
else:
    print(t, round(end["sum_received"]["bits_per_second"] / 1e6, 1))' "$1"
}

# measure SYS TEST IPERF3-ARGS...: one iperf3 run from side A, its figures
# appended to the raw file as "SYS TEST VALUE".
measure() {
    local sys=$1 test=$2 json=$OUT/$1-$2-$r.json
    shift 2
    $LAB_A timeout $((T + 30)) iperf3 -c 198.18.0.1 -t "$T" -J "$@" >"$json" 2>&1 || true
    figures "$test" <"$json" 2>>"$OUT/$sys-$r.err" | sed "s/^/$sys /" | tee -a "$OUT/raw.txt" >&2 || true
    sleep 1 # the appliance's server takes one test at a time
}

one_run() { # SYSTEM
    local sys=$1 ready=ENDPOINT-READY
    [ "$sys" = ringwall ] && ready='iperf3 on port 5201'
    echo "[endpoint bench] $sys, run $r/$RUNS" >&2
    lab_up 1500 || { echo "endpoint bench: lab namespaces" >&2; exit 1; }
    boot "$sys"
    if lab_wait "$ready" 180 && lab_ready; then
        measure "$sys" tcp
        measure "$sys" tcp-P4 -P 4
        measure "$sys" tcp-R -R
        measure "$sys" udp -u -b "$UDP_RATE"
    else
        echo "endpoint bench: $sys did not come up" >>"$OUT/$sys-$r.err"
    fi
    cp "$LAB_WORK/serial.log" "$OUT/$sys-$r.serial" 2>/dev/null || true
    lab_down
}

peer_kernel
linux_initrd
for r in $(seq 1 "$RUNS"); do
    one_run ringwall
    one_run linux
done

median() { # SYSTEM TEST
    awk -v s="$1" -v t="$2" '$1 == s && $2 == t {print $3}' "$OUT/raw.txt" | sort -n |
        awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'
}
for test in tcp tcp-P4 tcp-R udp udp-loss; do
    unit=Mbit/s
    [ "$test" = udp-loss ] && unit=%
    rw=$(median ringwall $test)
    lx=$(median linux $test)
    echo "ringwall endpoint $test: ${rw:-no result (see $OUT)}${rw:+ $unit}"
    echo "linux endpoint $test: ${lx:-no result (see $OUT)}${lx:+ $unit}"
    [ "$test" = udp-loss ] && continue
    awk -v a="${rw:-0}" -v b="${lx:-0}" -v t="$test" \
        'BEGIN {if (a > 0 && b > 0) printf "ratio endpoint %s: %.2f (ringwall/linux)\n", t, a / b}'
done
