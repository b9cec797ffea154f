#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Turns bench/run's raw lines into the Markdown report: the median of each
# figure over the runs, its spread, and the ratio to its Linux peer.
import collections
import platform
import re
import statistics
import sys
import time

raw, runs = sys.argv[1], sys.argv[2]
vals = collections.defaultdict(list)
spreads = {}
for line in open(raw):
    m = re.match(r'^(host |)(\S+) (.+?): ([0-9.]+) (ns/rt|Mdesc/s|pps|Mbit/s|ms|%|IOPS|MB/s|KiB|bytes|s/Gbit)'
                 r'(?: \(([0-9.]+)-([0-9.]+)\))?', line.strip())
    if m:
        vals[(m.group(2), m.group(3))].append((float(m.group(4)), m.group(5)))
        if m.group(6):  # a script's own median over its runs, with their spread
            spreads[(m.group(2), m.group(3))] = (float(m.group(6)), float(m.group(7)))

def fig(system, name, fmt=',.0f'):
    v = vals.get((system, name))
    if not v:
        return None, '-'
    xs = [x for x, _ in v]
    med = statistics.median(xs)
    lo, hi = spreads.get((system, name), (min(xs), max(xs))) if len(xs) == 1 else (min(xs), max(xs))
    return med, f'{med:{fmt}} ({lo:{fmt}}-{hi:{fmt}})'

pairs = [
    ('notification, threads, same core', 'ntfn-thread same-core', 'eventfd same-core'),
    ('notification, threads, cross core', 'ntfn-thread cross-core', 'eventfd cross-core'),
    ('notification, processes, same core', 'ntfn-process same-core', 'eventfd same-core'),
    ('notification, processes, cross core', 'ntfn-process cross-core', 'eventfd cross-core'),
    ('control IPC call, processes, same core', 'chan-process same-core', 'pipe same-core'),
    ('control IPC call, processes, cross core', 'chan-process cross-core', 'pipe cross-core'),
]
print(f'# Ringwall benchmark report\n')
print(f'{time.strftime("%Y-%m-%d")}, {platform.machine()} host with {__import__("os").cpu_count()} '
      f'CPUs; guests under QEMU TCG, -smp 2, -m 512; median of {runs} alternating run(s), '
      f'spread in brackets.\n')
print('## Kernel IPC round trips (ns, lower is better)\n')
print('![kernel IPC](ipc.png)\n')
print('| what | Ringwall | Linux 6.1 peer | peer | Linux / Ringwall |')
print('|---|---|---|---|---|')
for title, ours, theirs in pairs:
    a, at = fig('ringwall', ours)
    b, bt = fig('linux', theirs)
    ratio = f'{b / a:.2f}' if a and b else '-'
    print(f'| {title} | {at} | {bt} | {theirs} (threads) | {ratio} |')
print('\nLinux / Ringwall above 1 means Ringwall is faster. The Linux peer runs two threads of one '
      'process (eventfd, or a pair of pipes for the call); Ringwall figures marked "processes" '
      'cross address spaces on every round trip.\n')
print('## virtio-net frames per second (host -> appliance -> host ICMP echo, higher is better)\n')
print('![virtio-net](vnet.png)\n')
print('| test | Ringwall (driver + responder) | Linux 6.1 peer | Ringwall / Linux |')
print('|---|---|---|---|')
for name in ('vnet ping-flood', 'vnet ping-flood-preload32'):
    a, at = fig('ringwall', name)
    b, bt = fig('linux', name)
    print(f'| {name} | {at} | {bt} | {a / b:.2f} |' if a and b else f'| {name} | {at} | {bt} | - |')
print('\nEach figure is the median bench/vnet/run.sh takes over its own alternating runs. '
      'Both guests boot in the same namespace lab with the same QEMU flags (TCG, q35, -smp 2, '
      'two virtio-net NICs on taps). Not like for like yet: Linux answers with its full IP stack, '
      'Ringwall with the ARP/ICMP responder.\n')
