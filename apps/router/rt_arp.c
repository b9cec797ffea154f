// SPDX-License-Identifier: MIT
// The router's neighbours: an ARP cache per interface (learned from requests
// for our address and from replies), requests for next hops it needs, and a
// bounded queue of frames waiting for an answer (RT_HOLD_PER per next hop,
// RT_HOLD_MAX in all). A next hop that does not answer RT_ARP_TRIES requests
// one second apart has its frames dropped and counted. The network stack
// keeps its own cache: every ARP frame is copied to it as well.
// Not here: forwarding itself (rt_fwd.c).
#include "apps/router/router.h"
#include "lib/string.h"
#include "net/fw/fw_bytes.h"

#define ARP_LEN 28u

static struct rt_arp *find(struct router *r, unsigned ifindex, uint32_t ip)
{
    for (unsigned i = 0; i < RT_ARP_MAX; i++) {
        if (r->arp[i].ip == ip && r->arp[i].ifindex == ifindex)
            return &r->arp[i];
    }
    return 0;
}

// A free entry, or the oldest resolved one (pending entries are never taken).
static struct rt_arp *slot(struct router *r)
{
    struct rt_arp *old = 0;
    for (unsigned i = 0; i < RT_ARP_MAX; i++) {
        struct rt_arp *a = &r->arp[i];
        if (!a->ip)
            return a;
        if (a->resolved && (!old || a->expires_ms < old->expires_ms))
            old = a;
    }
    return old;
}

static void send_request(struct router *r, unsigned ifindex, uint32_t ip)
{
    struct rt_if *out = &r->ifs[ifindex];
    uint64_t off;
    uint8_t *b = rt_reply_buffer(r, out, &off);
    if (!b)
        return;
    memset(b, 0xff, 6);
    memcpy(b + 6, out->mac, 6);
    b[12] = 0x08;
    b[13] = 0x06;
    uint8_t *a = b + 14;
    const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1}; // Ethernet, IPv4, request
    memcpy(a, head, sizeof(head));
    memcpy(a + 8, out->mac, 6);
    fw_put32(a + 14, out->addr);
    memset(a + 18, 0, 6);
    fw_put32(a + 24, ip);
    out->cnt.arp_requests++;
    rt_reply_send(r, out, off, 14 + ARP_LEN);
}

// Sends (or drops) every frame held for ip on ifindex.
static void release(struct router *r, unsigned ifindex, uint32_t ip, const uint8_t *mac)
{
    for (unsigned i = 0; i < RT_HOLD_MAX; i++) {
        struct rt_hold *h = &r->hold[i];
        if (h->next_hop != ip || h->out_if != ifindex)
            continue;
        if (mac) {
            rt_send_held(r, h, mac);
        } else {
            r->ifs[ifindex].cnt.arp_drops++;
            rt_drop_frame(r, h->in_if, h->d, h->k);
        }
        h->next_hop = 0;
    }
}

void rt_arp_input(struct router *r, struct rt_if *in, const uint8_t *frame, uint32_t len)
{
    const uint8_t *a = frame + 14;
    const uint8_t head[6] = {0, 1, 8, 0, 6, 4};
    if (len < 14 + ARP_LEN || memcmp(a, head, sizeof(head)) != 0 || a[6] != 0 ||
        (a[7] != 1 && a[7] != 2))
        return; // not Ethernet/IPv4 ARP: the stack may still look at it
    uint32_t spa = fw_get32(a + 14), tpa = fw_get32(a + 24);
    unsigned ifindex = (unsigned)(in - r->ifs);
    uint32_t mask = fw_mask(in->prefix);
    if (spa == 0 || (spa & mask) != (in->addr & mask) || spa == in->addr || (a[8] & 1))
        return; // not a neighbour on this link, or a bogus sender address
    struct rt_arp *e = find(r, ifindex, spa);
    if (!e && tpa != in->addr)
        return; // only learn who talks to us
    if (!e && !(e = slot(r)))
        return;
    bool was = e->ip == spa && e->resolved;
    *e = (struct rt_arp){.ip = spa,
                         .ifindex = (uint8_t)ifindex,
                         .resolved = true,
                         .expires_ms = r->now_ms + RT_ARP_TTL_MS};
    memcpy(e->mac, a + 8, 6);
    if (!was)
        release(r, ifindex, spa, e->mac);
}

const struct rt_arp *rt_arp_lookup(struct router *r, unsigned ifindex, uint32_t ip)
{
    struct rt_arp *e = find(r, ifindex, ip);
    if (e && e->resolved && r->now_ms < e->expires_ms)
        return e;
    if (e && e->resolved) {
        e->resolved = false; // stale: ask again, hold frames meanwhile
        e->tries = 0;
    }
    if (!e) {
        e = slot(r);
        if (!e)
            return 0;
        *e = (struct rt_arp){.ip = ip, .ifindex = (uint8_t)ifindex};
    }
    if (e->tries == 0) {
        e->tries = 1;
        e->expires_ms = r->now_ms + RT_ARP_RETRY_MS;
        send_request(r, ifindex, ip);
    }
    return e;
}

bool rt_arp_hold(struct router *r, unsigned in_if, unsigned out_if, uint32_t next_hop,
                 const struct ring_desc *d, uint32_t k)
{
    struct rt_hold *free = 0;
    unsigned same = 0;
    for (unsigned i = 0; i < RT_HOLD_MAX; i++) {
        struct rt_hold *h = &r->hold[i];
        if (!h->next_hop)
            free = free ? free : h;
        else if (h->next_hop == next_hop && h->out_if == out_if)
            same++;
    }
    if (!free || same >= RT_HOLD_PER)
        return false;
    free->next_hop = next_hop;
    free->in_if = (uint8_t)in_if;
    free->out_if = (uint8_t)out_if;
    free->k = (uint8_t)k;
    memcpy(free->d, d, k * sizeof(*d));
    r->ifs[out_if].cnt.arp_held++;
    return true;
}

// Every tick: retry pending requests, give up on the silent.
void rt_arp_tick(struct router *r)
{
    for (unsigned i = 0; i < RT_ARP_MAX; i++) {
        struct rt_arp *e = &r->arp[i];
        if (!e->ip || e->resolved || r->now_ms < e->expires_ms)
            continue;
        if (e->tries < RT_ARP_TRIES) {
            e->tries++;
            e->expires_ms = r->now_ms + RT_ARP_RETRY_MS;
            send_request(r, e->ifindex, e->ip);
            continue;
        }
        release(r, e->ifindex, e->ip, 0);
        e->ip = 0;
    }
}
