// SPDX-License-Identifier: MIT
// The appliance disk's layout and record payloads (see blkarea.h). Pure; the
// host tests (tests/unit/con_rec_test.c) compile it with lib/fmt.c.
#include "servers/blk/blkarea.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "servers/blk/blklog.h"

bool blkarea_for(uint32_t sect_size, uint64_t nblocks, struct blkarea *a)
{
    if (sect_size != 512 && sect_size != 4096)
        return false;
    uint64_t cfg = BLKAREA_CFG_BYTES / sect_size, log = BLKAREA_LOG_BYTES / sect_size;
    if (nblocks < cfg + BLKAREA_LOG_MIN / sect_size)
        return false;
    if (log > nblocks - cfg)
        log = nblocks - cfg;
    *a = (struct blkarea){0, cfg, cfg, log};
    return true;
}

uint32_t blkarea_rec_build(char *out, uint32_t cap, uint32_t boot, uint64_t up_ms, const char *body,
                           uint32_t len)
{
    if (cap > BLKLOG_MAX_PAYLOAD)
        cap = BLKLOG_MAX_PAYLOAD;
    int n = fmt_snprintf(out, cap, "boot=%u up=%lu\n", boot, (unsigned long)up_ms);
    if (n < 0 || (uint32_t)n >= cap || len > cap - (uint32_t)n)
        return 0;
    memcpy(out + n, body, len);
    return (uint32_t)n + len;
}

// "KEY" then an unsigned decimal at *p (advanced past both); false if not so.
static bool take_num(const char **p, const char *end, const char *key, uint64_t *v)
{
    size_t k = strlen(key);
    const char *s = *p + k;
    uint64_t x = 0;
    if ((size_t)(end - *p) <= k || memcmp(*p, key, k) != 0 || *s < '0' || *s > '9')
        return false;
    while (s < end && *s >= '0' && *s <= '9' && x < UINT64_MAX / 10 - 9)
        x = x * 10 + (uint64_t)(*s++ - '0');
    *p = s;
    *v = x;
    return true;
}

bool blkarea_rec_meta(const char *payload, uint32_t len, struct blkarea_meta *m)
{
    const char *p = payload, *end = payload + len;
    uint64_t boot = 0, up = 0;
    if (!take_num(&p, end, "boot=", &boot) || !take_num(&p, end, " up=", &up) || p == end ||
        *p != '\n' || boot > UINT32_MAX)
        return false;
    p++;
    *m = (struct blkarea_meta){(uint32_t)boot, up, p, (uint32_t)(end - p)};
    return true;
}
