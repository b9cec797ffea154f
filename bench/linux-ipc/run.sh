#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Linux peer for Ringwall's IPC latency benchmark. Builds ipc_pingpong.c
# statically, packs it with busybox into an initramfs whose /init runs it on
# the serial console and powers off, and boots Debian's stock kernel under
# QEMU with the machine settings Ringwall uses (TCG, q35, 2 CPUs, 512 MiB).
# Prints only the guest's result lines on stdout ("linux eventfd same-core:
# N ns/rt (n=...)"); progress goes to stderr, logs stay in WORKDIR.
# Usage: run.sh [-n ROUNDTRIPS] [-w WORKDIR]    (env: ACCEL=tcg, TIMEOUT=300)
set -euo pipefail
N=100000; W=/tmp/ringwall-linux-ipc; ACCEL=${ACCEL:-tcg}; TIMEOUT=${TIMEOUT:-300}
while getopts n:w: opt; do case $opt in
  n) N=$OPTARG;; w) W=$OPTARG;; *) echo "usage: $0 [-n ROUNDTRIPS] [-w WORKDIR]" >&2; exit 2;; esac; done
SRC=$(cd "$(dirname "$0")" && pwd)/ipc_pingpong.c
mkdir -p "$W"; W=$(cd "$W" && pwd); cd "$W"
log() { echo "linux-ipc: $*" >&2; }
need() { command -v "$1" >/dev/null || { log "installing $2"; apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need qemu-system-x86_64 qemu-system-x86; need busybox busybox-static; need cpio cpio; need gcc gcc

log "building ipc_pingpong"
gcc -O2 -static -pthread -Wall -o ipc_pingpong "$SRC"

if [ ! -s vmlinuz ]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$pkg" ] || { apt-get update -qq
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); }
  log "fetching $pkg"
  rm -f "$pkg"_*.deb; apt-get download "$pkg" >/dev/null 2>&1
  dpkg-deb --fsys-tarfile "$pkg"_*.deb | tar -xO --wildcards './boot/vmlinuz-*' > vmlinuz.tmp
  mv vmlinuz.tmp vmlinuz; rm -f "$pkg"_*.deb
fi

log "building initramfs (n=$N)"
rm -rf ir; mkdir -p ir/bin ir/proc ir/sys ir/dev
cp "$(command -v busybox)" ir/bin/busybox; cp ipc_pingpong ir/bin/
cat > ir/init <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo IPC-BEGIN
/bin/ipc_pingpong -n $N
echo IPC-END
poweroff -f
EOF
chmod +x ir/init
(cd ir && find . | cpio -o -H newc 2>/dev/null | gzip) > initrd.gz

log "booting Linux under QEMU ($ACCEL, timeout ${TIMEOUT}s)"
rm -f serial.log; start=$(date +%s)
rc=0; timeout "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -machine q35 -smp 2 -m 512 \
  -display none -no-reboot -serial file:serial.log \
  -kernel vmlinuz -initrd initrd.gz -append "console=ttyS0 quiet" >qemu.log 2>&1 || rc=$?
[ "$rc" = 124 ] && log "timed out after ${TIMEOUT}s"
log "guest ran $(( $(date +%s) - start ))s"

tr -d '\r' < serial.log | grep -a -E '^linux [a-z]+ (same|cross)-core: ' || {
  log "no result lines from the guest (see $W/serial.log, $W/qemu.log)"; exit 1; }
