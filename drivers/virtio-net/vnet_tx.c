// SPDX-License-Identifier: MIT
// Transmit path, zero copy: frames the client published on tx.active are
// checked (each descriptor must name data inside one pool buffer, the chain
// must end within NETIF_MAX_SEGS, offloads must be negotiated and their
// offsets inside the frame), get the device header written into their
// headroom, and go to the device as one descriptor chain pointing at the
// pool; buffers the device has finished with go back on tx.free. A bad frame
// is returned unsent and counted. Not here: receive (vnet_rx.c).
#include "drivers/virtio-net/vnet_hdr.h"
#include "drivers/virtio-net/vnet_var.h"
#include "lib/string.h"

#define VNET_HDR_LEN ((uint32_t)sizeof(struct virtio_net_hdr))

// The descriptor offset that gives a transmit token's buffer back.
static uint64_t token_release(struct vnet *v, uint32_t token)
{
    uint32_t slot = token / NETIF_MAX_BUFS, idx = token % NETIF_MAX_BUFS;
    if (slot == 0) {
        v->nif.held[idx] = 0;
        return vnet_buf_off(idx);
    }
    struct vnet_pool *p = &v->pools[slot - 1];
    p->held[idx] = 0;
    return netif_desc_make(p->id, vnet_buf_off(idx));
}

// Clears held and publishes the buffers on tx.free (held first: restart rule).
void vnet_tx_return(struct vnet *v, const uint32_t *idx, uint32_t n)
{
    struct ring_desc d[VNET_BATCH];
    while (n) {
        uint32_t k = n < VNET_BATCH ? n : VNET_BATCH;
        for (uint32_t i = 0; i < k; i++)
            d[i] = (struct ring_desc){token_release(v, idx[i]), 0, 0};
        ring_enqueue_batch(&v->nif.tx.free, d, k); // release (A); full only if corrupt
        v->tx_returned = true;
        idx += k;
        n -= k;
    }
}

// Descriptors in the frame starting at d[0]; 0 if it is not all there yet.
// *bad is set for a chain longer than NETIF_MAX_SEGS.
static uint32_t frame_descs(const struct ring_desc *d, uint32_t n, bool *bad)
{
    *bad = false;
    for (uint32_t j = 0; j < n; j++) {
        if (!(d[j].flags & NETIF_F_MORE))
            return j + 1;
        if (j + 1 == NETIF_MAX_SEGS) {
            *bad = true;
            return j + 1;
        }
    }
    return 0;
}

struct tx_frame {
    struct virtq_seg segs[NETIF_MAX_SEGS];
    uint32_t idx[NETIF_MAX_SEGS];
    uint32_t nidx;           // buffers that are real pool buffers
    struct netif_buf_hdr h0; // private copy of the first buffer's header
    uint32_t total;
    uint8_t *data0;
};

// Binds slot i to the netif region numbered id mapped into us; false if
// there is no such formatted region.
static bool pool_bind(struct vnet *v, int i, uint32_t id)
{
    const struct comp_info *ci = v->ci;
    for (uint32_t r = 0; r < ci->nregions && r < COMP_MAX_REGIONS; r++) {
        const struct comp_region *cr = &ci->regions[r];
        struct netif_layout l;
        if (cr->id != id || cr->read_only || !netif_layout(cr->size, &l) ||
            !netif_ready((void *)cr->va))
            continue;
        struct vnet_pool *p = &v->pools[i];
        if (pool_init(&p->pool, (uint8_t *)cr->va + l.pool_off, l.nbufs, NETIF_BUF_SIZE) != RING_OK)
            return false;
        p->phys = cr->phys + l.pool_off;
        p->held = v->persist->held[i];
        p->id = id;
        v->persist->id[i] = id; // after held is ours: a restart finds both
        return true;
    }
    return false;
}

