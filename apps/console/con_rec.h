// SPDX-License-Identifier: MIT
// The console's disk records (apps/console/con_disk.c), as pure functions the
// host tests compile unchanged: where the two blklog areas lie on the disk
// (the saved configurations first, then the firewall log and counters), the
// payload of each record type (a "boot=B up=MS" line, then the body), the
// reading of the router's `show log --json` answer for the entries that are
// new since the last poll, a line-count comparison of two configuration
// texts, a read-ahead cache that turns sector reads into large ones, and a
// scan that lists the newest records of an area. No I/O and no allocation:
// reads go through a servers/blk/blklog.h callback. It does not decide when
// to write, and it is not a JSON parser beyond the router's fixed shapes.
#ifndef RW_CON_REC_H
#define RW_CON_REC_H

#include <stdbool.h>
#include <stdint.h>

#include "servers/blk/blklog.h"

enum con_rec_type {
    CON_REC_CONFIG = 1,   // a saved configuration text
    CON_REC_FWLOG = 2,    // firewall log entries, one JSON object per line
    CON_REC_COUNTERS = 3, // the router's `show counters --json` answer
};

#define CON_CFG_LOG_ID     0x4746432d4e4f43ull // "CON-CFG": the configuration area
#define CON_LOG_LOG_ID     0x474f4c2d4e4f43ull // "CON-LOG": the log area
#define CON_CFG_AREA_BYTES (1024u * 1024u)     // disk bytes 0 .. 1 MiB
#define CON_LOG_AREA_BYTES (8u * 1024u * 1024u)
#define CON_LOG_AREA_MIN   (256u * 1024u) // a smaller disk gets no log area
#define CON_FWLOG_MAX      64u            // entries one poll can see (the router keeps 64)

struct con_areas {
    uint64_t cfg_first, cfg_nsect; // sectors
    uint64_t log_first, log_nsect;
};

// The areas on a disk of nblocks sectors; false if it is too small.
bool con_areas_for(uint32_t sect_size, uint64_t nblocks, struct con_areas *a);

// What every payload starts with.
struct con_rec_meta {
    uint32_t boot;    // the appliance boot that wrote it (1, 2, ...)
    uint64_t up_ms;   // uptime when it was written
    const char *body; // after the first line
    uint32_t body_len;
};
// Payload of one record: the meta line and body; its length, or 0 if it does
// not fit cap (at most BLKLOG_MAX_PAYLOAD).
uint32_t con_rec_build(char *out, uint32_t cap, uint32_t boot, uint64_t up_ms, const char *body,
                       uint32_t len);
bool con_rec_meta(const char *payload, uint32_t len, struct con_rec_meta *m);

// The router's `show log --json`: {"logged":N,...,"entries":[{...},...]},
// oldest entry first.
struct con_fwlog {
    uint64_t logged;
    uint32_t n;
    const char *entry[CON_FWLOG_MAX];
    uint32_t entry_len[CON_FWLOG_MAX];
};
// False if the text is not that shape (truncated, or not the router's).
bool con_fwlog_parse(const char *json, uint32_t len, struct con_fwlog *f);
// The body of a log record for the entries after *last: "logged=N new=K
// lost=L" and K lines; L counts new entries the router no longer held or that
// did not fit. Sets *last to N. Returns the body length, 0 if nothing is new.
// A router that counts less than *last has restarted: all it holds is new.
uint32_t con_fwlog_body(const struct con_fwlog *f, uint64_t *last, char *out, uint32_t cap);

// Lines of a that b lacks plus lines of b that a lacks (as multisets, blank
// lines and comments included): 0 if the texts hold the same lines.
uint32_t con_diff_lines(const char *a, uint32_t alen, const char *b, uint32_t blen);

// A read-ahead cache in front of a sector reader: a read inside the window is
// a copy, a miss reads a whole window (clamped to [lo, hi)) from its start.
struct con_cache {
    blklog_read_fn rd;
    void *ctx;
    uint8_t *buf; // window_sect * sect_size bytes
    uint32_t sect_size, window_sect;
    uint64_t lo, hi;   // the area it may read ahead in
    uint64_t at, have; // the window: sectors [at, at + have)
    uint64_t misses;
};
void con_cache_init(struct con_cache *c, blklog_read_fn rd, void *ctx, uint8_t *buf,
                    uint32_t sect_size, uint32_t window_sect, uint64_t lo, uint64_t hi);
// A blklog_read_fn over a struct con_cache.
int con_cache_read(void *cache, uint64_t sect, uint32_t count, void *buf);

// One good record of an area.
struct con_recent {
    uint64_t seq, sect; // absolute sector
    uint16_t type, nsect;
    uint32_t len;
};
// Scans [first, first + nsect) like blklog_recover and keeps the newest cap
// records, oldest first, in out; *n gets how many. Returns a blklog status.
int con_scan_recent(blklog_read_fn rd, void *ctx, uint32_t sect_size, uint64_t first,
                    uint64_t nsect, uint64_t log_id, void *scratch, uint32_t scratch_size,
                    struct con_recent *out, uint32_t cap, uint32_t *n);

#endif
