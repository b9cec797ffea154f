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
# too. Then the saved configuration at boot, on the same image: in boot 4,
# `config` refuses a pasted text with a bad rule (naming its line), takes one
# that blocks port 7002 instead of 7001, saves it, and `load` publishes its
# rules at once (seen with `show rules` and real connects: blocked ports time
# out, open ones are refused by the far host). Boot 5 boots that saved
# configuration (init says so, the rules and connects agree); boot 6 with
# the factory ISO (ringwall.factory) gets the medium's rules; boot 7 finds a
# newer record damaged by the host (tests/qemu/blklog_put.py) and skips it;
# boot 8 finds a newest record whose text does not parse and falls back to
# the medium's configuration, saying why. PASS/FAIL lines and "N passed, N
# failed". Namespaces $LAB_PFX-lab, -a, -b (LAB_PFX, default dk).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
ISO=${ISO:-$B/test/disk.iso}
FACTORY_ISO=${FACTORY_ISO:-$B/test/diskfactory.iso}
LAB_WORK=${LAB_WORK:-/tmp/disk-lab}
LAB_PFX=${LAB_PFX:-dk}
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
    lab_qemu "${BOOT_ISO:-$ISO}" ""
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
lab_down
lab_up 1500 || { echo "FAIL lab: namespaces"; exit 1; }
router_routes

# ---- the saved configuration at boot ----
# connects PORT: what five TCP connects from dk-a to 198.19.0.2:PORT get:
# "timeout" (dropped by a rule) or "refused" (passed; nothing listens there).
connects() {
    $LAB_A "$PY" -c '
import socket, sys
for i in range(3):
    s = socket.socket(); s.settimeout(1)
    try: s.connect(("198.19.0.2", int(sys.argv[1]))); print("open")
    except socket.timeout: print("timeout")
    except ConnectionRefusedError: print("refused")
    except OSError as e: print("error", e.errno)
    s.close()
' "$1" | sort | uniq -c | tr -s ' \n' ' '
}
# rules_are N WANT OTHER: `show rules` names port WANT and not OTHER, 7001
# times out or is refused as WANT says, and so does 7002.
rules_are() {
    local n=$1 want=$2 other=$3 out
    out=$(router_cmd "show rules")
    if grep -qE "port[ =]+$want" <<<"$out" && ! grep -qE "port[ =]+$other" <<<"$out"; then
        pass "disk-boot$n-rules-block-$want"
    else fail "disk-boot$n-rules-block-$want" "$(tr '\n' '|' <<<"$out" | head -c 400)"; fi
    expect "disk-boot$n-port-$want-blocked" "$(connects "$want")" "3 timeout"
    expect "disk-boot$n-port-$other-passes" "$(connects "$other")" "3 refused"
}
# paste_config TEXTFILE: `config`, the file's lines, then ".", as typed on COM1.
paste_config() {
    router_cmd "$(printf 'config\r'; tr '\n' '\r' <"$1"; printf '.')"
}
# The medium's configuration with port 7002 blocked instead of 7001 (comments
# dropped: a console line holds at most 255 bytes).
grep -vE '^[[:space:]]*(#|$)' tests/qemu/disk.conf | sed 's/port 7001/port 7002/' >"$LAB_WORK/new.conf"
grep -vE '^[[:space:]]*(#|$)' tests/qemu/disk.conf |
    sed 's/^rule block log in on lan0 .*/rule block in on lan9 proto tcp to port 7002/' \
        >"$LAB_WORK/badrule.conf"
printf 'component x elf=nvme.elf core=0\nthis is no statement\n' >"$LAB_WORK/invalid.conf"
badline=$(grep -n 'lan9' "$LAB_WORK/badrule.conf" | cut -d: -f1)

boot 4 "${DISK[@]}"
rules_are 4 7001 7002
out=$(paste_config "$LAB_WORK/badrule.conf")
expect disk-boot4-config-bad-rule-refused "$out" "^config: error: line $badline: .*not saved"
out=$(paste_config "$LAB_WORK/new.conf")
expect disk-boot4-config-saved "$out" "^config: ok, [0-9]+ lines checked .* saved as record 2 "
out=$(router_cmd load)
expect disk-boot4-load-rules "$out" "^load: ok, ruleset generation [0-9]+: 2 rules"
expect disk-boot4-load-rest-next-boot "$out" "everything else takes effect at the next boot"
rules_are 4-loaded 7002 7001
power_off 4

boot 5 "${DISK[@]}"
expect disk-boot5-init-uses-saved "$(tr -d '\r' <"$LAB_WORK/serial.log")" \
    "^init: using the saved configuration, record 2 from boot [0-9]+, "
rules_are 5 7002 7001
expect disk-boot5-load-same "$(router_cmd load)" "is the boot configuration"
power_off 5

BOOT_ISO=$FACTORY_ISO boot 6 "${DISK[@]}"
expect disk-boot6-factory-word "$(tr -d '\r' <"$LAB_WORK/serial.log")" \
    "^init: ringwall.factory: the saved configuration is ignored"
rules_are 6 7001 7002
power_off 6

sed 's/port 7002/port 7003/' "$LAB_WORK/new.conf" >"$LAB_WORK/newer.conf"
expect disk-host-damaged-record "$("$PY" tests/qemu/blklog_put.py "$img" 9 "$LAB_WORK/newer.conf" \
    --damage)" "^record 3 "
boot 7 "${DISK[@]}"
expect disk-boot7-damaged-skipped "$(tr -d '\r' <"$LAB_WORK/serial.log")" \
    "^init: using the saved configuration, record 2 from boot [0-9]+, .*1 damaged record"
rules_are 7 7002 7001
power_off 7

expect disk-host-invalid-record "$("$PY" tests/qemu/blklog_put.py "$img" 9 \
    "$LAB_WORK/invalid.conf")" "^record 3 "
boot 8 "${DISK[@]}"
expect disk-boot8-invalid-falls-back "$(tr -d '\r' <"$LAB_WORK/serial.log")" \
    "^init: saved configuration record 3 from boot 9 is not valid: line 2: .*: using the configuration on the boot medium"
rules_are 8 7001 7002
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
