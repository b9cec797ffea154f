// SPDX-License-Identifier: MIT
// The NIC ring client of the network stack (see nsring.h): attaches to a NIC's
// shared region as the client of shm/netif.h, turns rx.active descriptors into
// whole frames (completing RING_F_CSUM_NEEDED checksums in software, gathering
// multi-buffer frames such as received GSO super-frames into a scratch area),
// recycles every receive buffer on rx.free at once, keeps buffers the driver
// finished sending (tx.free) in a private stash for transmit, and publishes
// transmit batches on tx.active with one signal per batch.
#include "servers/netstack/nsring.h"

#include "lib/rw.h"
#include "lib/string.h"
#include "shm/netif.h"

#define NSRING_BATCH 64
#define NSRING_TXQ   256

enum { NC_RX, NC_TX, NC_RX_DROP, NC_TX_NOBUF, NC_BAD_DESC, NC_CSUM_FIXED, NC_SIGNALS, NC_N };
static const char *const nsring_counter_names[NC_N] = {
    "rx_frames", "tx_frames", "rx_drops", "tx_no_buffer", "bad_desc", "rx_csum_done", "signals"};

struct nsring {
    const struct comp_region *r;
    const struct comp_channel *to_driver;
    struct netif nif;
    bool attached, in_frame, frame_bad;
    bool starved; // a frame found no transmit buffer: kick the driver to reclaim
    uint32_t frame_len, frame_flags;
    struct netif_buf_hdr frame_hdr; // first buffer's header of the frame
    uint64_t stash[NETIF_MAX_BUFS]; // tx buffers we own (offsets)
    uint32_t nstash;
    struct ring_desc txq[NSRING_TXQ]; // frames waiting for nsring_flush
    uint32_t ntxq;
    struct ring_desc rxfree[NSRING_BATCH]; // receive buffers to give back
    uint32_t nrxfree;
    uint64_t cur_tx; // the buffer nsring_tx_begin handed out
    uint64_t cnt[NC_N];
    uint8_t scratch[NETIF_FRAME_MAX];
};

static struct nsring rings[NSRING_MAX];

int nsring_bind(uint32_t i, const struct comp_info *ci, const char *region, const char *channel)
{
    struct nsring *s = &rings[i];
    s->r = comp_region(ci, region);
    s->to_driver = comp_channel(ci, channel, COMP_CHAN_OUT);
    return s->r && !s->r->read_only && s->to_driver ? 0 : -1;
}

static void nsring_name_counters(struct nsring *s)
{
    struct netif_app_counters *a = s->nif.app;
    for (uint32_t k = 0; k < NC_N; k++) {
        memset(a->c[k].name, 0, sizeof(a->c[k].name));
        memcpy(a->c[k].name, nsring_counter_names[k], strlen(nsring_counter_names[k]));
    }
    a->count = NC_N;
}

bool nsring_attach(uint32_t i)
{
    struct nsring *s = &rings[i];
    if (s->attached)
        return true;
    if (!s->r || !netif_ready((void *)s->r->va))
        return false;
    if (netif_attach(&s->nif, (void *)s->r->va, s->r->size, NETIF_CLIENT) == RING_EINVAL)
        return false;
    s->attached = true;
    nsring_name_counters(s);
    return true;
}

bool nsring_driver_up(uint32_t i, uint8_t mac[6], uint32_t *restarts)
{
    struct nsring *s = &rings[i];
    struct netif_header *h = s->nif.hdr;
    if (!s->attached || atomic_load_explicit(&h->drv_state, memory_order_acquire) != NETIF_DRV_UP)
        return false;
    *restarts = atomic_load_explicit(&h->drv_restarts, memory_order_relaxed);
    memcpy(mac, h->mac, 6);
    return true;
}

// The 16-bit ones' complement sum of data, big-endian words.
static uint32_t nsring_sum(const uint8_t *d, uint32_t n)
{
    uint64_t sum = 0;
    uint32_t k = 0;
    for (; k + 1 < n; k += 2)
        sum += (uint32_t)d[k] << 8 | d[k + 1];
    if (k < n)
        sum += (uint32_t)d[k] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint32_t)sum;
}

// Completes a checksum the sender left to us (the field holds the
// pseudo-header sum); false if the offsets do not fit the frame.
static bool nsring_fix_csum(struct nsring *s, uint8_t *d, uint32_t len)
{
    uint32_t start = s->frame_hdr.csum_start, at = start + s->frame_hdr.csum_offset;
    if (start >= len || at + 2 > len)
        return false;
    uint32_t v = ~nsring_sum(d + start, len - start) & 0xffff;
    d[at] = (uint8_t)(v >> 8);
    d[at + 1] = (uint8_t)v;
    s->cnt[NC_CSUM_FIXED]++;
    return true;
}

