// SPDX-License-Identifier: MIT
// Internal to the configuration parser: the words and helpers that config.c
// (lines, words, keys, the order of work) shares with config_components.c
// (components, regions, channels), config_net.c (interfaces, routes, rule and
// nat lines) and config_dump.c. Not for users of the configuration, who
// include only servers/init/config.h.
#ifndef RW_CONFIG_PARSER_H
#define RW_CONFIG_PARSER_H

#include "servers/init/config.h"

#define CONFIG_SHOW_MAX 40 // longest word quoted back in an error message

// A span of the input text; not NUL-terminated.
struct config_tok {
    const char *s;
    size_t n;
};

struct config_parser {
    struct config *cfg;
    struct config_error *err;  // the caller's, written by config_fail()
    struct config_error first; // earliest failure while resolving references
    uint32_t line;             // current line, or the line of the item being resolved
    unsigned max_cores;
};

// The keys a statement accepts, for config_key(). Bit i of each mask is names[i].
struct config_keys {
    const char *what;         // the statement, for messages
    const char *const *names; // NULL-terminated
    unsigned repeatable;      // keys that may appear more than once
    unsigned flags;           // bare words without a value, like "dhcp"
};

static inline bool config_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool config_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Records "line N: ..." in the caller's error and returns status.
int config_fail(struct config_parser *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
// Keeps the failure just recorded if it is on the earliest line so far.
void config_keep_earliest(struct config_parser *p, int status);

bool config_tok_is(struct config_tok t, const char *word);
// Splits t at the first sep: true with both halves, or false with *before = t.
bool config_tok_cut(struct config_tok t, char sep, struct config_tok *before,
                    struct config_tok *after);
// t as a NUL-terminated string for a message, shortened with "..." to fit.
const char *config_tok_show(struct config_tok t, char *buf, size_t size);

// Decimal number without sign, at most max. False if malformed or too large.
bool config_parse_uint(struct config_tok t, uint64_t max, uint64_t *v);
bool config_is_number(struct config_tok t);
// Copies a name ([A-Za-z][A-Za-z0-9_-]*, shorter than CONFIG_NAME_MAX) into dst.
int config_copy_name(struct config_parser *p, struct config_tok t, const char *what, char *dst);
// The first word of a statement as its name (what: "component"...).
int config_take_name(struct config_parser *p, const struct config_tok *w, unsigned n,
                     const char *what, char *dst);
// Index of key in the NULL-terminated names, or -1.
int config_key_index(struct config_tok key, const char *const *names);
// Looks up one key=value word. Returns the key's index with its value
// (quotes removed) in *val, or a failure status.
int config_key(struct config_parser *p, struct config_tok w, const struct config_keys *k,
               unsigned *seen, struct config_tok *val);
// Fails naming the first key of required that is not in seen.
int config_require(struct config_parser *p, const struct config_keys *k, unsigned seen,
                   unsigned required, const char *name);

// config_components.c
int config_parse_component(struct config_parser *p, const struct config_tok *w, unsigned n);
int config_parse_region(struct config_parser *p, const struct config_tok *w, unsigned n);
int config_parse_channel(struct config_parser *p, const struct config_tok *w, unsigned n);
void config_resolve_components(struct config_parser *p);

// config_net.c
bool config_parse_ipv4(struct config_tok t, uint32_t *addr);
bool config_parse_cidr(struct config_tok t, uint32_t *addr, uint8_t *prefix);
void config_ipv4_text(uint32_t addr, char buf[16]);
int config_parse_interface(struct config_parser *p, const struct config_tok *w, unsigned n);
int config_parse_route(struct config_parser *p, const struct config_tok *w, unsigned n);
int config_parse_rule(struct config_parser *p, uint8_t kind, struct config_tok text);
void config_resolve_net(struct config_parser *p);

#endif
