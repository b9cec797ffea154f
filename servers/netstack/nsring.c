// SPDX-License-Identifier: MIT
// The NIC ring client of the network stack (see nsring.h): attaches to a NIC's
// shared region as the client of shm/netif.h, collects rx.active descriptors
// into frames (lists of buffers: nothing is copied here), returns the buffers
// of frames the callback did not keep and those lwIP gives back later on
// rx.free, keeps buffers the driver finished sending (tx.free) in a private
// stash for transmit, and publishes transmit batches on tx.active with one
// signal per batch.
#include "servers/netstack/nsring.h"

#include "lib/rw.h"
#include "lib/string.h"
#include "servers/netstack/nscsum.h"
#include "servers/netstack/nsgso.h"
#include "shm/netif.h"

#define NSRING_BATCH   64
#define NSRING_TXQ     256
#define NSRING_MTU     1500
#define NSRING_MTU_MAX (NETIF_BUF_SIZE - NETIF_DATA_OFF - 14) // a frame fits one buffer

_Static_assert(NSRING_MAX_SEGS == NETIF_MAX_SEGS, "frame size in nsring.h");

struct nsring {
    const struct comp_region *r;
    const struct comp_channel *to_driver;
    struct netif nif;
    bool attached, in_frame, frame_bad;
    bool restarted;                 // a previous instance used the region (Client restart)
    uint32_t reset_gen;             // the client_gen we asked fresh rings for, 0 = not yet
    bool starved;                   // a frame found no transmit buffer: kick the driver to reclaim
    struct nsring_frame frame;      // the frame being collected
    uint64_t stash[NETIF_MAX_BUFS]; // tx buffers we own (offsets)
    uint32_t nstash;
    struct ring_desc txq[NSRING_TXQ]; // frames waiting for nsring_flush
    uint32_t ntxq;
    struct ring_desc rxfree[NETIF_MAX_BUFS]; // receive buffers to give back
    uint32_t nrxfree;
    uint64_t cur_tx;    // the buffer nsring_tx_begin handed out
    bool tso;           // the NIC cuts TSO frames (and completes their checksums)
    struct nsgso gso;   // the TSO frame queued last, while segments may join it
    uint32_t gso_first; // its first descriptor in txq
    uint64_t cnt[NSRING_C_N];
};

static struct nsring rings[NSRING_MAX];

static const char *const nsring_counter_names[NSRING_C_N] = {
#define NSRING_X_NAME(n) #n,
    NSRING_COUNTERS(NSRING_X_NAME)
#undef NSRING_X_NAME
};
_Static_assert(NSRING_C_N <= NETIF_APP_COUNTERS, "counters fit the client page");

int nsring_bind(uint32_t i, const struct comp_info *ci, const char *region, const char *channel)
{
    struct nsring *s = &rings[i];
    s->r = comp_region(ci, region);
    s->to_driver = comp_channel(ci, channel, COMP_CHAN_OUT);
    s->restarted = ci->restarts > 0;
    return s->r && !s->r->read_only && s->to_driver ? 0 : -1;
}

static void nsring_name_counters(struct nsring *s)
{
    struct netif_app_counters *a = s->nif.app;
    for (uint32_t k = 0; k < NSRING_C_N; k++) {
        memset(a->c[k].name, 0, sizeof(a->c[k].name));
        memcpy(a->c[k].name, nsring_counter_names[k], strlen(nsring_counter_names[k]));
    }
    // Release: the names are written before a reader acquires the count.
    __atomic_store_n(&a->count, NSRING_C_N, __ATOMIC_RELEASE);
}

// A restarted stack cannot know which buffers its predecessor held: it asks
// the driver side for fresh rings and waits for them (shm/netif.h, Client
// restart). True once the rings may be used.
static bool nsring_fresh_rings(struct nsring *s)
{
    struct netif_header *h = (struct netif_header *)s->r->va;
    if (!s->restarted)
        return true;
    if (atomic_load_explicit(&h->drv_state, memory_order_acquire) != NETIF_DRV_UP ||
        !(h->caps & NETIF_CAP_CLIENT_RESET))
        return false; // wait for a driver that can: the rings are not ours to use
    if (!s->reset_gen) {
        s->reset_gen = atomic_load_explicit(&h->client_gen, memory_order_relaxed) + 1;
        if (!s->reset_gen)
            s->reset_gen = 1;
        // Release: pairs with the driver's acquire of client_gen.
        atomic_store_explicit(&h->client_gen, s->reset_gen, memory_order_release);
        comp_signal(s->to_driver);
    }
    // Acquire: pairs with the driver's release of client_ack after the reset.
    if (atomic_load_explicit(&h->client_ack, memory_order_acquire) != s->reset_gen)
        return false;
    s->restarted = false;
    return true;
}

