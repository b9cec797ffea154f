// SPDX-License-Identifier: MIT
// Receive path, zero copy: empty pool buffers from rx.free (or the driver's
// spare stack) are posted to the device's receive queue at their own physical
// address, so the device writes its header and the frame straight into the
// shared pool; completed buffers are assembled into frames (several with
// MRG_RXBUF), their device header translated into the netif header in place,
// and published on rx.active in one batch. Everything the device reports is
// checked (virtq.c for ids and lengths, vnet_hdr.c for offload fields); a
// protocol violation sets need_reset, a bad frame is dropped and counted.
// Not here: transmit (vnet_tx.c), the device protocol (vnet_dev.c).
#include "drivers/virtio-net/vnet_hdr.h"
#include "drivers/virtio-net/vnet_var.h"
#include "lib/string.h"

#define RX_OUT_MAX (VNET_BATCH + NETIF_MAX_SEGS)

void vnet_rx_spare(struct vnet *v, uint32_t idx)
{
    if (v->nspare < NETIF_MAX_BUFS)
        v->spare[v->nspare++] = idx;
}

static void rx_post(struct vnet *v, uint32_t idx)
{
    struct virtq_seg s = {v->pool_phys + vnet_buf_off(idx) + VNET_RX_POST_OFF,
                          NETIF_BUF_SIZE - VNET_RX_POST_OFF, true};
    if (virtq_add(&v->rxq.vq, &s, &idx, 1) != VIRTQ_OK)
        vnet_rx_spare(v, idx); // cannot happen: callers check nfree first
}

// Takes empty buffers from rx.free: marks each held before the tail moves
// (netif.h restart rule), refuses offsets that are not buffers or are ours.
static uint32_t take_free(struct vnet *v, uint32_t want)
{
    struct ring_desc d[VNET_BATCH];
    uint32_t n = netif_peek(&v->nif.rx.free, d, want < VNET_BATCH ? want : VNET_BATCH);
    uint32_t posted = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t idx = netif_buf_index(&v->nif, d[i].offset);
        if (idx < 0 || v->nif.held[idx]) {
            v->cnt.free_errors++;
            continue;
        }
        v->nif.held[idx] = 1;
        rx_post(v, (uint32_t)idx);
        posted++;
    }
    if (n)
        ring_publish_tail(&v->nif.rx.free, n); // release (B) of shm/ring.h
    return posted;
}

uint32_t vnet_rx_refill(struct vnet *v)
{
    uint32_t posted = 0;
    while (v->rxq.vq.nfree && v->nspare) {
        rx_post(v, v->spare[--v->nspare]);
        posted++;
    }
    if (v->rxq.vq.nfree)
        posted += take_free(v, v->rxq.vq.nfree);
    if (posted && virtq_publish(&v->rxq.vq))
        vnet_kick(v, &v->rxq);
    return posted;
}

// Gives the buffers of the open frame back to the spare stack.
void vnet_rx_drop_partial(struct vnet *v)
{
    struct vnet_rx_frame *f = &v->rxf;
    for (uint32_t i = 0; i < f->have; i++)
        vnet_rx_spare(v, (uint32_t)(f->d[i].offset / NETIF_BUF_SIZE));
    f->want = f->have = f->total = 0;
    f->drop = false;
}

// First buffer of a frame: the device header says how many buffers follow.
static void rx_first(struct vnet *v, uint32_t idx, uint32_t len)
{
    struct vnet_rx_frame *f = &v->rxf;
    uint8_t *buf = v->nif.pool.base + vnet_buf_off(idx);
    if (len < sizeof(struct virtio_net_hdr)) {
        v->cnt.rx_drops++;
        vnet_rx_spare(v, idx);
        return;
    }
    memcpy(&f->vh, buf + VNET_RX_POST_OFF, sizeof(f->vh)); // one private copy
    uint32_t want = (v->features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)) ? f->vh.num_buffers : 1;
    if (want == 0 || want > NETIF_MAX_SEGS || want > v->rxq.vq.size) {
        v->cnt.rx_dev_errors++;
        v->need_reset = true;
        vnet_rx_spare(v, idx);
        return;
    }
    f->want = want;
    f->have = 1;
    f->total = len - (uint32_t)sizeof(struct virtio_net_hdr);
    f->drop = false;
    f->d[0] = (struct ring_desc){vnet_buf_off(idx), f->total, 0};
}

