#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bar charts of the benchmark report: reads the raw lines bench/run collects
# ("SYSTEM NAME: VALUE UNIT", several per figure when it ran more than once)
# and draws one PNG per comparison, Ringwall and its Linux peer side by side
# for every test, each bar the median of that figure's lines. Draws nothing
# it has no figure for and measures nothing; bench/report.py links the PNGs.
#   forwarding.png  iperf3 through the appliance (Mbit/s)
#   endpoint.png    iperf3 against the appliance (Mbit/s)
#   ipc.png         kernel IPC round trips (ns)
#   vnet.png        virtio-net frames per second
#   boot.png        ready time, memory in use, image size
#   disk.png        NVMe IOPS and MB/s
#   cpu.png         CPU seconds per forwarded gigabit
# Usage: bench/plot.sh RAW OUTDIR   (needs gnuplot)
set -euo pipefail
RAW=$1
DIR=$2
command -v gnuplot >/dev/null || { echo "plot: gnuplot not installed" >&2; exit 1; }
mkdir -p "$DIR"

# median SYSTEM NAME: the median value of "SYSTEM NAME: VALUE ..." lines.
median() {
    awk -v p="$1 $2: " '{sub(/^host /, "")} index($0, p) == 1 {
        v = substr($0, length(p) + 1); split(v, f, " "); print f[1]}' "$RAW" | sort -g |
        awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'
}

# bars NAME TITLE YLABEL ROW...: NAME.png from rows "LABEL|RINGWALL-NAME|
# LINUX-NAME|DIVISOR" (a missing figure becomes an empty bar; a chart with no
# figure at all is not drawn).
bars() {
    local name=$1 title=$2 ylabel=$3 row label ours theirs div a b any=
    local dat=$DIR/$name.dat
    shift 3
    : >"$dat"
    for row in "$@"; do
        IFS='|' read -r label ours theirs div <<<"$row"
        a=$(median ringwall "$ours")
        b=$(median linux "$theirs")
        [ -n "$a$b" ] && any=1
        awk -v l="$label" -v a="${a:-}" -v b="${b:-}" -v d="$div" 'BEGIN {
            printf "\"%s\" %s %s\n", l, a == "" ? "?" : a / d, b == "" ? "?" : b / d}' >>"$dat"
    done
    [ -n "$any" ] || { rm -f "$dat" "$DIR/$name.png"; return 0; }
    gnuplot <<EOF
set terminal pngcairo size 1000,480 font ",10"
set output "$DIR/$name.png"
set title "$title"
set ylabel "$ylabel"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key top right
set xtics noenhanced font ",9"
set datafile missing "?"
plot "$dat" using 2:xtic(1) title "Ringwall" linecolor rgb "#1f77b4", \
     "" using 3 title "Linux 6.1" linecolor rgb "#ff7f0e"
EOF
    rm -f "$dat"
}

bars forwarding "Forwarding through the appliance (iperf3, higher is better)" "Mbit/s" \
    "tcp|router tcp|router tcp|1" "tcp-P4|router tcp-P4|router tcp-P4|1" \
    "tcp-R|router tcp-R|router tcp-R|1"
bars endpoint "iperf3 against the appliance (higher is better)" "Mbit/s" \
    "tcp|endpoint tcp|endpoint tcp|1" "tcp-P4|endpoint tcp-P4|endpoint tcp-P4|1" \
    "tcp-R|endpoint tcp-R|endpoint tcp-R|1" "udp|endpoint udp|endpoint udp|1"
bars ipc "Kernel IPC round trips (lower is better)" "ns per round trip" \
    "ntfn threads, same core|ntfn-thread same-core|eventfd same-core|1" \
    "ntfn threads, cross core|ntfn-thread cross-core|eventfd cross-core|1" \
    "call procs, same core|chan-process same-core|pipe same-core|1" \
    "call procs, cross core|chan-process cross-core|pipe cross-core|1"
bars vnet "virtio-net ICMP echo (higher is better)" "frames per second" \
    "ping-flood|vnet ping-flood|vnet ping-flood|1" \
    "ping-flood, 32 preloaded|vnet ping-flood-preload32|vnet ping-flood-preload32|1"
bars boot "Boot (lower is better)" "s / MiB / MB, as labelled" \
    "ready to iperf3 (s)|boot ready|boot ready|1000" \
    "memory in use (MiB)|boot memory|boot memory|1024" \
    "image (MB)|boot image|boot image|1000000"
bars disk "NVMe, 8 in flight per queue, 1 and 4 queues (higher is better)" \
    "kIOPS (random 4 KiB) / GB/s (sequential 128 KiB)" \
    "randread 1q|disk randread-4k|disk randread-4k|1000" \
    "randread 4q|disk randread-4k-4q|disk randread-4k-4q|1000" \
    "randwrite 1q|disk randwrite-4k|disk randwrite-4k|1000" \
    "randwrite 4q|disk randwrite-4k-4q|disk randwrite-4k-4q|1000" \
    "seqread 1q|disk seqread-128k|disk seqread-128k|1000" \
    "seqread 4q|disk seqread-128k-4q|disk seqread-128k-4q|1000" \
    "seqwrite 1q|disk seqwrite-128k|disk seqwrite-128k|1000" \
    "seqwrite 4q|disk seqwrite-128k-4q|disk seqwrite-128k-4q|1000"
bars cpu "CPU cost of forwarding (host CPU of the guest's QEMU, lower is better)" \
    "CPU s per forwarded Gbit" \
    "tcp, vCPUs|router cpu-tcp|router cpu-tcp|1" "tcp-P4, vCPUs|router cpu-tcp-P4|router cpu-tcp-P4|1" \
    "tcp-R, vCPUs|router cpu-tcp-R|router cpu-tcp-R|1" \
    "tcp, whole VM|router vm-cpu-tcp|router vm-cpu-tcp|1" \
    "tcp-P4, whole VM|router vm-cpu-tcp-P4|router vm-cpu-tcp-P4|1" \
    "tcp-R, whole VM|router vm-cpu-tcp-R|router vm-cpu-tcp-R|1"
find "$DIR" -maxdepth 1 -name '*.png' | sort | sed 's/^/plot: /' >&2