bool nsring_attach(uint32_t i)
{
    struct nsring *s = &rings[i];
    if (s->attached)
        return true;
    if (!s->r || !netif_ready((void *)s->r->va) || !nsring_fresh_rings(s))
        return false;
    if (netif_attach(&s->nif, (void *)s->r->va, s->r->size, NETIF_CLIENT) == RING_EINVAL)
        return false;
    s->attached = true;
    nsring_name_counters(s);
    return true;
}

bool nsring_driver_up(uint32_t i, struct nsring_link *l)
{
    struct nsring *s = &rings[i];
    struct netif_header *h = s->nif.hdr;
    if (!s->attached || atomic_load_explicit(&h->drv_state, memory_order_acquire) != NETIF_DRV_UP)
        return false;
    // Acquire above pairs with the driver's release of drv_state: mac, mtu
    // and caps below are the ones it published with it.
    l->restarts = atomic_load_explicit(&h->drv_restarts, memory_order_relaxed);
    memcpy(l->mac, h->mac, 6);
    l->mtu = h->mtu >= 576 && h->mtu <= NSRING_MTU_MAX ? h->mtu : NSRING_MTU;
    l->tx_csum = (h->caps & NETIF_CAP_TX_CSUM) != 0;
    s->tso = l->tx_csum && (h->caps & NETIF_CAP_TX_TSO4);
    l->tso = s->tso;
    return true;
}

void nsring_rx_return(uint32_t i, uint64_t off)
{
    struct nsring *s = &rings[i];
    if (s->nrxfree == NETIF_MAX_BUFS) // cannot happen: we never hold more than nbufs
        nsring_flush(i);
    s->rxfree[s->nrxfree++] = (struct ring_desc){off, 0, 0};
}

uint32_t nsring_lend_max(uint32_t i)
{
    // A quarter of the receive half of the pool (nbufs / 2): the rest keeps
    // taking GSO frames from the router while lwIP holds these.
    return rings[i].nif.l.nbufs / 8;
}

// Gives back every buffer of the frame being collected.
static void nsring_frame_drop(struct nsring *s, uint32_t i)
{
    for (uint32_t k = 0; k < s->frame.nsegs; k++)
        nsring_rx_return(i, s->frame.seg[k].off);
    s->frame.nsegs = 0;
}

// Starts a frame at its first descriptor.
static void nsring_frame_start(struct nsring *s, const struct ring_desc *d,
                               const struct netif_buf_hdr *h)
{
    s->in_frame = true;
    s->frame_bad = false;
    s->frame.nsegs = 0;
    s->frame.len = 0;
    s->frame.flags = d->flags;
    s->frame.csum_start = h->csum_start;
    s->frame.csum_offset = h->csum_offset;
}

// Ends the frame at its last descriptor: delivered, or dropped whole.
static void nsring_frame_end(struct nsring *s, uint32_t i, bool up, nsring_frame_fn fn, void *ctx)
{
    s->in_frame = false;
    if (s->frame_bad || !up || s->frame.len > 0xffff) { // a pbuf chain holds 64 KiB at most
        s->cnt[NSRING_C_rx_drops]++;
        nsring_frame_drop(s, i);
        return;
    }
    s->cnt[NSRING_C_rx_frames]++;
    if (!fn(ctx, &s->frame))
        nsring_frame_drop(s, i);
    s->frame.nsegs = 0;
}