static void rx_more(struct vnet *v, uint32_t idx, uint32_t len)
{
    struct vnet_rx_frame *f = &v->rxf;
    f->d[f->have++] = (struct ring_desc){vnet_buf_off(idx), len, 0};
    f->total += len;
    if (len == 0)
        f->drop = true;
}

// Writes the netif header of every buffer of the finished frame.
static void rx_headers(struct vnet *v, const struct netif_buf_hdr *first, uint32_t flags)
{
    struct vnet_rx_frame *f = &v->rxf;
    for (uint32_t i = 0; i < f->have; i++) {
        struct netif_buf_hdr h = i == 0 ? *first : (struct netif_buf_hdr){0};
        h.data_off = i == 0 ? NETIF_DATA_OFF : VNET_RX_POST_OFF;
        h.nsegs = i == 0 ? (uint16_t)f->have : 0;
        *netif_buf_hdr(&v->nif, f->d[i].offset) = h;
        f->d[i].flags = (i == 0 ? flags : 0) | (i + 1 < f->have ? NETIF_F_MORE : 0);
    }
}

static void rx_finish(struct vnet *v, struct ring_desc *out, uint32_t *nout)
{
    struct vnet_rx_frame *f = &v->rxf;
    struct netif_buf_hdr nh = {0};
    uint32_t flags = 0;
    if (f->drop || f->total == 0 ||
        vnet_hdr_rx(&f->vh, f->total, v->features, &nh, &flags) != VNET_HDR_OK) {
        v->cnt.rx_drops++;
        vnet_rx_drop_partial(v);
        return;
    }
    rx_headers(v, &nh, flags);
    for (uint32_t i = 0; i < f->have; i++)
        out[(*nout)++] = f->d[i];
    v->cnt.rx_frames++;
    v->cnt.rx_bytes += f->total;
    f->want = f->have = f->total = 0;
}

// Publishes whole frames on rx.active; held is cleared before the head moves.
static void rx_deliver(struct vnet *v, struct ring_desc *out, uint32_t n)
{
    uint32_t room = 0;
    if (n == 0)
        return;
    if (ring_room(&v->nif.rx.active, n, &room) != RING_OK || room < n) {
        v->cnt.rx_drops++; // only a client that corrupts its tail gets here
        for (uint32_t i = 0; i < n; i++)
            vnet_rx_spare(v, (uint32_t)(out[i].offset / NETIF_BUF_SIZE));
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        v->nif.held[out[i].offset / NETIF_BUF_SIZE] = 0;
    ring_enqueue_batch(&v->nif.rx.active, out, n); // release (A) of shm/ring.h
    v->rx_published = true;
}

uint32_t vnet_rx_reap(struct vnet *v)
{
    struct ring_desc out[RX_OUT_MAX];
    uint32_t nout = 0, done = 0;
    while (done < VNET_BATCH && !v->need_reset) {
        uint32_t idx, ntok, len;
        int s = virtq_pop(&v->rxq.vq, &idx, 1, &ntok, &len);
        if (s == VIRTQ_EMPTY)
            break;
        if (s != VIRTQ_OK) {
            v->cnt.rx_dev_errors++;
            v->need_reset = true;
            break;
        }
        done++;
        if (v->rxf.want == 0)
            rx_first(v, idx, len);
        else
            rx_more(v, idx, len);
        if (v->rxf.want && v->rxf.have == v->rxf.want)
            rx_finish(v, out, &nout);
    }
    rx_deliver(v, out, nout);
    return done;
}