static void nsring_deliver(struct nsring *s, uint8_t *d, uint32_t len, nsring_frame_fn fn,
                           void *ctx)
{
    if ((s->frame_flags & RING_F_CSUM_NEEDED) && !nsring_fix_csum(s, d, len)) {
        s->cnt[NC_RX_DROP]++;
        return;
    }
    s->cnt[NC_RX]++;
    fn(ctx, d, len);
}

// Appends one buffer's data to the frame being gathered.
static void nsring_gather(struct nsring *s, const uint8_t *data, uint32_t len)
{
    if (s->frame_bad || len > sizeof(s->scratch) - s->frame_len) {
        s->frame_bad = true;
        return;
    }
    memcpy(s->scratch + s->frame_len, data, len);
    s->frame_len += len;
}

// Starts a frame at its first descriptor.
static void nsring_frame_start(struct nsring *s, const struct ring_desc *d,
                               const struct netif_buf_hdr *h)
{
    s->in_frame = true;
    s->frame_bad = false;
    s->frame_len = 0;
    s->frame_flags = d->flags;
    s->frame_hdr = *h;
}

// One received descriptor; its buffer always goes back on rx.free.
static void nsring_rx_desc(struct nsring *s, const struct ring_desc *d, bool up, nsring_frame_fn fn,
                           void *ctx)
{
    bool more = (d->flags & NETIF_F_MORE) != 0;
    if (netif_buf_index(&s->nif, d->offset) < 0) {
        s->cnt[NC_BAD_DESC]++; // not a buffer: nothing to give back
        return;
    }
    struct netif_buf_hdr h;
    uint8_t *data = netif_data(&s->nif, d, &h);
    if (!s->in_frame)
        nsring_frame_start(s, d, &h);
    if (!data)
        s->frame_bad = true;
    if (!more && !s->frame_len && !s->frame_bad && up) {
        nsring_deliver(s, data, d->len, fn, ctx); // single buffer: no copy here
    } else if (data) {
        nsring_gather(s, data, d->len);
        if (!more && !s->frame_bad && up)
            nsring_deliver(s, s->scratch, s->frame_len, fn, ctx);
    }
    if (!more && (s->frame_bad || !up))
        s->cnt[NC_RX_DROP]++;
    s->in_frame = more;
    s->rxfree[s->nrxfree++] = (struct ring_desc){d->offset, 0, 0};
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
                s->cnt[NC_BAD_DESC]++;
        }
        total += n;
    } while (n == NSRING_BATCH);
    return total;
}

uint32_t nsring_receive(uint32_t i, nsring_frame_fn fn, void *ctx)
{
    struct nsring *s = &rings[i];
    struct ring_desc in[NSRING_BATCH];
    uint8_t mac[6];
    uint32_t restarts;
    if (!s->attached)
        return 0;
    bool up = nsring_driver_up(i, mac, &restarts);
    uint32_t n = ring_dequeue_batch(&s->nif.rx.active, in, NSRING_BATCH);
    for (uint32_t k = 0; k < n; k++)
        nsring_rx_desc(s, &in[k], up, fn, ctx);
    n += nsring_reclaim(s);
    nsring_flush(i);
    return n;
}

uint8_t *nsring_tx_begin(uint32_t i, uint32_t len)
{
    struct nsring *s = &rings[i];
    uint8_t mac[6];
    uint32_t restarts;
    if (!nsring_driver_up(i, mac, &restarts) || len > NETIF_BUF_SIZE - NETIF_DATA_OFF)
        return NULL;
    if (!s->nstash)
        nsring_reclaim(s);
    if (s->ntxq == NSRING_TXQ)
        nsring_flush(i);
    if (!s->nstash) {
        s->cnt[NC_TX_NOBUF]++;
        s->starved = true;
        return NULL;
    }
    s->cur_tx = s->stash[--s->nstash];
    return s->nif.pool.base + s->cur_tx + NETIF_DATA_OFF;
}

void nsring_tx_commit(uint32_t i, uint32_t len)
{
    struct nsring *s = &rings[i];
    *netif_buf_hdr(&s->nif, s->cur_tx) =
        (struct netif_buf_hdr){.data_off = NETIF_DATA_OFF, .nsegs = 1};
    s->txq[s->ntxq++] = (struct ring_desc){s->cur_tx, len, 0};
    s->cnt[NC_TX]++;
}

void nsring_flush(uint32_t i)
{
    struct nsring *s = &rings[i];
    if (s->attached && s->starved && !s->ntxq && !s->nrxfree) {
        // Out of transmit buffers with nothing new to publish: the driver may
        // sleep with our sent frames unreclaimed, so wake it to return them.
        s->starved = false;
        comp_signal(s->to_driver);
        s->cnt[NC_SIGNALS]++;
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
        s->cnt[NC_SIGNALS]++;
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

void nsring_publish_counters(uint32_t i)
{
    struct nsring *s = &rings[i];
    if (!s->attached)
        return;
    for (uint32_t k = 0; k < NC_N; k++)
        __atomic_store_n(&s->nif.app->c[k].value, s->cnt[k], __ATOMIC_RELAXED);
}
