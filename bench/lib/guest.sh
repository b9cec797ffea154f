# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The Linux peer guest for the benchmarks, sourced by bench/endpoint/run.sh,
# bench/boot/run.sh and bench/blk/run.sh. The kernel and its virtio modules
# come from the peer script (../shared/peers/linux-router.sh), run once into
# PEER_WORK to fetch them; the initramfs is built here from the host's own
# binaries: busybox, the peer's modules, any programs named with every shared
# library ldd lists and the dynamic loader, and an init given on stdin. Also
# the endpoint guest's init (iperf3 -s at 198.18.0.1), its QEMU start in a
# tests/qemu/vnet_lab.sh lab with the peer's flags, and the median of raw
# "SYSTEM TEST VALUE" lines. It measures nothing and decides nothing.
# Callers set PEER, PEER_WORK, OUT and, for guest_lab_boot, the lab variables.

PEER=${PEER:-$(readlink -f ../shared/peers/linux-router.sh)}
PEER_WORK=${PEER_WORK:-/tmp/ringwall-bench-endpoint/peer}

# guest_peer_kernel: Debian's kernel and the virtio modules in PEER_WORK,
# fetched with one short run of the peer script when missing. The peer uses
# fixed namespace names, so this waits while another copy runs.
guest_peer_kernel() {
    [ -f "$PEER_WORK/vmlinuz" ] && [ -f "$PEER_WORK/ir/mod/virtio_net.ko" ] && return 0
    [ -x "$PEER" ] || { echo "bench: peer script $PEER missing" >&2; return 1; }
    while ip netns list | grep -q '^rl-lab'; do sleep 5; done
    echo "[bench] fetching the Linux kernel with the peer script" >&2
    WORK=$PEER_WORK "$PEER" -t 1 >"$OUT/peer-fetch.log" 2>&1 || true
    if [ ! -f "$PEER_WORK/vmlinuz" ] || [ ! -f "$PEER_WORK/ir/mod/virtio_net.ko" ]; then
        echo "bench: no kernel in $PEER_WORK (see $OUT/peer-fetch.log)" >&2
        return 1
    fi
}

# guest_kernel_modules DEST NAME...: modules (file names without .ko) taken
# from the peer's kernel package into DEST, for drivers the peer does not load.
guest_kernel_modules() {
    local dest=$1 deb tmp m f
    shift
    deb=$(find "$PEER_WORK" -maxdepth 1 -name 'linux-image-*.deb' | head -1)
    [ -n "$deb" ] || { echo "bench: no kernel package in $PEER_WORK" >&2; return 1; }
    tmp=$(mktemp -d)
    dpkg-deb -x "$deb" "$tmp"
    mkdir -p "$dest"
    for m in "$@"; do
        f=$(find "$tmp/lib/modules" -name "$m.ko*" | head -1)
        [ -n "$f" ] || { echo "bench: module $m not in $deb" >&2; rm -rf "$tmp"; return 1; }
        case $f in
        *.xz) xz -dc "$f" >"$dest/$m.ko" ;;
        *) cp "$f" "$dest/$m.ko" ;;
        esac
    done
    rm -rf "$tmp"
}

# guest_initrd DIR INITRD [PROGRAM...] <INIT: an initramfs in DIR, packed
# into INITRD, with busybox, the peer's modules in /mod, each PROGRAM (an
# absolute host path) with its libraries, and the init script read from stdin.
# Files already in DIR/mod (extra modules) are kept.
guest_initrd() {
    local dir=$1 initrd=$2 f
    shift 2
    rm -rf "${dir:?}/bin" "${dir:?}/usr" "${dir:?}/lib" "${dir:?}/lib64" "${dir:?}/init"
    mkdir -p "$dir"/{bin,dev,proc,sys,tmp,mod}
    cp "$(command -v busybox)" "$dir/bin/busybox"
    cp "$PEER_WORK"/ir/mod/*.ko "$dir/mod/"
    for f in "$@" $(for p in "$@"; do ldd "$p"; done |
        awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u); do
        mkdir -p "$dir$(dirname "$f")"
        cp -L "$f" "$dir$f"
    done
    cat >"$dir/init"
    chmod +x "$dir/init"
    (cd "$dir" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$initrd"
}

# guest_endpoint_initrd DIR INITRD: the endpoint guest. Its init puts
# 198.18.0.1/24 and 198.19.0.1/24 on eth0/eth1, starts `iperf3 -s -D`, prints
# ENDPOINT-READY once port 5201 listens, then the memory it sees:
# "GUEST-MEM total=KIB free=KIB" (total from the boot log: all RAM the kernel
# manages, its own image included; free from /proc/meminfo).
guest_endpoint_initrd() {
    guest_initrd "$1" "$2" /usr/bin/iperf3 <<'EOF'
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
total=$(dmesg | sed -n 's|.*Memory: [0-9]*K/\([0-9]*\)K available.*|\1|p')
free=$(awk '$1 == "MemFree:" {print $2}' /proc/meminfo)
echo "GUEST-MEM total=$total free=$free"
while true; do sleep 3600; done
EOF
}

# guest_boot_args SYSTEM ISO INITRD [WORD...]: the QEMU arguments that boot
# Ringwall's ISO (SYSTEM ringwall) or the peer's kernel with INITRD, extra
# WORDs on its command line, into the array GUEST_BOOT_ARGS.
guest_boot_args() {
    if [ "$1" = ringwall ]; then
        GUEST_BOOT_ARGS=(-cdrom "$2")
    else
        GUEST_BOOT_ARGS=(-kernel "$PEER_WORK/vmlinuz" -initrd "$3" -append "console=ttyS0 quiet${4:+ ${*:4}}")
    fi
}

# guest_lab_boot SYSTEM ISO INITRD TIMEOUT: starts Ringwall's ISO or the
# Linux guest in the lab (LAB_NS, LAB_WORK, LAB_MAC0/1 from vnet_lab.sh)
# with the peer script's QEMU flags, in the background (pid in LAB_QPID).
guest_lab_boot() {
    guest_boot_args "$1" "$2" "$3"
    rm -f "$LAB_WORK/serial.log" "$LAB_WORK/console.sock"
    ip netns exec "$LAB_NS" timeout --foreground "$4" qemu-system-x86_64 \
        -accel "${ACCEL:-tcg}" -machine q35 -smp 2 -m 512 -display none -no-reboot \
        -chardev "socket,id=con,path=$LAB_WORK/console.sock,server=on,wait=off,logfile=$LAB_WORK/serial.log" \
        -serial chardev:con "${GUEST_BOOT_ARGS[@]}" \
        -netdev tap,id=n0,ifname=tap-a,script=no,downscript=no \
        -device virtio-net-pci,netdev=n0,mac="$LAB_MAC0" \
        -netdev tap,id=n1,ifname=tap-b,script=no,downscript=no \
        -device virtio-net-pci,netdev=n1,mac="$LAB_MAC1" \
        </dev/null >"$LAB_WORK/qemu.log" 2>&1 &
    # shellcheck disable=SC2034 # read by vnet_lab.sh's lab_wait and lab_down
    LAB_QPID=$!
}

# guest_median FILE SYSTEM TEST: the median of the "SYSTEM TEST VALUE" lines.
guest_median() {
    awk -v s="$2" -v t="$3" '$1 == s && $2 == t {print $3}' "$1" | sort -n |
        awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'
}

# guest_spread FILE SYSTEM TEST: "min-max" of the same lines.
guest_spread() {
    awk -v s="$2" -v t="$3" '$1 == s && $2 == t {print $3}' "$1" | sort -n |
        awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR) print lo "-" hi}'
}
