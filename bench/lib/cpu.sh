# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# CPU time of a guest for the benchmarks, sourced inside the peer script's
# --exec command (bench/router/run.sh), where WORK is the peer's work folder
# and `console` types a line on the guest's serial console. Two views:
# cpu_qemu_ticks gives the host CPU time (utime + stime, in clock ticks) of
# the QEMU process, all of it and that of its vCPU threads, the same method
# for any guest, since both guests halt their vCPUs when idle; cpu_ringwall_busy_ns asks Ringwall's
# console (`show cpu --json`) for the busy time its kernel counted on every
# core. It decides nothing: the callers take differences.

# cpu_qemu_pid: the QEMU the peer script started for this WORK.
cpu_qemu_pid() {
    pgrep -n -f "^qemu-system-x86_64 .*path=$WORK/console.sock"
}

# cpu_qemu_ticks PID: "VCPU ALL", the utime + stime of PID's vCPU threads and
# of the whole process, in clock ticks. The peer starts QEMU without
# debug-threads=on, so its threads are not named: the vCPUs are taken to be
# every thread but the main one (tid == pid), which runs the main loop and
# with it the device emulation (tap I/O and the virtio-net back end); the
# others (RCU, I/O workers) sleep through a forwarding run.
cpu_qemu_ticks() {
    # fields after "(comm) ": state is the first, utime the 12th, stime the 13th
    awk -v pid="$1" 'FNR == 1 {
            tid = FILENAME; sub(/\/stat$/, "", tid); sub(/^.*\//, "", tid)
            sub(/^.*\) /, ""); t = $12 + $13; all += t; if (tid != pid) vcpu += t }
        END {print vcpu + 0, all + 0}' /proc/"$1"/task/*/stat 2>/dev/null
}

# cpu_ringwall_busy_ns: the sum over cores of busy_ns from a fresh
# `show cpu --json` answer in the serial log; nothing if none comes in 5 s.
cpu_ringwall_busy_ns() {
    local before js
    before=$(grep -ac '{"uptime_ns"' "$WORK/serial.log")
    console 'show cpu --json'
    for _ in $(seq 1 50); do
        js=$(grep -ao '{"uptime_ns".*}' "$WORK/serial.log" | tail -n +"$((before + 1))" | tail -1)
        [ -n "$js" ] && break
        sleep 0.1
    done
    [ -n "$js" ] || return 0
    python3 -c 'import json, sys; print(sum(c["busy_ns"] for c in json.loads(sys.argv[1])["cores"]))' "$js"
}
