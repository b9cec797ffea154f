# SPDX-License-Identifier: MIT
# Host-side client of the socket lab (tests/qemu/sock_lab.sh): talks to the
# echo component through the appliance from a lab namespace. One mode per
# call; prints one result line and exits 0 on success, 1 on failure.
#   echo ADDR CONNS BYTES     CONNS concurrent TCP echo connections to port 7,
#                             each sends BYTES random bytes, half-closes and
#                             must read back exactly the same bytes (sha256)
#   udp ADDR COUNT            COUNT UDP datagrams of 1..1472 bytes to port 7,
#                             each echoed byte for byte (3 tries each)
#   refused ADDR PORT         a TCP connect that must be refused (RST)
#   abandon ADDR BYTES        sends BYTES to the echo port without reading,
#                             then resets the connection (SO_LINGER 0)
#   discard ADDR BYTES        sends BYTES to the discard port 9, half-closes,
#                             waits for the server's close; prints Mbit/s
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def echo_one(addr, nbytes, results, i):
    data = os.urandom(nbytes)
    got = bytearray()
    try:
        s = socket.create_connection((addr, 7), timeout=60)

        def reader():
            while True:
                b = s.recv(1 << 16)
                if not b:
                    return
                got.extend(b)

        t = threading.Thread(target=reader)
        t.start()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        t.join(120)
        s.close()
    except OSError as e:
        results[i] = "error %s" % e
        return
    same = hashlib.sha256(data).digest() == hashlib.sha256(bytes(got)).digest()
    results[i] = "ok" if same else "mismatch: sent %d, got %d" % (nbytes, len(got))


def mode_echo(addr, conns, nbytes):
    results = [None] * conns
    ts = [threading.Thread(target=echo_one, args=(addr, nbytes, results, i)) for i in range(conns)]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join(180)
    dt = time.time() - t0
    bad = [r for r in results if r != "ok"]
    print("%d x %d bytes echoed, sha256 %s, %.1f s" % (conns, nbytes, "equal" if not bad else bad, dt))
    return not bad


def mode_udp(addr, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    ok = 0
    for i in range(count):
        size = 1 + (i * 97) % 1472
        msg = struct.pack("!I", i) + os.urandom(max(size - 4, 0))
        msg = msg[:size]
        for _ in range(3):
            s.sendto(msg, (addr, 7))
            try:
                while True:
                    rep, _ = s.recvfrom(2048)
                    if rep == msg:
                        ok += 1
                        break
            except socket.timeout:
                continue
            break
    print("%d of %d datagrams echoed" % (ok, count))
    return ok == count


def mode_refused(addr, port):
    try:
        socket.create_connection((addr, port), timeout=10).close()
    except ConnectionRefusedError:
        print("port %d refused (RST)" % port)
        return True
    except OSError as e:
        print("port %d: %s" % (port, e))
        return False
    print("port %d accepted a connection" % port)
    return False


def mode_abandon(addr, nbytes):
    s = socket.create_connection((addr, 7), timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sent = 0
    s.settimeout(5)
    try:
        while sent < nbytes:
            sent += s.send(os.urandom(min(65536, nbytes - sent)))
    except socket.timeout:
        pass  # the echo is held back by our unread receive window: expected
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("sent %d bytes without reading, then reset" % sent)
    return sent > 0


def mode_discard(addr, nbytes):
    block = bytes(1 << 20)
    s = socket.create_connection((addr, 9), timeout=60)
    t0 = time.time()
    left = nbytes
    while left > 0:
        n = min(left, len(block))
        s.sendall(block[:n])
        left -= n
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    dt = time.time() - t0
    s.close()
    print("%.1f Mbit/s (%d bytes in %.2f s)" % (nbytes * 8 / dt / 1e6, nbytes, dt))
    return True


def main():
    mode, addr = sys.argv[1], sys.argv[2]
    args = [int(a) for a in sys.argv[3:]]
    fn = {"echo": mode_echo, "udp": mode_udp, "refused": mode_refused,
          "abandon": mode_abandon, "discard": mode_discard}[mode]
    sys.exit(0 if fn(addr, *args) else 1)


if __name__ == "__main__":
    main()
