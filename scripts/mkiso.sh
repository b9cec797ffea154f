#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds a GRUB rescue ISO (BIOS and UEFI) that loads the Ringwall kernel with
# multiboot2 and every component ELF and the appliance configuration as
# multiboot2 modules. Each module's GRUB command line is its file name, which
# is how the kernel and init find it. A second menu entry adds the word
# ringwall.factory: init then ignores a configuration saved on the disk and
# boots the one on this medium (servers/init/saved.h). GRUB boots the first
# entry at once unless GRUB_TIMEOUT (seconds, default 0) gives time to pick.
# Usage: mkiso.sh OUT.iso KERNEL.elf "KERNEL CMDLINE" CONFIG [COMPONENT.elf ...]
set -euo pipefail
out=$1 kernel=$2 cmdline=$3 config=$4
shift 4
stage=$(mktemp -d "${TMPDIR:-/tmp}/ringwall-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/ringwall.elf"
cp "$config" "$stage/boot/ringwall.conf"
modules="    module2 /boot/ringwall.conf ringwall.conf"
for elf in "$@"; do
    name=$(basename "$elf")
    cp "$elf" "$stage/boot/$name"
    modules="$modules
    module2 /boot/$name $name"
done
cat > "$stage/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
set timeout=${GRUB_TIMEOUT:-0}
set default=0
menuentry "Ringwall" {
    multiboot2 /boot/ringwall.elf $cmdline
$modules
    boot
}
menuentry "Ringwall, factory configuration (ignore the one saved on the disk)" {
    multiboot2 /boot/ringwall.elf $cmdline ringwall.factory
$modules
    boot
}
CFG
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" >"$stage.log" 2>&1 || { cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