print('## Forwarding through the appliance (host iperf3 from one side to the other)\n')
print('![forwarding](forwarding.png)\n')
print('| test | Ringwall (drivers + router + stack) | Linux 6.1 router peer | Ringwall / Linux |')
print('|---|---|---|---|')
for name, unit in (('router tcp', 'Mbit/s'), ('router tcp-P4', 'Mbit/s'), ('router tcp-R', 'Mbit/s'),
                   ('router udp64', 'packets/s')):
    a, at = fig('ringwall', name)
    b, bt = fig('linux', name)
    ratio = f'{a / b:.2f}' if a and b else '-'
    print(f'| {name[7:]} ({unit}) | {at} | {bt} | {ratio} |')
print('\nEach figure is the median bench/router/run.sh takes over its own alternating runs, both '
      'guests booted by ../shared/peers/linux-router.sh in the same lab (TCG, q35, -smp 2, two '
      'virtio-net NICs). tcp-P4 is four streams, tcp-R the reverse direction, udp64 UDP with '
      '64-byte payloads offered at 50 Mbit/s (packets received per second). Above 1 means '
      'Ringwall forwards more.\n')
print('## iperf3 against the appliance (host iperf3 client to the endpoint at 198.18.0.1)\n')
print('![endpoint](endpoint.png)\n')
print('| test | Ringwall (drivers + router + stack + iperf3 server) | Linux 6.1 endpoint peer | '
      'Ringwall / Linux |')
print('|---|---|---|---|')
for name in ('endpoint tcp', 'endpoint tcp-P4', 'endpoint tcp-R', 'endpoint udp'):
    a, at = fig('ringwall', name, ',.1f')
    b, bt = fig('linux', name, ',.1f')
    ratio = f'{a / b:.2f}' if a and b else '-'
    print(f'| {name[9:]} (Mbit/s) | {at} | {bt} | {ratio} |')
_, at = fig('ringwall', 'endpoint udp-loss', '.2f')
_, bt = fig('linux', 'endpoint udp-loss', '.2f')
print(f'| udp loss (%, lower is better) | {at} | {bt} | - |')
print('\nEach figure is the median bench/endpoint/run.sh takes over its own alternating runs. The '
      'Linux peer is the same Debian kernel as the router peer with an initramfs holding the '
      'host\'s iperf3 (iperf3 -s); both guests boot in the same lab (TCG, q35, -smp 2, two '
      'virtio-net NICs) with the same QEMU flags. tcp-P4 is four streams, tcp-R the endpoint '
      'sending, udp offered at 200 Mbit/s (Mbit/s received, loss beside it). Above 1 means '
      'Ringwall moves more.\n')
print('## Boot (lower is better)\n')
print('![boot](boot.png)\n')
print('| figure | Ringwall | Linux 6.1 endpoint peer | Linux / Ringwall |')
print('|---|---|---|---|')
for name, unit in (('boot ready', 'ms'), ('boot memory', 'KiB'), ('boot image', 'bytes')):
    a, at = fig('ringwall', name)
    b, bt = fig('linux', name)
    ratio = f'{b / a:.2f}' if a and b else '-'
    print(f'| {name[5:]} ({unit}) | {at} | {bt} | {ratio} |')
print('\nbench/boot/run.sh, runs alternating, both guests in the same lab with the same QEMU flags '
      '(TCG, q35, -smp 2, 512 MiB, two virtio-net NICs). ready: from starting QEMU to the first TCP '
      'connect to the iperf3 port at 198.18.0.1 from the lab (about 50 ms resolution). memory: RAM '
      'the kernel manages less what it reports free once ready (Ringwall: `show memory` on the '
      'console; Linux: MemFree), kernel image and boot modules included on both. image: the ISO '
      '(GRUB, kernel, components) against vmlinuz plus the initramfs (busybox, iperf3 and its '
      'libraries, modules). Above 1 means Ringwall is smaller or faster.\n')
print('## NVMe disk (higher is better)\n')
print('![disk](disk.png)\n')
print('| pattern | queues | Ringwall (driver + clients) | Linux 6.1 + fio | Ringwall / Linux |')
print('|---|---|---|---|---|')
for sfx, nq in (('', 1), ('-4q', 4)):
    for name, unit in (('disk randread-4k', 'IOPS'), ('disk randwrite-4k', 'IOPS'),
                       ('disk seqread-128k', 'MB/s'), ('disk seqwrite-128k', 'MB/s')):
        a, at = fig('ringwall', name + sfx)
        b, bt = fig('linux', name + sfx)
        ratio = f'{a / b:.2f}' if a and b else '-'
        print(f'| {name[5:]} ({unit}) | {nq} | {at} | {bt} | {ratio} |')
