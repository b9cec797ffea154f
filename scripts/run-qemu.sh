#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boots a Ringwall ISO in QEMU with the serial console on this terminal.
# As root (and LAB=1, the default) it first builds the network lab of
# tests/qemu/vnet_lab.sh, so the appliance's two virtio-net NICs are live:
#   ip netns exec vn-a ping 198.18.0.1     (lan0)
#   ip netns exec vn-b ping 198.19.0.1     (wan0)
# and removes it when QEMU ends. Without root, or with LAB=0, it boots with no
# NICs. Environment: ACCEL (tcg, or kvm on a real host), SMP (2), MEM (512
# MiB), FIRMWARE (bios or uefi), QEMU_EXTRA (more QEMU arguments), DISK (a
# raw image attached as the NVMe disk at 00:04.0, default build/disk.img,
# created with 64 MiB if missing; DISK= boots without a disk).
# Leave QEMU with Ctrl-A X.
set -euo pipefail
cd "$(dirname "$0")/.."
iso=$1
shift
accel=${ACCEL:-tcg}
cpu=()
[ "$accel" = kvm ] && cpu=(-cpu host,-arch-capabilities)
fw=()
if [ "${FIRMWARE:-bios}" = uefi ]; then
    fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd)
fi
netns=()
nics=(-nic none) # no NIC unless the lab provides them (QEMU would add an e1000e)
if [ "$(id -u)" = 0 ] && [ "${LAB:-1}" = 1 ]; then
    LAB_WORK=${LAB_WORK:-/tmp/ringwall-run}
    . tests/qemu/vnet_lab.sh
    trap lab_down EXIT
    lab_up 1500
    netns=(ip netns exec "$LAB_NS")
    nics=(-netdev tap,id=n0,ifname=tap-a,script=no,downscript=no
          -device virtio-net-pci,netdev=n0,mac=$LAB_MAC0
          -netdev tap,id=n1,ifname=tap-b,script=no,downscript=no
          -device virtio-net-pci,netdev=n1,mac=$LAB_MAC1)
    echo "run: lab up: 'ip netns exec vn-a ping 198.18.0.1', 'ip netns exec vn-b ping 198.19.0.1'" >&2
fi
disk=()
DISK=${DISK-build/disk.img}
if [ -n "$DISK" ]; then
    [ -f "$DISK" ] || qemu-img create -q -f raw "$DISK" 64M
    disk=(-drive "file=$DISK,if=none,id=nvm,format=raw"
          -device nvme,serial=rw0001,drive=nvm,bus=pcie.0,addr=0x4)
    echo "run: disk $DISK at 00:04.0 (save, show saved, show disklog on the console)" >&2
fi
# shellcheck disable=SC2086
"${netns[@]}" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" -machine q35 -smp "${SMP:-2}" \
    -m "${MEM:-512}" "${fw[@]}" -display none -no-reboot -serial mon:stdio -cdrom "$iso" \
    "${nics[@]}" "${disk[@]}" ${QEMU_EXTRA:-} "$@"
