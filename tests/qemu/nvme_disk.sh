#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The NVMe driver against QEMU's -device nvme on a raw disk image: boots the
# nvme test ISO (tests/qemu/nvme.conf, client tests/user/blk_check.c) twice on
# the same fresh image. Each boot writes and reads back patterns, has bad
# requests refused, sees a device error reported, and has the driver killed
# mid-write; the second boot must also read back what the first wrote. The
# host checks the first boot's stamp in the image in between. Every guest
# "BLK PASS/FAIL" line becomes a PASS/FAIL line here, prefixed with the boot.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
W=$B/nvme-disk
. tests/qemu/lib.sh
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
mkdir -p "$W"
img=$W/disk.img
rm -f "$img"
qemu-img create -q -f raw "$img" 64M || { fail nvme-image "qemu-img"; exit 1; }

# boot N: one boot on the image, guest lines turned into ours.
boot() {
    local n=$1 log=$W/boot$1.log
    if qemu_verdict "$B/test/nvme.iso" "$log" 180 bios \
        -drive "file=$img,if=none,id=nvm,format=raw" \
        -device nvme,serial=rw0001,drive=nvm,bus=pcie.0,addr=0x4; then
        pass "nvme-boot$n-verdict"
    else
        fail "nvme-boot$n-verdict" "see $log"
    fi
    sed -nE "s/^BLK (PASS|FAIL) (.*)/\1 nvme-boot$n-\2/p" "$log" | tr -d '\r' >"$W/cases$n"
    while read -r verdict rest; do
        if [ "$verdict" = PASS ]; then pass "$rest"; else fail "$rest"; fi
    done <"$W/cases$n"
    [ -s "$W/cases$n" ] || fail "nvme-boot$n-cases" "no BLK lines in $log"
}

boot 1
if grep -aq "fresh disk" "$W/boot1.log"; then pass nvme-boot1-fresh-disk; else
    fail nvme-boot1-fresh-disk "the first boot found a stamp"; fi
# The stamp the first boot wrote, seen from the host in the last block.
if tail -c 512 "$img" | head -c 8 | grep -q "WBLKBCHK"; then pass nvme-host-sees-stamp; else
    fail nvme-host-sees-stamp "no stamp in the image's last block"; fi
boot 2
if grep -aq "^BLK PASS persist-readback" "$W/boot2.log"; then pass nvme-boot2-persistence; else
    fail nvme-boot2-persistence "see $W/boot2.log"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
