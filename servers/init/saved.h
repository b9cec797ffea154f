// SPDX-License-Identifier: MIT
// The saved configuration at boot: which configuration init boots with.
// saved_pick() looks at a copy of the disk's configuration area
// (servers/blk/blkarea.h), finds the newest good record (servers/blk/blklog.h:
// a torn or damaged one is skipped and counted), and checks its text as init
// would at boot: the configuration parser, and a boot module for every
// component image. Only a text that passes is used; otherwise init boots the
// configuration on the boot medium and logs why. The kernel command-line word
// SAVED_FACTORY_WORD skips all this (the factory configuration), so a saved
// configuration can never keep the appliance from booting what it shipped
// with. Pure (no I/O: the caller reads the area, saved_disk.c in init), so
// the host tests compile it unchanged.
#ifndef RW_SAVED_H
#define RW_SAVED_H

#include <stdbool.h>
#include <stdint.h>

#include "servers/init/config.h"

#define SAVED_FACTORY_WORD "ringwall.factory"
#define SAVED_WHY_MAX      (CONFIG_MSG_MAX + 96)

enum saved_result {
    SAVED_USE = 0,     // a good saved configuration: boot with it
    SAVED_NONE = 1,    // nothing saved (or only damaged records)
    SAVED_INVALID = 2, // the newest saved configuration fails the checks
    SAVED_EAREA = 3,   // the area cannot be read as a log (bad arguments)
};

struct saved_choice {
    uint64_t seq;     // the record's sequence number (0: none)
    uint32_t boot;    // the boot that saved it
    uint64_t damaged; // records skipped for a bad CRC
    const char *text; // inside the area copy
    uint32_t len;
    char why[SAVED_WHY_MAX]; // one line on what was decided and why
};

// True if the name of a boot module exists (init: module()).
typedef bool (*saved_module_fn)(const char *name);

// True if the command line holds SAVED_FACTORY_WORD as a whole word.
bool saved_factory(const char *cmdline);

// area: nsect sectors of sect_size bytes, the configuration area as read from
// the disk. On SAVED_USE *out is the parsed configuration and ch->text its
// text; on anything else *out is zeroed and ch->why says why.
int saved_pick(const uint8_t *area, uint32_t sect_size, uint64_t nsect, unsigned ncpus,
               saved_module_fn has_module, struct config *out, struct saved_choice *ch);

// init only (saved_disk.c): starts the disk driver of the running
// configuration (init.h's cfg, already built but not launched), reads the
// area and picks; SAVED_NONE when there is no disk or it does not answer.
// ch->text stays valid until saved_done().
int saved_load(unsigned ncpus, saved_module_fn has_module, struct config *out,
               struct saved_choice *ch);
void saved_done(void);

#endif
