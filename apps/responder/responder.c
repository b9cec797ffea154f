// SPDX-License-Identifier: MIT
// The responder component: answers ARP and ICMP echo for one IPv4 address per
// NIC, straight from the driver's rings, with no IP stack. It is a netif
// client (shm/netif.h): received frames come on rx.active, a reply is built
// in the same buffer and goes out on tx.active, every other buffer goes back
// on rx.free, and buffers the driver has sent come back on tx.free and are
// recycled to rx.free. Malformed frames are counted by reason (frame.c) in the
// region's client counters block and dropped. It exists to test and measure
// the drivers; it is not a router and not a stack.
// Args: one "REGION:CHANNEL=A.B.C.D" per NIC, e.g. "lan0:lan-tx=198.18.0.1":
// the NIC's netif region, the name of our channel to its driver (the
// channel's label, or the driver's name if it has none), our address on it.
#include "apps/responder/frame.h"
#include "lib/comp.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "shm/netif.h"

#define MAX_NICS  4
#define BATCH     64
#define ATTACH_NS 10000000ull // poll for drivers that have not formatted yet

enum { C_RX = FRAME_VERDICTS, C_TX, C_CHAINS, C_BAD_DESC, C_NOT_UP, C_SIGNALS, C_COUNTERS };
static const char *const extra_names[] = {"rx_frames", "tx_frames",   "multi_buffer",
                                          "bad_desc",  "driver_down", "signals"};

struct nic {
    char region[COMP_NAME_MAX];
    char channel[COMP_NAME_MAX]; // our OUT channel to the driver
    struct frame_if fi;
    const struct comp_channel *to_driver;
    const struct comp_region *r;
    struct netif nif;
    bool attached, skipping; // skipping: inside a multi-buffer frame
    uint32_t seen_restarts;
    uint64_t cnt[C_COUNTERS];
};

static struct nic nics[MAX_NICS];
static uint32_t nnics;

// Parses "REGION:CHANNEL=IP" into nic; 0 on success.
static int parse_nic(const char *w, uint32_t n, struct nic *nic)
{
    uint32_t colon = 0, eq = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (w[i] == ':' && !colon)
            colon = i;
        if (w[i] == '=' && !eq)
            eq = i;
    }
    if (!colon || eq <= colon + 1 || colon >= COMP_NAME_MAX || eq - colon - 1 >= COMP_NAME_MAX)
        return -1;
    memcpy(nic->region, w, colon);
    memcpy(nic->channel, w + colon + 1, eq - colon - 1);
    return frame_parse_ip(w + eq + 1, n - eq - 1, nic->fi.ip);
}

static int parse_args(const struct comp_info *ci)
{
    const char *p = ci->args;
    while (*p && nnics < MAX_NICS) {
        while (*p == ' ')
            p++;
        uint32_t n = 0;
        while (p[n] && p[n] != ' ')
            n++;
        if (n && parse_nic(p, n, &nics[nnics++]) != 0)
            return -1;
        p += n;
    }
    return nnics ? 0 : -1;
}

static void publish_counters(struct nic *nic)
{
    struct netif_app_counters *a = nic->nif.app;
    for (uint32_t i = 0; i < C_COUNTERS; i++)
        __atomic_store_n(&a->c[i].value, nic->cnt[i], __ATOMIC_RELAXED);
}

static void name_counters(struct nic *nic)
{
    struct netif_app_counters *a = nic->nif.app;
    for (uint32_t i = 0; i < C_COUNTERS; i++) {
        const char *s = i < FRAME_VERDICTS ? frame_verdict_name[i] : extra_names[i - C_RX];
        memset(a->c[i].name, 0, sizeof(a->c[i].name));
        memcpy(a->c[i].name, s, strnlen(s, sizeof(a->c[i].name) - 1));
    }
    a->count = C_COUNTERS;
}

// Attaches once the driver has formatted the region.
static void try_attach(const struct comp_info *ci, struct nic *nic)
{
    if (!nic->r || !netif_ready((void *)nic->r->va))
        return;
    if (netif_attach(&nic->nif, (void *)nic->r->va, nic->r->size, NETIF_CLIENT) == RING_EINVAL)
        return;
    nic->attached = true;
    name_counters(nic);
    rw_printf("%s: %s attached, %u buffers, answering for %u.%u.%u.%u\n", ci->name, nic->region,
              nic->nif.l.nbufs, nic->fi.ip[0], nic->fi.ip[1], nic->fi.ip[2], nic->fi.ip[3]);
}

// Re-reads the MAC whenever the driver (re)published its state.
static bool driver_up(struct nic *nic)
{
    struct netif_header *h = nic->nif.hdr;
    if (atomic_load_explicit(&h->drv_state, memory_order_acquire) != NETIF_DRV_UP)
        return false;
    uint32_t r = atomic_load_explicit(&h->drv_restarts, memory_order_relaxed);
    if (r != nic->seen_restarts) {
        memcpy(nic->fi.mac, h->mac, 6);
        nic->seen_restarts = r;
    }
    return true;
}

struct out {
    struct ring_desc tx[BATCH], free[2 * BATCH];
    uint32_t ntx, nfree;
};

