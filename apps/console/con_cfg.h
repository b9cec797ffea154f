// SPDX-License-Identifier: MIT
// The console's new-configuration text (apps/console): `config` collects a
// configuration pasted line by line until a line that holds only ".", then
// checks it as the appliance would at boot: the configuration parser
// (servers/init/config.h) and the firewall's rule compiler (net/fw) over its
// rule and nat lines and interfaces. Errors name the line of the pasted text.
// Pure and freestanding: no I/O, the console prints and saves (con_disk.c);
// host-tested by tests/unit/con_cfg_test.c. It does not apply anything.
#ifndef RW_CON_CFG_H
#define RW_CON_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "servers/init/config.h"

#define CON_CFG_MAX 16000u // bytes of text: fits one saved-configuration record
#define CON_CFG_MSG 192u

struct con_cfg {
    char text[CON_CFG_MAX];
    uint32_t len;
    uint32_t lines;
    bool active;   // collecting
    bool overflow; // the text did not fit: it will be refused
};

void con_cfg_begin(struct con_cfg *c);
// Adds one typed line (no line ending); true when it was the closing ".",
// which ends collecting.
bool con_cfg_line(struct con_cfg *c, const char *line);
// Checks a whole text for ncpus cores; true if it would boot, else msg says
// why ("line 12: unknown key 'cor' in component"). *out gets the parse.
bool con_cfg_check(const char *text, uint32_t len, unsigned ncpus, struct config *out, char *msg,
                   uint32_t cap);

#endif
