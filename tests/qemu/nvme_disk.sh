#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The NVMe driver against QEMU's -device nvme on a raw disk image: boots the
# nvme test ISO (tests/qemu/nvme.conf, client tests/user/blk_check.c) twice on
# the same fresh image. Each boot writes and reads back patterns, has bad
# requests refused, sees a device error reported, and has the driver killed
# mid-write; the second boot must also read back what the first wrote. The
# host checks the first boot's stamp in the image in between. Every guest
# "BLK PASS/FAIL" line becomes a PASS/FAIL line here, prefixed with the boot.
# Queue pairs: the three clients run on two cores, so the driver must report
# two I/O queue pairs (two clients sharing one), and QEMU's own trace of the
# device (create_sq and io_cmd events) must show exactly two I/O submission
# queues of the driver's depth created and commands arriving on both.
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
        -device nvme,serial=rw0001,drive=nvm,bus=pcie.0,addr=0x4 \
        -trace pci_nvme_create_sq -trace pci_nvme_io_cmd -D "$W/trace$n.log"; then
        pass "nvme-boot$n-verdict"
    else
        fail "nvme-boot$n-verdict" "see $log"
    fi
    queues "$n" "$log" "$W/trace$n.log"
    sed -nE "s/^BLK (PASS|FAIL) (.*)/\1 nvme-boot$n-\2/p" "$log" | tr -d '\r' >"$W/cases$n"
    while read -r verdict rest; do
        if [ "$verdict" = PASS ]; then pass "$rest"; else fail "$rest"; fi
    done <"$W/cases$n"
    [ -s "$W/cases$n" ] || fail "nvme-boot$n-cases" "no BLK lines in $log"
}

# queues N LOG TRACE: the driver's report and the device's own view agree on
# one I/O queue pair per client core. Firmware (SeaBIOS) makes a queue of
# its own first: only queues of the driver's depth (64, qsize=63) count.
queues() {
    local n=$1 log=$2 trace=$3 sq cmds
    if grep -aq "nvme0: .* 2 I/O queue pair(s) for 3 client(s)" "$log" &&
        grep -aqE "^nvme0: I/O queue [12] for core 1: d0 d2" "$log" &&
        grep -aqE "^nvme0: I/O queue [12] for core 0: d1" "$log"; then
        pass "nvme-boot$n-queue-per-core"
    else
        fail "nvme-boot$n-queue-per-core" "see the nvme0 lines in $log"
    fi
    sq=$(sed -nE 's/.*create_sq .*sqid=([0-9]+), .*qsize=63,.*/\1/p' "$trace" | sort -u | tr '\n' ' ')
    cmds=$(awk '/pci_nvme_io_cmd/ {for (i = 1; i < NF; i++) if ($i == "sqid") print $(i + 1)}' \
        "$trace" | sort -n | uniq -c | awk '{printf "sq%s:%s ", $2, $1}')
    if [ "$sq" = "1 2 " ] && echo "$cmds" | grep -qE '^sq1:[0-9]+ sq2:[0-9]+ $'; then
        pass "nvme-boot$n-device-sees-two-queues: ${cmds% }"
    else
        fail "nvme-boot$n-device-sees-two-queues" "created '$sq', commands '$cmds' ($trace)"
    fi
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