print('\nbench/blk/run.sh on QEMU\'s -device nvme over a fresh 1 GiB raw image opened write-through '
      '(every acknowledged write is on the host\'s disk), 8 requests in flight per client or fio job '
      'for the same time per pattern. 1 queue: -smp 2, one Ringwall client (bench/blk/blk_bench.c) '
      'on one NVMe queue pair against one fio job (libaio, O_DIRECT). 4 queues: -smp 4 for both, one '
      'Ringwall client per core, so four queue pairs (one per core), running each pattern together, '
      'against fio with numjobs=4 (results added up) while Linux\'s nvme driver uses one queue per '
      'CPU. Runs alternate. A host with fewer than 4 CPUs oversubscribes the 4-queue guests.\n')
print('## CPU cost per forwarded gigabit\n')
print('![CPU cost](cpu.png)\n')
print('| test | Ringwall | Linux 6.1 router peer | Ringwall / Linux (lower is better) | '
      'Ringwall, its own count |')
print('|---|---|---|---|---|')
for test in ('tcp', 'tcp-P4', 'tcp-R'):
    for kind, what in (('cpu', 'vCPUs'), ('vm-cpu', 'whole VM')):
        a, at = fig('ringwall', f'router {kind}-{test}', ',.3f')
        b, bt = fig('linux', f'router {kind}-{test}', ',.3f')
        _, gt = fig('ringwall', f'router guest-cpu-{test}', ',.3f') if kind == 'cpu' else (0, '-')
        ratio = f'{a / b:.2f}' if a and b else '-'
        print(f'| {test}, {what} (CPU s per forwarded Gbit) | {at} | {bt} | {ratio} | {gt} |')
print('\nMeasured in the forwarding runs above (bench/router/run.sh), the same way for both '
      'guests: the host CPU time (utime + stime from /proc) of the guest\'s QEMU over each iperf3 '
      'run, divided by the gigabits iperf3 received. "vCPUs" counts the QEMU threads that run the '
      'guest (every thread but the main loop; both guests halt when idle, so a vCPU costs nothing '
      'while its guest waits); "whole VM" adds the main loop, where QEMU emulates the NICs, so it '
      'also charges a guest for how it drives its devices. Below 1 means Ringwall forwards a '
      'gigabit with less CPU. The last column is Ringwall\'s kernel\'s own count (busy time of '
      'every core from `show cpu --json`, read just before and after each run): busy wall time, '
      'which also counts moments the host deschedules a vCPU, so on a loaded host it reads above '
      'the host-side figure. Linux\'s own count is not read: the peer\'s init runs no shell on '
      'its serial console.\n')
print('## Driver restart under traffic (forwarding interruption, lower is better)\n')
print('| figure | Ringwall |')
print('|---|---|')
for name in ('recovery restart-median', 'recovery restart-p99', 'recovery restart-max'):
    a, at = fig('ringwall', name)
    print(f'| {name[9:]} (ms) | {at} |')
print('\nbench/recovery/run.sh restarts the wan driver from the console 100 times while a UDP probe '
      'crosses the appliance at 1,000 datagrams a second; each restart\'s interruption is the '
      'longest gap in the arrivals right after it. No Linux figure: a Linux router cannot restart '
      'a NIC driver under traffic without unloading it.\n')
print('## Rings (descriptors per second, higher is better)\n')
print('| configuration | Mdesc/s (median, spread) |')
print('|---|---|')
for (system, name), v in sorted(vals.items()):
    if v[0][1] == 'Mdesc/s':
        xs = [x for x, _ in v]
        print(f'| {system} {name} | {statistics.median(xs):,.1f} ({min(xs):,.1f}-{max(xs):,.1f}) |')
print('\nHost: two pinned threads on this machine. Guest: a producer and a consumer '
      'component on two cores under QEMU TCG, with the notification protocol.')