// The regions whose buffers we can send (shm/netif.h hdr->tx_pools): ours,
// and every other netif-sized region mapped writable into us, as many as we
// have pool slots for. Bound on first use: they need not be formatted yet.
uint64_t vnet_tx_pools(const struct vnet *v)
{
    const struct comp_info *ci = v->ci;
    uint64_t mask = v->region_id < 64 ? 1ull << v->region_id : 0;
    int slots = VNET_MAX_POOLS;
    for (uint32_t r = 0; r < ci->nregions && r < COMP_MAX_REGIONS && slots > 0; r++) {
        const struct comp_region *cr = &ci->regions[r];
        struct netif_layout l;
        if (cr->id == v->region_id || cr->id >= 64 || cr->read_only || !netif_layout(cr->size, &l))
            continue;
        mask |= 1ull << cr->id;
        slots--;
    }
    return mask;
}

// The slot of another NIC's pool by its region number (bound on first use);
// -1 if there is none.
int vnet_pool_slot(struct vnet *v, uint32_t id)
{
    for (int i = 0; i < VNET_MAX_POOLS; i++) {
        if (v->pools[i].id == id)
            return i;
    }
    for (int i = 0; i < VNET_MAX_POOLS; i++) {
        if (!v->pools[i].id && !v->persist->id[i])
            return pool_bind(v, i, id) ? i : -1;
    }
    return -1;
}

// At start-up, after the device reset: a previous instance's foreign buffers
// go back on tx.free (their owner's client sends them home), except those
// still in the filled part of tx.active, which the client will send again.
void vnet_pools_reclaim(struct vnet *v)
{
    struct ring_handle *h = &v->nif.tx.active;
    for (int i = 0; i < VNET_MAX_POOLS; i++) {
        uint32_t id = v->persist->id[i];
        if (!id)
            continue;
        if (!pool_bind(v, i, id)) {
            v->persist->id[i] = 0; // the region is gone from our configuration
            continue;
        }
        for (uint32_t t = h->tail; t != h->head; t++) {
            uint64_t off = h->sh->slots[t & h->mask].offset;
            if (netif_desc_pool(off) == id &&
                pool_desc_ok(&v->pools[i].pool, netif_desc_off(off), 0))
                v->pools[i].held[netif_desc_off(off) / NETIF_BUF_SIZE] = 0;
        }
        for (uint32_t b = 0; b < v->pools[i].pool.count; b++) {
            if (!v->pools[i].held[b])
                continue;
            uint32_t token = VNET_TOKEN((uint32_t)i + 1, b);
            v->cnt.reclaimed++;
            vnet_tx_return(v, &token, 1);
        }
    }
}

// Decode one descriptor: its pool, buffer and data; marks the buffer held
// (before the tail moves: restart rule; catches repeats). Returns the
// physical address of its data, 0 if it names no buffer of a pool we have.
static uint64_t tx_desc(struct vnet *v, const struct ring_desc *d, struct tx_frame *t,
                        struct netif_buf_hdr *h, uint8_t **data)
{
    uint32_t id = netif_desc_pool(d->offset);
    uint64_t off = netif_desc_off(d->offset), phys = v->pool_phys;
    struct pool_handle *pool = &v->nif.pool;
    uint8_t *held = v->nif.held;
    int slot = -1;
    if (id != 0 && id != v->region_id) {
        if ((slot = vnet_pool_slot(v, id)) < 0)
            return 0;
        pool = &v->pools[slot].pool;
        held = v->pools[slot].held;
        phys = v->pools[slot].phys;
    }
    if (!pool_desc_ok(pool, off, 0) || held[off / NETIF_BUF_SIZE])
        return 0; // not a buffer, or one we already hold: never touch it
    uint32_t idx = (uint32_t)(off / NETIF_BUF_SIZE);
    held[idx] = 1;
    t->idx[t->nidx++] = VNET_TOKEN((uint32_t)(slot + 1), idx);
    *data = netif_pool_data(pool, off, d->len, h);
    return *data && d->len ? phys + off + h->data_off : 0;
}

