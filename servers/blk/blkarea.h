// SPDX-License-Identifier: MIT
// blkarea: the layout of the appliance's disk, shared by the console, which
// writes it (apps/console/con_disk.c), and init, which reads the newest saved
// configuration from it at boot (servers/init/saved.c). Two blklog areas
// (servers/blk/blklog.h): the saved configurations from sector 0 (1 MiB), then
// the firewall log and counters (up to 8 MiB). Every record's payload starts
// with one line "boot=B up=MS" (the appliance boot that wrote it, its uptime)
// followed by the body. Pure functions, no I/O: the host tests compile it.
// Not a file system: nothing else on the disk is described or protected.
#ifndef RW_BLKAREA_H
#define RW_BLKAREA_H

#include <stdbool.h>
#include <stdint.h>

enum blkarea_rec_type {
    BLKAREA_REC_CONFIG = 1,   // a saved configuration text
    BLKAREA_REC_FWLOG = 2,    // firewall log entries, one JSON object per line
    BLKAREA_REC_COUNTERS = 3, // the router's `show counters --json` answer
};

#define BLKAREA_CFG_ID    0x4746432d4e4f43ull // "CON-CFG": the configuration area's log id
#define BLKAREA_LOG_ID    0x474f4c2d4e4f43ull // "CON-LOG": the log area's
#define BLKAREA_CFG_BYTES (1024u * 1024u)     // disk bytes 0 .. 1 MiB
#define BLKAREA_LOG_BYTES (8u * 1024u * 1024u)
#define BLKAREA_LOG_MIN   (256u * 1024u) // a smaller disk gets no log area

struct blkarea {
    uint64_t cfg_first, cfg_nsect; // sectors
    uint64_t log_first, log_nsect;
};

// The areas on a disk of nblocks sectors; false if it is too small.
bool blkarea_for(uint32_t sect_size, uint64_t nblocks, struct blkarea *a);

// What every payload starts with.
struct blkarea_meta {
    uint32_t boot;    // the appliance boot that wrote it (1, 2, ...)
    uint64_t up_ms;   // uptime when it was written
    const char *body; // after the first line
    uint32_t body_len;
};
// Payload of one record: the meta line and body; its length, or 0 if it does
// not fit cap (at most BLKLOG_MAX_PAYLOAD).
uint32_t blkarea_rec_build(char *out, uint32_t cap, uint32_t boot, uint64_t up_ms, const char *body,
                           uint32_t len);
// Reads the meta line of a payload; false if it is not one.
bool blkarea_rec_meta(const char *payload, uint32_t len, struct blkarea_meta *m);

#endif
