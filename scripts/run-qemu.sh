#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boots a Ringwall ISO in QEMU with the serial console on this terminal.
# Environment: ACCEL (tcg, or kvm on a real host), SMP (2), MEM (512 MiB),
# FIRMWARE (bios or uefi), QEMU_EXTRA (more QEMU arguments: NICs, disks).
# Leave QEMU with Ctrl-A X.
set -euo pipefail
iso=$1
shift
accel=${ACCEL:-tcg}
cpu=()
[ "$accel" = kvm ] && cpu=(-cpu host,-arch-capabilities)
fw=()
if [ "${FIRMWARE:-bios}" = uefi ]; then
    fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd)
fi
# shellcheck disable=SC2086
exec qemu-system-x86_64 -accel "$accel" "${cpu[@]}" -machine q35 -smp "${SMP:-2}" -m "${MEM:-512}" \
    "${fw[@]}" -display none -no-reboot -serial mon:stdio -cdrom "$iso" ${QEMU_EXTRA:-} "$@"
