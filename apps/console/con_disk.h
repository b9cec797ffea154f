// SPDX-License-Identifier: MIT
// The management console as the appliance's persistence agent (apps/console):
// it is the block client of the NVMe driver through the region "disk"
// (shm/blk.h) and keeps two crash-checkable logs there (servers/blk/blklog.h,
// areas and payloads in con_rec.h): saved configurations, and the firewall
// log and counters it asks the router for every CON_DISK_PERIOD_NS. It answers
// `config`, `save`, `load`, `show saved` and `show disklog [N]`. One request is in
// flight at a time and every record is followed by a flush, so after a
// power-off only the newest record can be torn, and recovery skips it. Not a
// file system and not a general block client: it never reads or writes
// outside its two areas.
#ifndef RW_CON_DISK_H
#define RW_CON_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/component.h"

#define CON_DISK_REGION    "disk"
#define CON_DISK_CHAN      "disk" // our channel to the driver (its label)
#define CON_DISK_PERIOD_NS 5000000000ull

// Finds the region and channel (none: every disk command says "no disk").
void con_disk_init(const struct comp_info *ci);
// From the console's tick: attaches and recovers once the driver is up, and
// writes the periodic records when they are due.
void con_disk_tick(uint64_t now_ns);
// Runs cmd if it is one of the disk commands; false if it is not.
bool con_disk_command(const char *cmd);
// After `config`: true while pasted lines go to con_disk_feed (not commands);
// con_disk_overlong marks the text broken (a line was too long).
bool con_disk_collecting(void);
void con_disk_feed(const char *line);
void con_disk_overlong(void);

// Provided by console.c: output, and a question to the router (the answer's
// length, or -1 if it did not answer; out gets a NUL after the text).
void con_write(const char *s, size_t n);
void con_sanitize(char *s, size_t n);
int32_t con_ask(const char *cmd, char *out, uint32_t cap);

#endif
