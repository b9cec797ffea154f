// SPDX-License-Identifier: MIT
// The small JSON writer and reader the iperf3 server needs: the writer builds
// the results object into a caller's buffer (integers and fixed-point numbers
// only: components have no floating point); the reader validates a message and
// looks up members of an object by key. It is not a general JSON library: no
// allocation, no DOM, strings are returned raw (escapes left in place).
#ifndef IPERF_JSON_H
#define IPERF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Writer. Errors (overflow, nesting too deep) are sticky; iperf_jw_finish
// returns 0 when anything went wrong.
#define IPERF_JW_DEPTH 8
struct iperf_jw {
    char *buf;
    size_t cap, len;
    int depth;
    bool err;
    bool comma[IPERF_JW_DEPTH];
    char closer[IPERF_JW_DEPTH];
};

void iperf_jw_init(struct iperf_jw *w, char *buf, size_t cap);
// key is NULL inside arrays and for the outermost value.
void iperf_jw_obj(struct iperf_jw *w, const char *key);
void iperf_jw_arr(struct iperf_jw *w, const char *key);
void iperf_jw_end(struct iperf_jw *w);
void iperf_jw_int(struct iperf_jw *w, const char *key, int64_t v);
// Writes v / 10^digits as a decimal fraction, e.g. (3001234, 6) -> 3.001234.
void iperf_jw_fixed(struct iperf_jw *w, const char *key, int64_t v, unsigned digits);
void iperf_jw_bool(struct iperf_jw *w, const char *key, bool v);
void iperf_jw_str(struct iperf_jw *w, const char *key, const char *s);
size_t iperf_jw_finish(struct iperf_jw *w);

// Reader.
enum iperf_jtype {
    IPERF_JNONE,
    IPERF_JNULL,
    IPERF_JBOOL,
    IPERF_JNUM,
    IPERF_JSTR,
    IPERF_JOBJ,
    IPERF_JARR,
};

struct iperf_jval {
    enum iperf_jtype type;
    const char *p; // the value's text (strings: without quotes)
    size_t len;
    int64_t num; // numbers: the integer part; booleans: 0 or 1
};

// True if s[0..len) is exactly one JSON value (surrounding blanks allowed).
bool iperf_json_valid(const char *s, size_t len);
// Finds member key of the object s[0..len); false if s is no object or lacks it.
bool iperf_json_get(const char *s, size_t len, const char *key, struct iperf_jval *out);
// Finds element idx of the array s[0..len).
bool iperf_json_at(const char *s, size_t len, size_t idx, struct iperf_jval *out);
bool iperf_json_get_int(const char *s, size_t len, const char *key, int64_t *out);
bool iperf_json_get_bool(const char *s, size_t len, const char *key, bool *out);

#endif
