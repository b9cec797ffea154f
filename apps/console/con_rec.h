// SPDX-License-Identifier: MIT
// The console's disk records (apps/console/con_disk.c), as pure functions the
// host tests compile unchanged (where the areas lie and the payload's first
// line are servers/blk/blkarea.h's, shared with init): the
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

#include "servers/blk/blkarea.h"
#include "servers/blk/blklog.h"

#define CON_FWLOG_MAX 64u // entries one poll can see (the router keeps 64)

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