// Decode: checks every descriptor of the frame and builds the segments.
static bool tx_decode(struct vnet *v, const struct ring_desc *d, uint32_t k, struct tx_frame *t)
{
    bool ok = true;
    t->nidx = 0;
    t->total = 0;
    for (uint32_t j = 0; j < k; j++) {
        struct netif_buf_hdr h;
        uint8_t *data = 0;
        uint64_t addr = tx_desc(v, &d[j], t, &h, &data);
        if (!addr) {
            ok = false;
            continue;
        }
        if (j == 0) {
            t->h0 = h;
            t->data0 = data;
        }
        t->segs[j] = (struct virtq_seg){addr, d[j].len, false};
        t->total += d[j].len;
    }
    return ok;
}

// Decode the offloads, then write the device header into the headroom.
static bool tx_prepare(struct vnet *v, uint32_t flags, uint32_t k, struct tx_frame *t)
{
    uint32_t limit = (flags & RING_F_TSO4) ? NETIF_FRAME_MAX : VNET_TX_FRAME_MAX;
    if (t->total > limit)
        return false;
    struct virtio_net_hdr vh;
    int r = vnet_hdr_tx(&t->h0, flags, t->total, v->features, &vh);
    if (r == VNET_HDR_BAD || (r == VNET_HDR_SWCSUM && k != 1))
        return false;
    if (r == VNET_HDR_SWCSUM)
        vnet_sw_csum(t->data0, t->total, t->h0.csum_start, t->h0.csum_offset);
    memcpy(t->data0 - VNET_HDR_LEN, &vh, VNET_HDR_LEN); // data_off >= HEADROOM_MIN
    t->segs[0].addr -= VNET_HDR_LEN;
    t->segs[0].len += VNET_HDR_LEN;
    return true;
}

// One frame of k descriptors: to the device, or back to the client unsent.
static void tx_frame(struct vnet *v, const struct ring_desc *d, uint32_t k, bool bad)
{
    struct tx_frame t;
    bool ok = tx_decode(v, d, k, &t) && !bad && tx_prepare(v, d[0].flags, k, &t);
    if (ok && virtq_add(&v->txq.vq, t.segs, t.idx, k) == VIRTQ_OK) {
        v->cnt.tx_frames++;
        v->cnt.tx_bytes += t.total;
        return;
    }
    v->cnt.tx_client_errors++;
    vnet_tx_return(v, t.idx, t.nidx);
}

uint32_t vnet_tx_push(struct vnet *v)
{
    struct ring_desc d[VNET_BATCH];
    uint32_t n = netif_peek(&v->nif.tx.active, d, VNET_BATCH), i = 0;
    while (i < n) {
        bool bad;
        uint32_t k = frame_descs(d + i, n - i, &bad);
        if (k > v->txq.vq.size)
            bad = true; // could never fit: refuse rather than stall
        else if (k == 0 || k > v->txq.vq.nfree)
            break; // the rest of the frame is not published yet, or the queue is full
        tx_frame(v, d + i, k, bad);
        i += k;
    }
    if (i)
        ring_publish_tail(&v->nif.tx.active, i); // after held was set (restart rule)
    if (virtq_publish(&v->txq.vq))
        vnet_kick(v, &v->txq);
    return i;
}

uint32_t vnet_tx_reap(struct vnet *v)
{
    uint32_t back[VNET_BATCH + VIRTQ_MAX_SEGS], nback = 0, done = 0;
    while (nback < VNET_BATCH && !v->need_reset) {
        uint32_t ntok, len;
        int s = virtq_pop(&v->txq.vq, back + nback, VIRTQ_MAX_SEGS, &ntok, &len);
        if (s == VIRTQ_EMPTY)
            break;
        if (s != VIRTQ_OK) {
            v->cnt.tx_dev_errors++;
            v->need_reset = true;
            break;
        }
        nback += ntok;
        done++;
    }
    vnet_tx_return(v, back, nback);
    return done;
}
