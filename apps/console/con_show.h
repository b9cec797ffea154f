// SPDX-License-Identifier: MIT
// `show components` for the management console (apps/console): the component
// list as the configuration text gives it (name, ELF, core, priority, restart
// policy, device grants), as a table or one JSON object. Live state comes
// from init (console.c asks it and prints it under the table); the history
// of starts, restarts and exits is in the serial log, and the answer says so.
// Pure: it formats a parsed struct config (servers/init/config.h) into a
// caller's buffer, through the bounded writer con_put() that `show cpu` uses too.
#ifndef RW_CON_SHOW_H
#define RW_CON_SHOW_H

#include <stdbool.h>
#include <stdint.h>

#include "servers/init/config.h"

// A bounded text buffer the show commands append to: con_put() formats at
// len and silently cuts what does not fit before cap - 1, keeping a NUL.
struct con_out {
    char *buf;
    uint32_t cap, len;
};

void con_put(struct con_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define CON_LIVE_NOTE "history of starts, restarts and exits is in the serial log"

// Writes the answer NUL-terminated into out; returns its length (the text is
// cut at cap - 1 bytes, which a cap of 4 KiB never needs).
uint32_t con_show_components(const struct config *cfg, bool json, char *out, uint32_t cap);

#endif
