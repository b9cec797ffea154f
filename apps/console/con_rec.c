// SPDX-License-Identifier: MIT
// The console's disk records: the router's log answer, the
// configuration comparison, the read-ahead cache and the newest-records scan
// (see con_rec.h). Pure; the host tests (tests/unit/con_rec_test.c) compile it
// with servers/blk/blklog.c and lib/fmt.c.
#include "apps/console/con_rec.h"

#include "lib/fmt.h"
#include "lib/string.h"

// An unsigned decimal at *p (advanced past it); false if there is none.
static bool take_uint(const char **p, const char *end, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    while (s < end && *s >= '0' && *s <= '9' && x < UINT64_MAX / 10 - 9)
        x = x * 10 + (uint64_t)(*s++ - '0');
    if (s == *p)
        return false;
    *p = s;
    *v = x;
    return true;
}

// Where the substring s (NUL-terminated) first starts in [p, end), or NULL.
static const char *find(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    for (; (size_t)(end - p) >= n; p++) {
        if (memcmp(p, s, n) == 0)
            return p;
    }
    return NULL;
}

// The end of the JSON object starting at p ('{'), strings skipped; NULL if open.
static const char *object_end(const char *p, const char *end)
{
    int depth = 0;
    bool str = false;
    for (; p < end; p++) {
        if (str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                str = false;
        } else if (*p == '"') {
            str = true;
        } else if (*p == '{') {
            depth++;
        } else if (*p == '}' && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

static void fwlog_add(struct con_fwlog *f, const char *s, uint32_t len)
{
    if (f->n == CON_FWLOG_MAX) { // keep the newest
        memmove(f->entry, f->entry + 1, sizeof(f->entry[0]) * (CON_FWLOG_MAX - 1));
        memmove(f->entry_len, f->entry_len + 1, sizeof(f->entry_len[0]) * (CON_FWLOG_MAX - 1));
        f->n--;
    }
    f->entry[f->n] = s;
    f->entry_len[f->n++] = len;
}

bool con_fwlog_parse(const char *json, uint32_t len, struct con_fwlog *f)
{
    const char *end = json + len, *p = find(json, end, "\"logged\":");
    *f = (struct con_fwlog){0};
    if (!p)
        return false;
    p += strlen("\"logged\":");
    if (!take_uint(&p, end, &f->logged) || !(p = find(p, end, "\"entries\":[")))
        return false;
    for (p += strlen("\"entries\":["); p < end;) {
        if (*p == ' ' || *p == ',' || *p == '\n') {
            p++;
        } else if (*p == ']') {
            return true;
        } else if (*p == '{') {
            const char *e = object_end(p, end);
            if (!e)
                return false;
            fwlog_add(f, p, (uint32_t)(e - p));
            p = e;
        } else {
            return false;
        }
    }
    return false;
}

uint32_t con_fwlog_body(const struct con_fwlog *f, uint64_t *last, char *out, uint32_t cap)
{
    enum { HEAD = 80 };
    if (f->logged < *last)
        *last = 0; // the router restarted and counts from 0 again
    uint64_t fresh = f->logged - *last, held = fresh < f->n ? fresh : f->n, kept = 0;
    *last = f->logged;
    if (!fresh || cap <= HEAD)
        return 0;
    uint32_t pos = HEAD;
    for (uint32_t i = f->n - (uint32_t)held; i < f->n; i++) {
        if (f->entry_len[i] + 1 > cap - pos)
            break;
        memcpy(out + pos, f->entry[i], f->entry_len[i]);
        pos += f->entry_len[i];
        out[pos++] = '\n';
        kept++;
    }
    char head[HEAD];
    int h =
        fmt_snprintf(head, sizeof(head), "logged=%lu new=%lu lost=%lu\n", (unsigned long)f->logged,
                     (unsigned long)kept, (unsigned long)(fresh - kept));
    memmove(out + h, out + HEAD, pos - HEAD);
    memcpy(out, head, (size_t)h);
    return pos - HEAD + (uint32_t)h;
}

// The next line of [*p, end) without its LF (and CR); false at the end.
static bool next_line(const char **p, const char *end, const char **s, uint32_t *n)
{
    if (*p >= end)
        return false;
    const char *e = *p;
    while (e < end && *e != '\n')
        e++;
    *s = *p;
    *n = (uint32_t)(e - *p);
    if (*n && (*s)[*n - 1] == '\r')
        (*n)--;
    *p = e < end ? e + 1 : e;
    return true;
}

// Lines of a that are not matched by a line of b (each b line matches once).
static uint32_t missing_lines(const char *a, const char *aend, const char *b, const char *bend)
{
    uint64_t used[8] = {0}; // b lines already matched; the first 512 are tracked
    uint32_t missing = 0, ln;
    const char *s, *t;
    for (const char *p = a; next_line(&p, aend, &s, &ln);) {
        bool found = false;
        uint32_t k = 0, tn;
        for (const char *q = b; !found && next_line(&q, bend, &t, &tn); k++) {
            bool free = k >= 512 || !(used[k / 64] >> (k % 64) & 1);
            if (free && tn == ln && memcmp(s, t, ln) == 0) {
                found = true;
                if (k < 512)
                    used[k / 64] |= 1ull << (k % 64);
            }
        }
        missing += !found;
    }
    return missing;
}

uint32_t con_diff_lines(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
    return missing_lines(a, a + alen, b, b + blen) + missing_lines(b, b + blen, a, a + alen);
}

void con_cache_init(struct con_cache *c, blklog_read_fn rd, void *ctx, uint8_t *buf,
                    uint32_t sect_size, uint32_t window_sect, uint64_t lo, uint64_t hi)
{
    *c = (struct con_cache){rd, ctx, buf, sect_size, window_sect, lo, hi, 0, 0, 0};
}

int con_cache_read(void *cache, uint64_t sect, uint32_t count, void *buf)
{
    struct con_cache *c = cache;
    if (count > c->window_sect || sect < c->lo || sect + count > c->hi)
        return c->rd(c->ctx, sect, count, buf); // outside the area: straight through
    if (sect < c->at || sect + count > c->at + c->have) {
        uint64_t n = c->hi - sect < c->window_sect ? c->hi - sect : c->window_sect;
        c->have = 0;
        c->misses++;
        if (c->rd(c->ctx, sect, (uint32_t)n, c->buf) != 0)
            return -1;
        c->at = sect;
        c->have = n;
    }
    memcpy(buf, c->buf + (sect - c->at) * c->sect_size, (size_t)count * c->sect_size);
    return 0;
}

// Keeps out[] the newest cap records, sorted by seq (insertion).
static void keep_recent(struct con_recent *out, uint32_t cap, uint32_t *n,
                        const struct con_recent *r)
{
    if (*n == cap && r->seq < out[0].seq)
        return;
    if (*n == cap) { // drop the oldest
        memmove(out, out + 1, sizeof(*out) * (cap - 1));
        (*n)--;
    }
    uint32_t i = *n;
    while (i > 0 && out[i - 1].seq > r->seq) {
        out[i] = out[i - 1];
        i--;
    }
    out[i] = *r;
    (*n)++;
}

int con_scan_recent(blklog_read_fn rd, void *ctx, uint32_t sect_size, uint64_t first,
                    uint64_t nsect, uint64_t log_id, void *scratch, uint32_t scratch_size,
                    struct con_recent *out, uint32_t cap, uint32_t *n)
{
    *n = 0;
    if (!cap || scratch_size < BLKLOG_HDR_BYTES + BLKLOG_MAX_PAYLOAD + sect_size)
        return BLKLOG_EINVAL;
    for (uint64_t s = 0; s < nsect;) {
        struct blklog_hdr h;
        if (rd(ctx, first + s, 1, scratch) != 0)
            return BLKLOG_EIO;
        memcpy(&h, scratch, sizeof(h));
        uint32_t need = (BLKLOG_HDR_BYTES + h.len + sect_size - 1) / sect_size;
        if (h.magic != BLKLOG_MAGIC || h.log_id != log_id || h.seq == 0 ||
            h.len > BLKLOG_MAX_PAYLOAD || h.nsect != need || s + h.nsect > nsect) {
            s++;
            continue;
        }
        if (h.nsect > 1 && rd(ctx, first + s + 1, h.nsect - 1u, (uint8_t *)scratch + sect_size))
            return BLKLOG_EIO;
        if (blklog_decode(scratch, (uint32_t)h.nsect * sect_size, log_id, &h) != BLKLOG_OK) {
            s++;
            continue;
        }
        struct con_recent r = {h.seq, first + s, h.type, h.nsect, h.len};
        keep_recent(out, cap, n, &r);
        s += h.nsect;
    }
    return BLKLOG_OK;
}
