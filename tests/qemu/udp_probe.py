#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The forwarding-interruption probe (RFC 6201 reset time, measured from
# traffic): "send DST SECONDS" sends numbered UDP datagrams to DST:9100 every
# millisecond; "recv SECONDS" receives them on port 9100 and prints one JSON
# object: datagrams received and lost, and every interruption longer than
# GAP_MS (the time between the last datagram before a run of losses and the
# first one after it), in milliseconds: a run of losses, or datagrams held up
# and delivered late (an interruption the network buffered). Used by the
# recovery test and bench. Each gap carries "t", the host's CLOCK_MONOTONIC
# at its start (seconds), so that it can be matched with what caused it.
import json
import os
import socket
import struct
import sys
import time

PORT = 9100
GAP_MS = float(os.environ.get("PROBE_GAP_MS", "3"))


def send(dst, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    seq = 0
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        try:
            s.sendto(struct.pack("!Q", seq), (dst, PORT))
        except OSError:
            pass  # no route for a moment: the receiver sees the gap
        seq += 1
        next_at = start + seq * 0.001
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps({"sent": seq}))


def recv(seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", PORT))
    s.settimeout(0.2)
    end = time.monotonic() + seconds
    last_seq, last_t, got, gaps, highest = None, None, 0, [], -1
    while time.monotonic() < end:
        try:
            data = s.recv(64)
        except socket.timeout:
            continue
        t = time.monotonic()
        if len(data) != 8:
            continue
        (seq,) = struct.unpack("!Q", data)
        got += 1
        if last_seq is not None and seq > last_seq:
            ms = (t - last_t) * 1000.0
            if ms > GAP_MS:
                gaps.append({"after_seq": last_seq, "lost": seq - last_seq - 1, "ms": round(ms, 1),
                             "t": round(last_t, 4)})
        if last_seq is None or seq > last_seq:
            last_seq, last_t = seq, t
        highest = max(highest, seq)
    lost = highest + 1 - got if highest >= 0 else 0
    print(json.dumps({"received": got, "lost": lost, "gaps": gaps}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "send":
        send(sys.argv[2], float(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "recv":
        recv(float(sys.argv[2]))
    else:
        sys.exit("usage: udp_probe.py send DST SECONDS | recv SECONDS")
