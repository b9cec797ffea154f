# SPDX-License-Identifier: MIT
# Helpers for QEMU boot tests, sourced by tests/run and the per-feature test
# scripts. Every boot goes through GRUB from an ISO (-cdrom), never -kernel.

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd

# qemu_boot ISO LOG TIMEOUT FIRMWARE [QEMU ARGS...]
# Boots ISO with serial output in LOG until the guest ends QEMU through
# isa-debug-exit or TIMEOUT seconds pass. Returns QEMU's status (124 = timeout).
qemu_boot() {
    local iso=$1 log=$2 timeout=$3 fw=$4
    shift 4
    local fwargs=()
    [ "$fw" = uefi ] && fwargs=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE")
    timeout --foreground "$timeout" qemu-system-x86_64 -accel "${ACCEL:-tcg}" -machine q35 \
        -smp "${SMP:-2}" -m "${MEM:-512}" -display none -no-reboot "${fwargs[@]}" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -serial "file:$log" -cdrom "$iso" "$@" </dev/null >"$log.qemu" 2>&1
}

# qemu_boot_until ISO LOG TIMEOUT FIRMWARE PATTERN [QEMU ARGS...]
# Boots ISO and succeeds as soon as PATTERN (extended regex) appears in the
# serial log; fails if QEMU exits first or TIMEOUT passes.
qemu_boot_until() {
    local iso=$1 log=$2 timeout=$3 fw=$4 pattern=$5
    shift 5
    : >"$log"
    qemu_boot "$iso" "$log" "$timeout" "$fw" "$@" &
    local pid=$! t=0
    while [ $t -lt $((timeout * 10)) ]; do
        if grep -aqE "$pattern" "$log"; then
            pkill -P "$pid" qemu-system-x86 2>/dev/null
            kill "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
        t=$((t + 1))
    done
    pkill -P "$pid" qemu-system-x86 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
}

# qemu_verdict ISO LOG TIMEOUT FIRMWARE [QEMU ARGS...]
# Boots a test ISO; succeeds only if the guest printed a PASS verdict and ended
# QEMU with status 1 (isa-debug-exit value 0).
qemu_verdict() {
    local status=0
    qemu_boot "$@" || status=$?
    [ "$status" -eq 1 ] && grep -aq 'RINGWALL-TEST-VERDICT: PASS' "$2"
}