// One received descriptor, added to the frame being collected.
static void nsring_rx_desc(struct nsring *s, uint32_t i, const struct ring_desc *d, bool up,
                           nsring_frame_fn fn, void *ctx)
{
    bool more = (d->flags & NETIF_F_MORE) != 0;
    if (netif_buf_index(&s->nif, d->offset) < 0) {
        s->cnt[NSRING_C_bad_desc]++; // not a buffer: nothing to give back
        s->frame_bad = true;
        if (!more && s->in_frame)
            nsring_frame_end(s, i, up, fn, ctx);
        return;
    }
    struct netif_buf_hdr h = {0};
    uint8_t *data = netif_data(&s->nif, d, &h);
    if (!s->in_frame)
        nsring_frame_start(s, d, &h);
    if (!data || s->frame.nsegs == NSRING_MAX_SEGS) {
        s->frame_bad = true;
        nsring_rx_return(i, d->offset);
    } else {
        s->frame.seg[s->frame.nsegs].data = data;
        s->frame.seg[s->frame.nsegs].len = d->len;
        s->frame.seg[s->frame.nsegs++].off = d->offset;
        s->frame.len += d->len;
    }
    if (!more)
        nsring_frame_end(s, i, up, fn, ctx);
}

// Moves every buffer the driver finished sending into our stash.
static uint32_t nsring_reclaim(struct nsring *s)
{
    struct ring_desc d[NSRING_BATCH];
    uint32_t total = 0, n;
    do {
        n = ring_dequeue_batch(&s->nif.tx.free, d, NSRING_BATCH);
        for (uint32_t k = 0; k < n; k++) {
            if (netif_buf_index(&s->nif, d[k].offset) >= 0 && s->nstash < NETIF_MAX_BUFS)
                s->stash[s->nstash++] = d[k].offset;
            else
                s->cnt[NSRING_C_bad_desc]++;
        }
        total += n;
    } while (n == NSRING_BATCH);
    return total;
}

uint32_t nsring_receive(uint32_t i, nsring_frame_fn fn, void *ctx)
{
    struct nsring *s = &rings[i];
    struct ring_desc in[NSRING_BATCH];
    struct nsring_link l;
    if (!s->attached)
        return 0;
    bool up = nsring_driver_up(i, &l);
    uint32_t n = ring_dequeue_batch(&s->nif.rx.active, in, NSRING_BATCH);
    for (uint32_t k = 0; k < n; k++)
        nsring_rx_desc(s, i, &in[k], up, fn, ctx);
    n += nsring_reclaim(s);
    nsring_flush(i);
    return n;
}

uint8_t *nsring_tx_begin(uint32_t i, uint32_t len)
{
    struct nsring *s = &rings[i];
    struct nsring_link l;
    if (!nsring_driver_up(i, &l) || len > NETIF_BUF_SIZE - NETIF_DATA_OFF)
        return NULL;
    if (!s->nstash)
        nsring_reclaim(s);
    if (s->ntxq == NSRING_TXQ)
        nsring_flush(i);
    if (!s->nstash) {
        s->cnt[NSRING_C_tx_no_buffer]++;
        s->starved = true;
        return NULL;
    }
    s->cur_tx = s->stash[--s->nstash];
    return s->nif.pool.base + s->cur_tx + NETIF_DATA_OFF;
}

void nsring_tx_commit(uint32_t i, uint32_t len, uint16_t csum_start, uint16_t csum_offset)
{
    struct nsring *s = &rings[i];
    uint32_t flags = csum_start ? RING_F_CSUM_NEEDED : 0;
    *netif_buf_hdr(&s->nif, s->cur_tx) = (struct netif_buf_hdr){.data_off = NETIF_DATA_OFF,
                                                                .csum_start = csum_start,
                                                                .csum_offset = csum_offset,
                                                                .nsegs = 1};
    s->txq[s->ntxq++] = (struct ring_desc){s->cur_tx, len, flags};
    // A frame of its own ends the one before it; it may begin a TSO frame.
    s->gso.open = false;
    if (s->tso && csum_start) {
        uint8_t *d = s->nif.pool.base + s->cur_tx + NETIF_DATA_OFF;
        if (nsgso_open(&s->gso, d, len, len))
            s->gso_first = s->ntxq - 1;
    }
    s->cnt[NSRING_C_tx_frames]++;
    s->cnt[NSRING_C_tx_copied_bytes] += len;
    s->cnt[NSRING_C_tx_csum_offload] += csum_start != 0;
}

