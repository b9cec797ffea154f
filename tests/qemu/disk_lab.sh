#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Persistence in the network lab: boots the disk ISO (tests/qemu/disk.conf:
# the default configuration, NVMe driver optional=yes at 00:04.0, plus a
# logged block rule for TCP port 7001 from the lan) three times. Boot 1 on a
# fresh 64 MiB image: `save`, TCP connects from dk-a to 198.19.0.2:7001 that
# the rule logs, a wait for the console's periodic flush to write them, then
# QEMU is killed hard (SIGKILL: a power-off, no shutdown). Boot 2 on the same
# image: `show saved` prints the saved text, `show disklog` the packets logged
# in boot 1 and a counters snapshot, and the new boot number. Boot 3 without
# any disk: init leaves the NVMe driver out, the router still forwards, and
# `save` answers "error: no disk". The host checks the image between boots
# too. PASS/FAIL lines and "N passed, N failed". Namespaces dk-lab, dk-a, dk-b.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/test/disk.iso}
LAB_WORK=${LAB_WORK:-/tmp/disk-lab}
LAB_PFX=dk
PY=/usr/bin/python3
. tests/qemu/vnet_lab.sh
. tests/qemu/router_lib.sh
trap lab_down EXIT

[ -f "$ISO" ] || { echo "FAIL iso: $ISO missing"; exit 1; }
lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
router_routes
img=$LAB_WORK/disk.img
rm -f "$img"
qemu-img create -q -f raw "$img" 64M || { echo "FAIL image: qemu-img"; exit 1; }
DISK=(-drive "file=$img,if=none,id=nvm,format=raw"
      -device nvme,serial=rw0001,drive=nvm,bus=pcie.0,addr=0x4)

# expect NAME TEXT PATTERN: passes if TEXT matches the extended regex.
expect() {
    if grep -qE -- "$3" <<<"$2"; then pass "$1"; else
        fail "$1" "no '$3' in: $(head -c 400 <<<"$2" | tr '\n' '|')"; fi
}

# boot N [disk]: boots, waits for the appliance and (with a disk) the console's recovery.
boot() {
    local n=$1
    shift
    LAB_QEMU_EXTRA=("$@")
    lab_qemu "$ISO" ""
    if lab_ready; then pass "disk-boot$n-up"; else fail "disk-boot$n-up" "see $LAB_WORK/serial.log"; fi
    if [ $# -gt 0 ]; then
        if lab_wait "console: disk: " 60; then pass "disk-boot$n-recovered"; else
            fail "disk-boot$n-recovered" "no 'console: disk:' line"; fi
    fi
    cp "$LAB_WORK/serial.log" "$LAB_WORK/boot$n.log" 2>/dev/null
}

# A power-off: SIGKILL to QEMU, nothing gets to shut down.
power_off() {
    local n=$1
    # shellcheck disable=SC2046
    kill -9 $(ip netns pids "$LAB_NS") 2>/dev/null
    wait "$LAB_QPID" 2>/dev/null
    LAB_QPID=
    cp "$LAB_WORK/serial.log" "$LAB_WORK/boot$n.log"
}

probe_7001() {
    $LAB_A "$PY" -c '
import socket
for i in range(5):
    s = socket.socket(); s.settimeout(1)
    try: s.connect(("198.19.0.2", 7001)); print("open")
    except OSError: print("timeout")
    s.close()
'
}

# ---- boot 1: fresh disk, save, logged packets, flush, power-off ----
boot 1 "${DISK[@]}"
grep -aq "saved configurations: 0 records" "$LAB_WORK/serial.log" && pass disk-boot1-fresh ||
    fail disk-boot1-fresh "see $LAB_WORK/boot1.log"
out=$(router_cmd "show saved")
expect disk-boot1-nothing-saved "$out" "no saved configuration"
out=$(router_cmd save)
expect disk-boot1-save "$out" "^save: ok, [0-9]+ bytes saved as record 1 "
res=$(probe_7001 | sort | uniq -c | tr '\n' ' ')
expect disk-boot1-port-7001-blocked "$res" "5 timeout"
logged=$(router_json_get "$(router_cmd 'show log --json')" 'd["logged"]' 2>/dev/null)
[ "${logged:-0}" -ge 5 ] && pass "disk-boot1-router-logged ($logged)" ||
    fail disk-boot1-router-logged "logged=${logged:-?}"
sleep 12 # two periods of the console's flush
out=$(router_cmd "show disklog 20")
expect disk-boot1-disklog-has-entries "$out" '"dport":7001'
power_off 1
if grep -aq "RWLG" "$img"; then pass disk-host-sees-records; else
    fail disk-host-sees-records "no blklog magic in the image"; fi

# ---- boot 2: the same image ----
boot 2 "${DISK[@]}"
expect disk-boot2-recovery "$(tr -d '\r' <"$LAB_WORK/serial.log")" \
    "saved configurations: 1 records .*boot 2$"
out=$(router_cmd "show saved")
expect disk-boot2-show-saved "$out" "^saved configuration: record 1, written in boot 1"
expect disk-boot2-saved-text "$out" "^rule block log in on lan0 proto tcp to port 7001"
out=$(router_cmd load)
expect disk-boot2-load "$out" "is the boot configuration"
out=$(router_cmd "show disklog 64")
echo "$out" >"$LAB_WORK/disklog2.txt"
expect disk-boot2-disklog-boot1-log "$out" "boot 1, uptime [0-9]+ s, firewall-log"
expect disk-boot2-disklog-entries "$out" '"action":"block".*"dst":"198.19.0.2","dport":7001'
expect disk-boot2-disklog-counters "$out" "boot 1, uptime [0-9]+ s, counters"
expect disk-boot2-counters-json "$out" '"fw_drops":[1-9]'
lab_down
lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
router_routes

# ---- boot 3: no disk at all ----
boot 3
expect disk-boot3-nvme-left-out "$(tr -d '\r' <"$LAB_WORK/serial.log")" \
    "init: 'nvme' not started: no device pci:00:04.0"
out=$(router_cmd save)
expect disk-boot3-save-no-disk "$out" "^error: no disk"
out=$(router_cmd "show components")
expect disk-boot3-nvme-stopped "$out" "nvme +stopped"
lab_ping disk-boot3-forwards "$VN_A" 198.19.0.2 -c 3 -W 2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
