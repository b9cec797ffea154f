#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# CPU cost of one forwarding test for bench/router/run.sh: reads the iperf3
# client's JSON (-J) and the host CPU time the guest's QEMU took over the
# run, and prints raw "TEST VALUE UNIT" lines: the received rate, host CPU
# seconds of the guest's vCPU threads per gigabit received (cpu-TEST), the
# same for the whole QEMU process, device emulation included (vm-cpu-TEST),
# and, when given the guest's own busy nanoseconds (Ringwall's `show cpu
# --json`), the guest's view (guest-cpu-TEST). Measures nothing itself and
# prints no cost for a run that moved no bytes or whose counters are missing.
# Usage: cpucost.py TEST IPERF_JSON VCPU_TICKS ALL_TICKS CLK_TCK [GUEST_BUSY_NS]
import json
import sys

test, path, vcpu, whole, hz = sys.argv[1:6]
guest = sys.argv[6] if len(sys.argv) > 6 else ''
try:
    r = json.load(open(path))['end']['sum_received']
except (OSError, ValueError, KeyError) as e:
    sys.exit(f'cpucost: {test}: no iperf3 result in {path}: {e}')
print(test, round(r['bits_per_second'] / 1e6, 1), 'Mbit/s')
gbit = r['bytes'] * 8 / 1e9
if gbit <= 0:
    sys.exit(0)
if hz.isdigit() and int(hz) > 0:
    for name, ticks in ((f'cpu-{test}', vcpu), (f'vm-cpu-{test}', whole)):
        if ticks.isdigit() and int(ticks) > 0:
            print(name, round(int(ticks) / int(hz) / gbit, 4), 's/Gbit')
if guest.isdigit():
    print(f'guest-cpu-{test}', round(int(guest) / 1e9 / gbit, 4), 's/Gbit')