static void recycle(struct out *o, const struct ring_desc *d)
{
    o->free[o->nfree++] = (struct ring_desc){d->offset, 0, 0};
}

// One received descriptor: reply in place, or recycle. A multi-buffer frame
// is longer than anything we answer: dropped as oversize, counted once.
static void one_frame(struct nic *nic, const struct ring_desc *d, bool up, struct out *o)
{
    bool more = (d->flags & NETIF_F_MORE) != 0, chained = nic->skipping || more;
    nic->skipping = more;
    if (netif_buf_index(&nic->nif, d->offset) < 0) {
        nic->cnt[C_BAD_DESC]++; // not a buffer: nothing to give back
        return;
    }
    struct netif_buf_hdr h;
    uint8_t *data = chained ? 0 : netif_data(&nic->nif, d, &h);
    if (chained && !more) {
        nic->cnt[C_CHAINS]++;
        nic->cnt[FRAME_DROP_OVERSIZE]++;
    }
    if (!chained && !data)
        nic->cnt[C_BAD_DESC]++;
    if (data && !up)
        nic->cnt[C_NOT_UP]++;
    if (!data || !up) {
        recycle(o, d);
        return;
    }
    uint32_t rlen = 0;
    enum frame_verdict v = frame_respond(&nic->fi, data, d->len, &rlen);
    nic->cnt[C_RX]++;
    nic->cnt[v]++;
    if (v != FRAME_REPLY_ARP && v != FRAME_REPLY_ECHO) {
        recycle(o, d);
        return;
    }
    *netif_buf_hdr(&nic->nif, d->offset) =
        (struct netif_buf_hdr){.data_off = h.data_off, .nsegs = 1};
    o->tx[o->ntx++] = (struct ring_desc){d->offset, rlen, 0};
    nic->cnt[C_TX]++;
}

// Moves one batch through the NIC; returns the descriptors handled.
static uint32_t serve(struct nic *nic)
{
    struct ring_desc in[BATCH];
    struct out o = {.ntx = 0, .nfree = 0};
    bool up = driver_up(nic);
    uint32_t n = ring_dequeue_batch(&nic->nif.rx.active, in, BATCH);
    for (uint32_t i = 0; i < n; i++)
        one_frame(nic, &in[i], up, &o);
    uint32_t m = ring_dequeue_batch(&nic->nif.tx.free, o.free + o.nfree, BATCH);
    o.nfree += m;
    ring_enqueue_batch(&nic->nif.tx.active, o.tx, o.ntx);
    ring_enqueue_batch(&nic->nif.rx.free, o.free, o.nfree);
    bool a = o.ntx && ring_producer_should_signal(&nic->nif.tx.active);
    bool b = o.nfree && ring_producer_should_signal(&nic->nif.rx.free);
    if (a || b) {
        comp_signal(nic->to_driver);
        nic->cnt[C_SIGNALS]++;
    }
    if (n + m)
        publish_counters(nic);
    return n + m;
}

// Asks for signals on the rings we consume; true if work arrived meanwhile.
static bool arm(struct nic *nic)
{
    bool more = false;
    if (!ring_consumer_request_signal(&nic->nif.rx.active))
        more = true;
    if (!ring_consumer_request_signal(&nic->nif.tx.free))
        more = true;
    if (more) {
        ring_consumer_cancel_signal(&nic->nif.rx.active);
        ring_consumer_cancel_signal(&nic->nif.tx.free);
    }
    return more;
}

static bool bind_nics(const struct comp_info *ci)
{
    for (uint32_t i = 0; i < nnics; i++) {
        nics[i].r = comp_region(ci, nics[i].region);
        nics[i].to_driver = comp_channel(ci, nics[i].channel, COMP_CHAN_OUT);
        if (!nics[i].r || nics[i].r->read_only || !nics[i].to_driver) {
            rw_printf("%s: no region '%s' or channel to '%s'\n", ci->name, nics[i].region,
                      nics[i].channel);
            return false;
        }
    }
    return true;
}

// One pass over every NIC; returns whether to sleep without a timeout.
static bool pass(const struct comp_info *ci, bool *all_attached)
{
    uint32_t work = 0;
    bool more = false;
    *all_attached = true;
    for (uint32_t i = 0; i < nnics; i++) {
        if (!nics[i].attached)
            try_attach(ci, &nics[i]);
        if (!nics[i].attached) {
            *all_attached = false;
            continue;
        }
        work += serve(&nics[i]);
    }
    if (work)
        return false;
    for (uint32_t i = 0; i < nnics; i++)
        more |= nics[i].attached && arm(&nics[i]);
    return !more;
}

int main(uint64_t arg)
{
    const struct comp_info *ci = comp_start(arg);
    if (!ci)
        return 1;
    if (parse_args(ci) != 0 || !bind_nics(ci)) {
        rw_printf("%s: bad args '%s'\n", ci->name, ci->args);
        return 2;
    }
    for (uint32_t busy = 0;;) {
        bool all = false;
        if (pass(ci, &all)) {
            comp_wait(ci, all ? TIMEOUT_NEVER : ATTACH_NS);
            busy = 0;
        } else if (++busy % 64 == 0) {
            comp_service(ci); // init's heartbeat while busy; we poll every NIC anyway
        }
    }
}
