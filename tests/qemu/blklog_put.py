#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Test helper for tests/qemu/disk_lab.sh: appends one configuration record to
# the saved-configuration area of a raw disk image from the host, in the
# on-disk format of servers/blk/blklog.h and servers/blk/blkarea.h (512-byte
# sectors; the area is the first 1 MiB): 32-byte header (magic "RWLG", type,
# sectors, length, CRC32C over the header with crc 0 and the payload, sequence
# number, log id "CON-CFG"), payload "boot=B up=0\n" + the text, zero padding.
# The record goes after the newest good one with the next sequence number, as
# the console would write it. --damage flips one payload byte afterwards, as a
# torn or decayed write would leave it. Prints "record SEQ at sector S".
# Usage: blklog_put.py IMAGE BOOT TEXTFILE [--damage]
import struct
import sys

SECT, AREA = 512, 2048
MAGIC, TYPE_CONFIG, LOG_ID = 0x474C5752, 1, 0x4746432D4E4F43
HDR = struct.Struct('<IHHIIQQ')


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def record(seq, payload):
    nsect = (HDR.size + len(payload) + SECT - 1) // SECT
    hdr0 = HDR.pack(MAGIC, TYPE_CONFIG, nsect, len(payload), 0, seq, LOG_ID)
    crc = crc32c(payload, crc32c(hdr0))
    hdr = HDR.pack(MAGIC, TYPE_CONFIG, nsect, len(payload), crc, seq, LOG_ID)
    return (hdr + payload).ljust(nsect * SECT, b'\0')


def newest(area):
    """(seq, end sector) of the newest good record, (0, 0) if none."""
    best, s = (0, 0), 0
    while s < AREA:
        magic, rtype, nsect, length, crc, seq, log_id = HDR.unpack_from(area, s * SECT)
        need = (HDR.size + length + SECT - 1) // SECT
        if magic != MAGIC or log_id != LOG_ID or nsect != need or s + nsect > AREA:
            s += 1
            continue
        body = area[s * SECT + HDR.size:s * SECT + HDR.size + length]
        hdr0 = HDR.pack(magic, rtype, nsect, length, 0, seq, log_id)
        if crc32c(body, crc32c(hdr0)) != crc:
            s += 1
            continue
        if seq > best[0]:
            best = (seq, s + nsect)
        s += nsect
    return best


def main():
    image, boot, textfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    damage = '--damage' in sys.argv[4:]
    with open(textfile, 'rb') as f:
        payload = b'boot=%d up=0\n' % boot + f.read()
    with open(image, 'r+b') as img:
        area = img.read(AREA * SECT)
        seq, at = newest(area)
        rec = record(seq + 1, payload)
        if at + len(rec) // SECT > AREA:
            at = 0
        if damage:
            rec = bytearray(rec)
            rec[HDR.size + len(payload) // 2] ^= 0x55
        img.seek(at * SECT)
        img.write(bytes(rec))
    print('record %d at sector %d' % (seq + 1, at))


if __name__ == '__main__':
    main()