// The TSO frame's first buffer, after segment hdr/len joined: offloads on.
static void nsring_gso_headers(struct nsring *s, const uint8_t *hdr, uint32_t len)
{
    struct ring_desc *first = &s->txq[s->gso_first];
    uint8_t *f = s->nif.pool.base + first->offset + NETIF_DATA_OFF;
    if (s->gso.segs == 1)
        s->cnt[NSRING_C_tx_gso_frames]++;
    uint16_t start = nsgso_join(&s->gso, f, hdr, len);
    first->flags |= RING_F_TSO4 | RING_F_CSUM_NEEDED;
    struct netif_buf_hdr *h = netif_buf_hdr(&s->nif, first->offset);
    h->csum_start = start;
    h->csum_offset = 16; // TCP's checksum field
    h->gso_size = s->gso.mss;
    h->hdr_len = s->gso.hlen;
    h->nsegs = (uint16_t)(s->ntxq - s->gso_first);
    s->cnt[NSRING_C_tx_gso_joined]++;
}

bool nsring_tx_join(uint32_t i, const uint8_t *hdr, uint32_t have, uint32_t len,
                    nsring_copy_fn copy, void *ctx)
{
    struct nsring *s = &rings[i];
    if (!s->gso.open || !nsgso_fits(&s->gso, hdr, have, len))
        return false;
    const uint32_t cap = NETIF_BUF_SIZE - NETIF_DATA_OFF;
    uint32_t payload = len - s->gso.hlen, last = s->ntxq - 1;
    uint32_t room = cap - s->txq[last].len;
    uint32_t more = payload > room ? (payload - room + cap - 1) / cap : 0;
    if (more > s->nstash)
        nsring_reclaim(s);
    if (more > s->nstash || s->ntxq + more > NSRING_TXQ ||
        s->ntxq + more - s->gso_first > NETIF_MAX_SEGS) {
        s->gso.open = false; // it goes on its own; the frame is complete as it is
        return false;
    }
    uint32_t done = room < payload ? room : payload;
    copy(ctx, s->nif.pool.base + s->txq[last].offset + NETIF_DATA_OFF + s->txq[last].len,
         s->gso.hlen, done);
    s->txq[last].len += done;
    while (done < payload) {
        uint64_t b = s->stash[--s->nstash];
        uint32_t n = payload - done < cap ? payload - done : cap;
        *netif_buf_hdr(&s->nif, b) = (struct netif_buf_hdr){.data_off = NETIF_DATA_OFF};
        copy(ctx, s->nif.pool.base + b + NETIF_DATA_OFF, s->gso.hlen + done, n);
        s->txq[s->ntxq - 1].flags |= NETIF_F_MORE;
        s->txq[s->ntxq++] = (struct ring_desc){b, n, 0};
        done += n;
    }
    nsring_gso_headers(s, hdr, len);
    s->cnt[NSRING_C_tx_copied_bytes] += payload;
    return true;
}

