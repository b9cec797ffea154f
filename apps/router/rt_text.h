// SPDX-License-Identifier: MIT
// Console output of the router (apps/router/rt_cmd.c, rt_show.c): a bounded
// text builder over the caller's buffer, and the few JSON writers the
// `--json` answers need (objects, arrays, strings with escapes, unsigned
// numbers). A builder keeps room for the truncation marker, so an answer that
// does not fit ends with MGMT_TRUNC_MARK instead of a cut line; a list stops
// early with rt_text_low() so that its JSON still closes. No allocation, no
// libc printf: lib/fmt.h does the formatting. Not a parser.
#ifndef RW_RT_TEXT_H
#define RW_RT_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "apps/router/router.h"

#define RT_TEXT_DEPTH   8
#define RT_TEXT_RESERVE 512 // lists stop when less room than this is left

struct rt_text {
    char *buf;
    uint32_t cap, limit, len; // limit: cap less the marker and the NUL
    bool over;                // something did not fit: dropped, marker added at the end
    bool json;                // the command asked for --json
    uint8_t depth;
    bool first[RT_TEXT_DEPTH];  // no value yet in the container at this depth
    char closer[RT_TEXT_DEPTH]; // '}' or ']' of the container at this depth
};

void rt_text_init(struct rt_text *t, char *buf, uint32_t cap, bool json);
// Appends formatted text, all or nothing.
void rt_put(struct rt_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// True when a list should stop to leave room for closing what is open.
bool rt_text_low(const struct rt_text *t);
// NUL-terminates, adds the marker if something was dropped; returns the length.
uint32_t rt_text_finish(struct rt_text *t);

// JSON. key is NULL inside arrays and for the outermost value.
void rt_jobj(struct rt_text *t, const char *key);
void rt_jarr(struct rt_text *t, const char *key);
void rt_jend(struct rt_text *t);
void rt_jstr(struct rt_text *t, const char *key, const char *s);
void rt_jnum(struct rt_text *t, const char *key, uint64_t v);
void rt_jbool(struct rt_text *t, const char *key, bool v);

// "a.b.c.d" and "aa:bb:cc:dd:ee:ff" into a caller's buffer (16 and 18 bytes).
const char *rt_ip_str(uint32_t ip, char *buf);
const char *rt_mac_str(const uint8_t *mac, char *buf);

// rt_show.c: the list commands, each writing text or one JSON object.
void rt_show_routes(struct router *r, struct rt_text *t);
void rt_show_arp(struct router *r, struct rt_text *t);
void rt_show_rules(struct router *r, struct rt_text *t);
void rt_show_states(struct router *r, struct rt_text *t);
void rt_show_log(struct router *r, struct rt_text *t);
// The interface name of an index, "-" if there is none.
const char *rt_if_name(const struct router *r, unsigned ifindex);

#endif
