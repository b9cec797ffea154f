// SPDX-License-Identifier: MIT
// JSON writer and reader for the iperf3 server (see iperf3_json.h). The reader
// is a recursive-descent scanner over the message bytes with a depth limit; it
// never trusts lengths or nesting from the peer and never writes to the input.
#include "apps/iperf3/iperf3_json.h"

#define JSON_MAX_DEPTH 32

// ---- writer ------------------------------------------------------------------

void iperf_jw_init(struct iperf_jw *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->depth = 0;
    w->err = cap == 0;
    w->comma[0] = false;
}

static void put_ch(struct iperf_jw *w, char c)
{
    if (w->len + 1 >= w->cap) {
        w->err = true;
        return;
    }
    w->buf[w->len++] = c;
}

static void put_s(struct iperf_jw *w, const char *s)
{
    while (*s)
        put_ch(w, *s++);
}

static void put_quoted(struct iperf_jw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    put_ch(w, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            put_ch(w, '\\');
            put_ch(w, (char)c);
        } else if (c < 0x20) {
            put_s(w, "\\u00");
            put_ch(w, hex[c >> 4]);
            put_ch(w, hex[c & 15]);
        } else {
            put_ch(w, (char)c);
        }
    }
    put_ch(w, '"');
}

// Writes the separator and the key (if any) before a value.
static void put_prefix(struct iperf_jw *w, const char *key)
{
    if (w->comma[w->depth])
        put_ch(w, ',');
    w->comma[w->depth] = true;
    if (key) {
        put_quoted(w, key);
        put_ch(w, ':');
    }
}

static void jw_open(struct iperf_jw *w, const char *key, char c)
{
    put_prefix(w, key);
    put_ch(w, c);
    if (w->depth + 1 >= IPERF_JW_DEPTH) {
        w->err = true;
        return;
    }
    w->comma[++w->depth] = false;
    w->closer[w->depth] = c == '{' ? '}' : ']';
}

void iperf_jw_obj(struct iperf_jw *w, const char *key)
{
    jw_open(w, key, '{');
}

void iperf_jw_arr(struct iperf_jw *w, const char *key)
{
    jw_open(w, key, '[');
}

// Closes the innermost object or array.
void iperf_jw_end(struct iperf_jw *w)
{
    if (w->depth == 0) {
        w->err = true;
        return;
    }
    put_ch(w, w->closer[w->depth]);
    w->depth--;
}

static void put_u64(struct iperf_jw *w, uint64_t v, unsigned min_digits)
{
    char tmp[24];
    unsigned n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < min_digits);
    while (n)
        put_ch(w, tmp[--n]);
}

void iperf_jw_int(struct iperf_jw *w, const char *key, int64_t v)
{
    put_prefix(w, key);
    if (v < 0)
        put_ch(w, '-');
    put_u64(w, v < 0 ? -(uint64_t)v : (uint64_t)v, 1);
}

void iperf_jw_fixed(struct iperf_jw *w, const char *key, int64_t v, unsigned digits)
{
    uint64_t scale = 1, mag = v < 0 ? -(uint64_t)v : (uint64_t)v;

    for (unsigned i = 0; i < digits && i < 18; i++)
        scale *= 10;
    put_prefix(w, key);
    if (v < 0)
        put_ch(w, '-');
    put_u64(w, mag / scale, 1);
    if (digits) {
        put_ch(w, '.');
        put_u64(w, mag % scale, digits);
    }
}

void iperf_jw_bool(struct iperf_jw *w, const char *key, bool v)
{
    put_prefix(w, key);
    put_s(w, v ? "true" : "false");
}

void iperf_jw_str(struct iperf_jw *w, const char *key, const char *s)
{
    put_prefix(w, key);
    put_quoted(w, s);
}

size_t iperf_jw_finish(struct iperf_jw *w)
{
    if (w->err || w->depth != 0)
        return 0;
    w->buf[w->len] = '\0';
    return w->len;
}

// ---- reader ------------------------------------------------------------------

struct cursor {
    const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_hex(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool literal(struct cursor *c, const char *word)
{
    for (; *word; word++, c->p++)
        if (c->p >= c->end || *c->p != *word)
            return false;
    return true;
}

// One escape sequence after the backslash.
static bool scan_escape(struct cursor *c)
{
    if (c->p >= c->end)
        return false;
    char e = *c->p++;
    if (e != 'u')
        return e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
               e == 't';
    for (int i = 0; i < 4; i++, c->p++)
        if (c->p >= c->end || !is_hex(*c->p))
            return false;
    return true;
}

static bool scan_string(struct cursor *c, struct iperf_jval *v)
{
    const char *start = ++c->p;

    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch < 0x20)
            return false;
        if (ch == '\\' && !scan_escape(c))
            return false;
    }
    if (c->p >= c->end)
        return false;
    v->type = IPERF_JSTR;
    v->p = start;
    v->len = (size_t)(c->p++ - start);
    return true;
}

