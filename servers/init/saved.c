// SPDX-License-Identifier: MIT
// Picking the saved configuration (see saved.h): recover the configuration
// area's log from a copy in memory, decode its newest record, check the text.
// Pure; the host tests (tests/unit/saved_test.c) compile it.
#include "servers/init/saved.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "servers/blk/blkarea.h"
#include "servers/blk/blklog.h"

struct area_view {
    const uint8_t *base;
    uint32_t sect_size;
    uint64_t nsect;
};

static uint8_t scratch[BLKLOG_HDR_BYTES + BLKLOG_MAX_PAYLOAD + 4096];

// A blklog_read_fn over the copy of the area (sectors are area-relative).
static int area_read(void *ctx, uint64_t sect, uint32_t count, void *buf)
{
    const struct area_view *v = ctx;
    if (sect > v->nsect || count > v->nsect - sect)
        return -1;
    memcpy(buf, v->base + sect * v->sect_size, (size_t)count * v->sect_size);
    return 0;
}

bool saved_factory(const char *cmdline)
{
    size_t n = strlen(SAVED_FACTORY_WORD);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        size_t len = 0;
        while (p[len] && p[len] != ' ')
            len++;
        if (len == n && strncmp(p, SAVED_FACTORY_WORD, n) == 0)
            return true;
        p += len;
    }
    return false;
}

// The checks init makes at boot that the parser does not: every image.
static bool images_present(const struct config *c, saved_module_fn has_module, char *why,
                           size_t cap)
{
    for (uint32_t i = 0; i < c->ncomponents; i++) {
        if (!has_module(c->components[i].elf)) {
            fmt_snprintf(why, cap, "line %u: component '%s': no boot module '%s'",
                         c->components[i].line, c->components[i].name, c->components[i].elf);
            return false;
        }
    }
    return true;
}

// The newest good record's payload; SAVED_NONE if there is none.
static int newest(const struct area_view *v, struct saved_choice *ch, const char **payload,
                  uint32_t *len)
{
    struct blklog lg;
    struct blklog_scan sc;
    struct blklog_hdr h;
    if (blklog_init(&lg, v->sect_size, 0, v->nsect, BLKAREA_CFG_ID) != BLKLOG_OK ||
        blklog_recover(&lg, area_read, (void *)v, scratch, sizeof(scratch), &sc) != BLKLOG_OK)
        return SAVED_EAREA;
    ch->damaged = sc.torn;
    if (!sc.records || sc.last_type != BLKAREA_REC_CONFIG)
        return SAVED_NONE;
    const uint8_t *rec = v->base + sc.last_sect * v->sect_size;
    uint64_t avail = (v->nsect - sc.last_sect) * v->sect_size;
    if (blklog_decode(rec, (uint32_t)(avail < sizeof(scratch) ? avail : sizeof(scratch)),
                      BLKAREA_CFG_ID, &h) != BLKLOG_OK)
        return SAVED_EAREA; // recovery just checked it: cannot happen
    ch->seq = h.seq;
    *payload = (const char *)rec + BLKLOG_HDR_BYTES;
    *len = h.len;
    return SAVED_USE;
}

// The checks of a saved text; false with detail saying why.
static bool text_ok(const struct blkarea_meta *m, unsigned ncpus, saved_module_fn has_module,
                    struct config *out, char *detail, size_t cap)
{
    struct config_error err;
    if (config_parse(m->body, m->body_len, ncpus, out, &err) != CONFIG_OK) {
        fmt_snprintf(detail, cap, "%s", err.msg);
        return false;
    }
    if (!images_present(out, has_module, detail, cap)) {
        *out = (struct config){0};
        return false;
    }
    return true;
}

int saved_pick(const uint8_t *area, uint32_t sect_size, uint64_t nsect, unsigned ncpus,
               saved_module_fn has_module, struct config *out, struct saved_choice *ch)
{
    struct area_view v = {area, sect_size, nsect};
    const char *payload = NULL;
    uint32_t plen = 0;
    struct blkarea_meta m;
    char detail[CONFIG_MSG_MAX + 32];
    *ch = (struct saved_choice){0};
    int r = newest(&v, ch, &payload, &plen);
    if (r == SAVED_EAREA)
        fmt_snprintf(ch->why, sizeof(ch->why), "the configuration area does not read as a log");
    if (r == SAVED_NONE)
        fmt_snprintf(ch->why, sizeof(ch->why),
                     "no saved configuration on the disk (%lu damaged record(s) skipped)",
                     (unsigned long)ch->damaged);
    if (r != SAVED_USE)
        return r;
    if (!blkarea_rec_meta(payload, plen, &m)) {
        fmt_snprintf(ch->why, sizeof(ch->why), "saved configuration record %lu: no boot line",
                     (unsigned long)ch->seq);
        return SAVED_INVALID;
    }
    ch->boot = m.boot;
    ch->text = m.body;
    ch->len = m.body_len;
    if (!text_ok(&m, ncpus, has_module, out, detail, sizeof(detail))) {
        fmt_snprintf(ch->why, sizeof(ch->why),
                     "saved configuration record %lu from boot %u is not valid: %s",
                     (unsigned long)ch->seq, m.boot, detail);
        return SAVED_INVALID;
    }
    fmt_snprintf(ch->why, sizeof(ch->why),
                 "record %lu from boot %u, %u bytes, %lu damaged record(s) skipped",
                 (unsigned long)ch->seq, m.boot, m.body_len, (unsigned long)ch->damaged);
    return SAVED_USE;
}
