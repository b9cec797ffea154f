// SPDX-License-Identifier: MIT
// Longest-prefix match over a sorted fixed array (see fw_route.h). A table of
// a few dozen routes is scanned faster than a trie is walked, and the code has
// nothing to get wrong; insertion keeps the order, so lookup needs no state.
#include "net/fw/fw_route.h"

#include "lib/string.h"

void fw_route_init(struct fw_route_table *t)
{
    memset(t, 0, sizeof(*t));
}

// True when route a belongs before a route of length len and prefix prefix.
static bool sorts_before(const struct fw_route *a, unsigned len, uint32_t prefix)
{
    return a->len > len || (a->len == len && a->prefix < prefix);
}

static int find(const struct fw_route_table *t, uint32_t prefix, unsigned len)
{
    for (uint32_t i = 0; i < t->n; i++) {
        if (t->r[i].len == len && t->r[i].prefix == prefix)
            return (int)i;
    }
    return -1;
}

static int insert(struct fw_route_table *t, const struct fw_route *r)
{
    if (find(t, r->prefix, r->len) >= 0)
        return FW_ROUTE_EEXIST;
    if (t->n == FW_ROUTE_MAX)
        return FW_ROUTE_EFULL;
    uint32_t i = 0;
    while (i < t->n && sorts_before(&t->r[i], r->len, r->prefix))
        i++;
    memmove(&t->r[i + 1], &t->r[i], (t->n - i) * sizeof(t->r[0]));
    t->r[i] = *r;
    t->n++;
    return FW_ROUTE_OK;
}

int fw_route_add(struct fw_route_table *t, uint32_t prefix, unsigned len, uint32_t gw,
                 unsigned ifindex)
{
    if (len > 32 || (prefix & ~fw_mask(len)) || ifindex > 0xff)
        return FW_ROUTE_EINVAL;
    struct fw_route r = {.prefix = prefix,
                         .mask = fw_mask(len),
                         .gw = gw,
                         .len = (uint8_t)len,
                         .ifindex = (uint8_t)ifindex,
                         .flags = gw ? FW_ROUTE_GATEWAY : 0};
    return insert(t, &r);
}

int fw_route_add_connected(struct fw_route_table *t, uint32_t addr, unsigned len, unsigned ifindex)
{
    if (len > 32 || ifindex > 0xff)
        return FW_ROUTE_EINVAL;
    struct fw_route r = {.prefix = addr & fw_mask(len),
                         .mask = fw_mask(len),
                         .len = (uint8_t)len,
                         .ifindex = (uint8_t)ifindex,
                         .flags = FW_ROUTE_CONNECTED};
    return insert(t, &r);
}

int fw_route_del(struct fw_route_table *t, uint32_t prefix, unsigned len)
{
    int i = find(t, prefix, len);
    if (i < 0)
        return FW_ROUTE_ENOENT;
    memmove(&t->r[i], &t->r[i + 1], (t->n - (uint32_t)i - 1) * sizeof(t->r[0]));
    t->n--;
    return FW_ROUTE_OK;
}

int fw_route_lookup(const struct fw_route_table *t, uint32_t dst, struct fw_nexthop *hop)
{
    for (uint32_t i = 0; i < t->n; i++) {
        const struct fw_route *r = &t->r[i];
        if ((dst & r->mask) == r->prefix) {
            hop->ifindex = r->ifindex;
            hop->next_hop = (r->flags & FW_ROUTE_GATEWAY) ? r->gw : dst;
            return FW_ROUTE_OK;
        }
    }
    return FW_ROUTE_ENOENT;
}