static bool scan_digits(struct cursor *c, int64_t *acc)
{
    const char *start = c->p;

    for (; c->p < c->end && is_digit(*c->p); c->p++)
        if (acc && *acc < (INT64_MAX - 9) / 10)
            *acc = *acc * 10 + (*c->p - '0');
    return c->p > start;
}

static bool scan_number(struct cursor *c, struct iperf_jval *v)
{
    bool neg = false;
    int64_t n = 0;

    if (*c->p == '-') {
        neg = true;
        c->p++;
    }
    if (!scan_digits(c, &n))
        return false;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!scan_digits(c, NULL))
            return false;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!scan_digits(c, NULL))
            return false;
    }
    v->type = IPERF_JNUM;
    v->num = neg ? -n : n;
    return true;
}

static bool scan_value(struct cursor *c, struct iperf_jval *v, int depth);

// Members or elements of an object/array, up to and including the closer.
static bool scan_container(struct cursor *c, struct iperf_jval *v, int depth)
{
    bool obj = *c->p == '{';
    char close = obj ? '}' : ']';
    struct iperf_jval tmp;

    v->type = obj ? IPERF_JOBJ : IPERF_JARR;
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return true;
    }
    for (;;) {
        if (obj) {
            skip_ws(c);
            if (c->p >= c->end || *c->p != '"' || !scan_string(c, &tmp))
                return false;
            skip_ws(c);
            if (c->p >= c->end || *c->p++ != ':')
                return false;
        }
        if (!scan_value(c, &tmp, depth + 1))
            return false;
        skip_ws(c);
        if (c->p >= c->end)
            return false;
        char ch = *c->p++;
        if (ch == close)
            return true;
        if (ch != ',')
            return false;
    }
}

static bool scan_value(struct cursor *c, struct iperf_jval *v, int depth)
{
    bool ok;
    const char *start;

    skip_ws(c);
    if (c->p >= c->end || depth > JSON_MAX_DEPTH)
        return false;
    start = c->p;
    v->num = 0;
    switch (*c->p) {
    case '{':
    case '[': ok = scan_container(c, v, depth); break;
    case '"': return scan_string(c, v);
    case 't': ok = literal(c, "true"), v->type = IPERF_JBOOL, v->num = 1; break;
    case 'f': ok = literal(c, "false"), v->type = IPERF_JBOOL; break;
    case 'n': ok = literal(c, "null"), v->type = IPERF_JNULL; break;
    default: ok = (*c->p == '-' || is_digit(*c->p)) && scan_number(c, v); break;
    }
    v->p = start;
    v->len = (size_t)(c->p - start);
    return ok;
}

bool iperf_json_valid(const char *s, size_t len)
{
    struct cursor c = {s, s + len};
    struct iperf_jval v;

    if (!scan_value(&c, &v, 0))
        return false;
    skip_ws(&c);
    return c.p == c.end;
}

static bool key_is(const struct iperf_jval *k, const char *key)
{
    size_t i = 0;

    for (; i < k->len; i++)
        if (key[i] != k->p[i])
            return false;
    return key[i] == '\0';
}

bool iperf_json_get(const char *s, size_t len, const char *key, struct iperf_jval *out)
{
    struct cursor c = {s, s + len};
    struct iperf_jval k;

    skip_ws(&c);
    if (c.p >= c.end || *c.p++ != '{')
        return false;
    for (;;) {
        skip_ws(&c);
        if (c.p >= c.end || *c.p != '"' || !scan_string(&c, &k))
            return false;
        skip_ws(&c);
        if (c.p >= c.end || *c.p++ != ':' || !scan_value(&c, out, 1))
            return false;
        if (key_is(&k, key))
            return true;
        skip_ws(&c);
        if (c.p >= c.end || *c.p++ != ',')
            return false;
    }
}

bool iperf_json_at(const char *s, size_t len, size_t idx, struct iperf_jval *out)
{
    struct cursor c = {s, s + len};

    skip_ws(&c);
    if (c.p >= c.end || *c.p++ != '[')
        return false;
    for (size_t i = 0;; i++) {
        if (!scan_value(&c, out, 1))
            return false;
        if (i == idx)
            return true;
        skip_ws(&c);
        if (c.p >= c.end || *c.p++ != ',')
            return false;
    }
}

bool iperf_json_get_int(const char *s, size_t len, const char *key, int64_t *out)
{
    struct iperf_jval v;

    if (!iperf_json_get(s, len, key, &v) || v.type != IPERF_JNUM)
        return false;
    *out = v.num;
    return true;
}

bool iperf_json_get_bool(const char *s, size_t len, const char *key, bool *out)
{
    struct iperf_jval v;

    if (!iperf_json_get(s, len, key, &v) || v.type != IPERF_JBOOL)
        return false;
    *out = v.num != 0;
    return true;
}
