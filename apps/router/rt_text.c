// SPDX-License-Identifier: MIT
// The router console's text builder and JSON writers (see rt_text.h). Once
// something does not fit, everything after it is dropped too, so an answer is
// a prefix of the full one followed by the truncation marker.
#include "apps/router/rt_text.h"

#include <stdarg.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "shm/mgmt.h"

void rt_text_init(struct rt_text *t, char *buf, uint32_t cap, bool json)
{
    memset(t, 0, sizeof(*t));
    t->buf = buf;
    t->cap = cap;
    t->limit = cap > sizeof(MGMT_TRUNC_MARK) ? cap - (uint32_t)sizeof(MGMT_TRUNC_MARK) : 0;
    t->json = json;
    t->first[0] = true;
    if (cap)
        buf[0] = '\0';
}

// Appends n bytes, all or nothing.
static void rt_raw(struct rt_text *t, const char *s, uint32_t n)
{
    if (t->over || n > t->limit - t->len) {
        t->over = true;
        return;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

void rt_put(struct rt_text *t, const char *fmt, ...)
{
    if (t->over)
        return;
    uint32_t room = t->limit - t->len;
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(t->buf + t->len, room + 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (uint32_t)n > room) {
        t->over = true;
        t->buf[t->len] = '\0';
        return;
    }
    t->len += (uint32_t)n;
}

bool rt_text_low(const struct rt_text *t)
{
    return t->over || t->limit - t->len < RT_TEXT_RESERVE;
}

uint32_t rt_text_finish(struct rt_text *t)
{
    if (t->cap == 0)
        return 0;
    if (t->over) {
        const char *m = MGMT_TRUNC_MARK;
        uint32_t n = (uint32_t)strlen(m);
        if (n > t->cap - 1 - t->len)
            n = t->cap - 1 - t->len;
        memcpy(t->buf + t->len, m, n);
        t->len += n;
    }
    t->buf[t->len] = '\0';
    return t->len;
}

// Writes s as a JSON string: quotes, backslash and control bytes escaped.
static void rt_jquote(struct rt_text *t, const char *s)
{
    rt_raw(t, "\"", 1);
    for (; *s && !t->over; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rt_raw(t, e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            rt_put(t, "\\u%04x", c);
        } else {
            rt_raw(t, (const char *)&c, 1);
        }
    }
    rt_raw(t, "\"", 1);
}

// The comma and the key before a value in the current container.
static void rt_jprefix(struct rt_text *t, const char *key)
{
    if (!t->first[t->depth])
        rt_raw(t, ",", 1);
    t->first[t->depth] = false;
    if (key) {
        rt_jquote(t, key);
        rt_raw(t, ":", 1);
    }
}

static void rt_jopen(struct rt_text *t, const char *key, char c)
{
    rt_jprefix(t, key);
    rt_raw(t, &c, 1);
    if (t->depth + 1 < RT_TEXT_DEPTH)
        t->depth++;
    else
        t->over = true; // deeper than any answer needs: a bug, shown as truncation
    t->first[t->depth] = true;
    t->closer[t->depth] = c == '{' ? '}' : ']';
}

void rt_jobj(struct rt_text *t, const char *key)
{
    rt_jopen(t, key, '{');
}

void rt_jarr(struct rt_text *t, const char *key)
{
    rt_jopen(t, key, '[');
}

void rt_jend(struct rt_text *t)
{
    if (t->depth == 0)
        return;
    char c = t->closer[t->depth--];
    rt_raw(t, &c, 1);
}

void rt_jstr(struct rt_text *t, const char *key, const char *s)
{
    rt_jprefix(t, key);
    rt_jquote(t, s);
}

void rt_jnum(struct rt_text *t, const char *key, uint64_t v)
{
    rt_jprefix(t, key);
    rt_put(t, "%llu", (unsigned long long)v);
}

void rt_jbool(struct rt_text *t, const char *key, bool v)
{
    rt_jprefix(t, key);
    rt_put(t, "%s", v ? "true" : "false");
}

const char *rt_ip_str(uint32_t ip, char *buf)
{
    fmt_snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
    return buf;
}

const char *rt_mac_str(const uint8_t *mac, char *buf)
{
    fmt_snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
    return buf;
}