bool nsring_tx_tso(uint32_t i, uint32_t len, uint16_t hlen, uint16_t gso_size, nsring_copy_fn copy,
                   void *ctx)
{
    struct nsring *s = &rings[i];
    struct nsring_link l;
    const uint32_t cap = NETIF_BUF_SIZE - NETIF_DATA_OFF;
    uint32_t nb = (len + cap - 1) / cap;
    if (!nsring_driver_up(i, &l) || !s->tso || len > NETIF_FRAME_MAX || hlen > cap || !gso_size)
        return false;
    if (s->ntxq + nb > NSRING_TXQ)
        nsring_flush(i);
    if (s->nstash < nb)
        nsring_reclaim(s);
    if (s->nstash < nb || s->ntxq + nb > NSRING_TXQ) {
        s->cnt[NSRING_C_tx_no_buffer]++;
        s->starved = true;
        return false;
    }
    s->gso.open = false; // joins only follow MSS-sized segments (nsring_tx_commit)
    uint32_t first = s->ntxq;
    for (uint32_t k = 0, at = 0; k < nb; k++, at += cap) {
        uint64_t b = s->stash[--s->nstash];
        uint32_t n = len - at < cap ? len - at : cap;
        *netif_buf_hdr(&s->nif, b) = (struct netif_buf_hdr){.data_off = NETIF_DATA_OFF};
        copy(ctx, s->nif.pool.base + b + NETIF_DATA_OFF, at, n);
        s->txq[s->ntxq++] = (struct ring_desc){b, n, k + 1 < nb ? NETIF_F_MORE : 0};
    }
    struct ring_desc *d = &s->txq[first];
    uint16_t start, off;
    if (!nscsum_tx_prepare(s->nif.pool.base + d->offset + NETIF_DATA_OFF, len, &start, &off)) {
        for (uint32_t k = first; k < s->ntxq; k++) // not a TCP/UDP frame after all
            s->stash[s->nstash++] = s->txq[k].offset;
        s->ntxq = first;
        return false;
    }
    d->flags |= RING_F_TSO4 | RING_F_CSUM_NEEDED;
    *netif_buf_hdr(&s->nif, d->offset) = (struct netif_buf_hdr){.data_off = NETIF_DATA_OFF,
                                                                .csum_start = start,
                                                                .csum_offset = off,
                                                                .gso_size = gso_size,
                                                                .hdr_len = hlen,
                                                                .nsegs = (uint16_t)nb};
    s->cnt[NSRING_C_tx_frames]++;
    s->cnt[NSRING_C_tx_tso_large]++;
    s->cnt[NSRING_C_tx_copied_bytes] += len;
    s->cnt[NSRING_C_tx_csum_offload]++;
    return true;
}

void nsring_flush(uint32_t i)
{
    struct nsring *s = &rings[i];
    s->gso.open = false; // what is published is the driver's
    if (s->attached && s->starved && !s->ntxq && !s->nrxfree) {
        // Out of transmit buffers with nothing new to publish: the driver may
        // sleep with our sent frames unreclaimed, so wake it to return them.
        s->starved = false;
        comp_signal(s->to_driver);
        s->cnt[NSRING_C_signals]++;
        return;
    }
    if (!s->attached || (!s->ntxq && !s->nrxfree))
        return;
    s->starved = false;
    uint32_t ntx = s->ntxq, nfree = s->nrxfree;
    ring_enqueue_batch(&s->nif.tx.active, s->txq, ntx);
    ring_enqueue_batch(&s->nif.rx.free, s->rxfree, nfree);
    s->ntxq = s->nrxfree = 0;
    bool a = ntx && ring_producer_should_signal(&s->nif.tx.active);
    bool b = nfree && ring_producer_should_signal(&s->nif.rx.free);
    if (a || b) {
        comp_signal(s->to_driver);
        s->cnt[NSRING_C_signals]++;
    }
}

bool nsring_arm(uint32_t i)
{
    struct nsring *s = &rings[i];
    bool more = false;
    if (!s->attached)
        return false;
    if (!ring_consumer_request_signal(&s->nif.rx.active))
        more = true;
    if (!ring_consumer_request_signal(&s->nif.tx.free))
        more = true;
    if (more) {
        ring_consumer_cancel_signal(&s->nif.rx.active);
        ring_consumer_cancel_signal(&s->nif.tx.free);
    }
    return more;
}

void nsring_count(uint32_t i, enum nsring_counter c, uint64_t n)
{
    rings[i].cnt[c] += n;
}

void nsring_gauge(uint32_t i, enum nsring_counter c, uint64_t v)
{
    rings[i].cnt[c] = v;
}

void nsring_publish_counters(uint32_t i)
{
    struct nsring *s = &rings[i];
    if (!s->attached)
        return;
    for (uint32_t k = 0; k < NSRING_C_N; k++)
        __atomic_store_n(&s->nif.app->c[k].value, s->cnt[k], __ATOMIC_RELAXED);
}

void nsring_publish_addr(uint32_t i, uint32_t addr, uint32_t prefix)
{
    struct nsring *s = &rings[i];
    if (!s->attached)
        return;
    uint64_t v = addr ? netif_client_addr_make(addr, prefix) : 0;
    // Release: pairs with the driver side's acquire in netif_client_addr().
    atomic_store_explicit(&s->nif.hdr->client_addr, v, memory_order_release);
}
