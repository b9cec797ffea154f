// SPDX-License-Identifier: MIT
// blklog: an append-only log of records on a range of disk sectors that can be
// checked after a crash (the firewall log and counters, saved configurations).
// Every record starts on a sector boundary and fills whole sectors: a 32-byte
// header (magic, type, sectors, length, CRC32C, sequence number, log id), the
// payload, zero padding. Sequence numbers go up by one without gaps; when a
// record does not fit before the end of the area, it goes to the first sector
// (a ring: the oldest records are overwritten). A record whose CRC does not
// match (a write torn by a power-off, or by a crash in the middle of a
// multi-sector write) is ignored, so recovery finds the last good record and
// the writer continues after it. Rule for writers: one record write in flight
// at a time, acknowledged (write-through) before the next is issued; then only
// the newest record can be torn. This file does no I/O itself: encoding and
// decoding are pure, and recovery reads through a callback, so host tests
// compile it unchanged and any block client can use it.
#ifndef RW_BLKLOG_H
#define RW_BLKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLKLOG_MAGIC       0x474c5752u // "RWLG"
#define BLKLOG_HDR_BYTES   32u
#define BLKLOG_MAX_PAYLOAD (16384u - BLKLOG_HDR_BYTES)

struct blklog_hdr {
    uint32_t magic;  // BLKLOG_MAGIC
    uint16_t type;   // the writer's record type
    uint16_t nsect;  // sectors the record spans
    uint32_t len;    // payload bytes
    uint32_t crc;    // CRC32C of this header (crc = 0) and the payload
    uint64_t seq;    // 1, 2, 3, ...
    uint64_t log_id; // fixed when the log is created; other logs' records are ignored
};
_Static_assert(sizeof(struct blklog_hdr) == BLKLOG_HDR_BYTES, "blklog_hdr is on disk");

enum blklog_status {
    BLKLOG_OK = 0,
    BLKLOG_ENOREC = -1, // no record header here
    BLKLOG_ECRC = -2,   // a header, but the record is torn or corrupt
    BLKLOG_EINVAL = -3, // bad argument (sizes, buffer too small)
    BLKLOG_EIO = -4,    // the read callback failed
};

// The writer's position. [I] fixed at blklog_init.
struct blklog {
    uint32_t sect_size; // [I] bytes per sector, 512 or 4096
    uint64_t first;     // [I] first sector of the area
    uint64_t nsect;     // [I] sectors in the area
    uint64_t log_id;    // [I]
    uint64_t next_seq;  // sequence number of the next record
    uint64_t next_sect; // area-relative sector where it goes
};

// What recovery found.
struct blklog_scan {
    uint64_t records;   // valid records of this log in the area
    uint64_t first_seq; // oldest of the run that ends at last_seq (0: empty)
    uint64_t last_seq;  // newest valid record (0: empty)
    uint64_t last_sect; // area-relative sector of the newest record
    uint16_t last_type;
    uint32_t last_len;
    uint64_t torn; // headers of this log whose record failed its CRC
};

// Reads count sectors from absolute sector sect into buf; 0 on success.
typedef int (*blklog_read_fn)(void *ctx, uint64_t sect, uint32_t count, void *buf);

uint32_t blklog_crc32c(uint32_t crc, const void *data, size_t len);
// An empty log over [first, first + nsect): the first record goes to sector 0.
int blklog_init(struct blklog *lg, uint32_t sect_size, uint64_t first, uint64_t nsect,
                uint64_t log_id);
// Bytes (whole sectors) a record of len payload bytes takes.
uint32_t blklog_record_bytes(const struct blklog *lg, uint32_t len);
// Encodes the next record into out and advances lg. *sect gets the absolute
// sector to write it at, *bytes its size. The caller writes it (one write,
// waited for) before encoding another.
int blklog_encode(struct blklog *lg, uint16_t type, const void *payload, uint32_t len, void *out,
                  uint32_t out_size, uint64_t *sect, uint32_t *bytes);
// Checks the record at the start of buf (avail bytes); on BLKLOG_OK *h is its
// header and the payload follows it in buf.
int blklog_decode(const void *buf, uint32_t avail, uint64_t log_id, struct blklog_hdr *h);
// Scans the whole area (sector by sector, skipping over good records), finds
// the newest good record and sets lg to continue after it. scratch must hold
// the largest record (BLKLOG_HDR_BYTES + BLKLOG_MAX_PAYLOAD, sector-rounded).
int blklog_recover(struct blklog *lg, blklog_read_fn rd, void *ctx, void *scratch,
                   uint32_t scratch_size, struct blklog_scan *out);

#endif
