// SPDX-License-Identifier: MIT
// Split virtqueue, driver side (see virtq.h). Memory-ordering pairs:
//   (V1) descriptors and avail->ring written, then store-release avail->idx
//        -> the device reads avail->idx, then the entries.
//   (V2) the device writes used->ring, then used->idx
//        -> load-acquire used->idx, then read the entries (copied once).
//   (V3) publish: store avail->idx; FULL FENCE; load avail_event/used->flags.
//        The device stores avail_event (or the flag), fences, re-reads
//        avail->idx: one of the two sides sees the other's store, so a
//        needed notification is never lost.
//   (V4) arm: store used_event/avail->flags; FULL FENCE; load used->idx.
//        Pairs with the device's store of used->idx, fence, load used_event.
#include "drivers/virtio-net/virtq.h"

static void fence_full(void)
{
    atomic_thread_fence(memory_order_seq_cst);
}

bool virtq_layout(uint32_t size, struct virtq_layout *l)
{
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0)
        return false;
    l->desc_off = 0;
    l->avail_off = size * (uint32_t)sizeof(struct virtq_desc);
    uint32_t avail_bytes = 4 + 2 * size + 2;
    l->used_off = (l->avail_off + avail_bytes + 4095) & ~4095u;
    l->bytes = l->used_off + 4 + 8 * size + 2;
    return true;
}

static void zero(void *p, uint32_t n)
{
    volatile uint8_t *b = (volatile uint8_t *)p;
    for (uint32_t i = 0; i < n; i++)
        b[i] = 0;
}

int virtq_init(struct virtq *vq, void *mem, uint32_t size, bool event_idx)
{
    struct virtq_layout l;
    if (!virtq_layout(size, &l) || mem == 0)
        return VIRTQ_EINVAL;
    zero(mem, l.bytes);
    uint8_t *m = (uint8_t *)mem;
    vq->desc = (struct virtq_desc *)(m + l.desc_off);
    vq->avail = (struct virtq_avail *)(m + l.avail_off);
    vq->used = (struct virtq_used *)(m + l.used_off);
    vq->used_event = (_Atomic uint16_t *)&vq->avail->ring[size];
    vq->avail_event = (_Atomic uint16_t *)&vq->used->ring[size];
    vq->size = (uint16_t)size;
    vq->mask = (uint16_t)(size - 1);
    vq->event_idx = event_idx;
    vq->avail_idx = vq->kicked_idx = vq->last_used = 0;
    vq->outstanding = 0;
    vq->free_head = 0;
    vq->nfree = (uint16_t)size;
    for (uint32_t i = 0; i < size; i++) {
        vq->next[i] = i + 1 < size ? (uint16_t)(i + 1) : VIRTQ_NONE;
        vq->chain[i] = 0;
        vq->wlen[i] = 0;
        vq->token[i] = 0;
    }
    vq->errors = 0;
    return VIRTQ_OK;
}

// Fills descriptor d from seg; `next` is VIRTQ_NONE for the last of a chain.
static void put_desc(struct virtq *vq, uint16_t d, const struct virtq_seg *s, uint16_t next)
{
    uint16_t flags =
        (s->device_writes ? VIRTQ_DESC_F_WRITE : 0) | (next != VIRTQ_NONE ? VIRTQ_DESC_F_NEXT : 0);
    vq->desc[d] = (struct virtq_desc){s->addr, s->len, flags, next != VIRTQ_NONE ? next : 0};
}

int virtq_add(struct virtq *vq, const struct virtq_seg *segs, const uint32_t *tokens, uint32_t n)
{
    if (n == 0 || n > VIRTQ_MAX_SEGS)
        return VIRTQ_EINVAL;
    if (n > vq->nfree)
        return VIRTQ_ENOSPC;
    uint16_t head = vq->free_head, d = head;
    uint32_t wlen = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t nx = vq->next[d];
        put_desc(vq, d, &segs[i], i + 1 < n ? nx : VIRTQ_NONE);
        vq->token[d] = tokens[i];
        wlen += segs[i].device_writes ? segs[i].len : 0;
        if (i + 1 < n)
            d = nx;
    }
    vq->free_head = vq->next[d]; // the rest of the free list
    vq->next[d] = VIRTQ_NONE;
    vq->nfree -= (uint16_t)n;
    vq->chain[head] = (uint16_t)n;
    vq->wlen[head] = wlen;
    vq->outstanding++;
    vq->avail->ring[vq->avail_idx & vq->mask] = head;
    vq->avail_idx++;
    return VIRTQ_OK;
}

// The event-index test of the virtio spec: did [old, new) cross `event`?
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool virtq_publish(struct virtq *vq)
{
    uint16_t old = vq->kicked_idx, new_idx = vq->avail_idx;
    if (old == new_idx)
        return false;
    // Release (V1): the descriptors and ring entries before the index.
    atomic_store_explicit(&vq->avail->idx, new_idx, memory_order_release);
    vq->kicked_idx = new_idx;
    fence_full(); // (V3): our index store before the load of the device's hint
    if (vq->event_idx)
        return need_event(atomic_load_explicit(vq->avail_event, memory_order_relaxed), new_idx,
                          old);
    return !(atomic_load_explicit(&vq->used->flags, memory_order_relaxed) & VIRTQ_USED_F_NO_NOTIFY);
}

// Device's used index if sane; false (and counted) if it claims more chains
// than we have outstanding.
static bool used_index(struct virtq *vq, uint16_t *idx)
{
    // Acquire (V2): pairs with the device's write of used->idx.
    *idx = atomic_load_explicit(&vq->used->idx, memory_order_acquire);
    if ((uint16_t)(*idx - vq->last_used) > vq->outstanding) {
        vq->errors++;
        return false;
    }
    return true;
}

bool virtq_pending(struct virtq *vq)
{
    uint16_t idx;
    return used_index(vq, &idx) && idx != vq->last_used;
}

// Returns a chain's descriptors to the free list and its tokens to the caller.
static uint32_t free_chain(struct virtq *vq, uint16_t head, uint32_t *tokens, uint32_t max)
{
    uint32_t n = vq->chain[head], got = 0;
    uint16_t d = head, last = head;
    for (uint32_t i = 0; i < n; i++) {
        if (tokens && got < max)
            tokens[got++] = vq->token[d];
        last = d;
        d = vq->next[d];
    }
    vq->next[last] = vq->free_head;
    vq->free_head = head;
    vq->nfree += (uint16_t)n;
    vq->chain[head] = 0;
    vq->outstanding--;
    return got;
}

int virtq_pop(struct virtq *vq, uint32_t *tokens, uint32_t max, uint32_t *ntokens, uint32_t *len)
{
    uint16_t idx;
    if (!used_index(vq, &idx))
        return VIRTQ_EBADIDX;
    if (idx == vq->last_used)
        return VIRTQ_EMPTY;
    struct virtq_used_elem e = vq->used->ring[vq->last_used & vq->mask]; // one copy
    if (e.id >= vq->size || vq->chain[e.id] == 0) {
        vq->errors++;
        return VIRTQ_EBADID;
    }
    if (e.len > vq->wlen[e.id]) {
        vq->errors++;
        return VIRTQ_EBADLEN;
    }
    vq->last_used++;
    *len = e.len;
    *ntokens = free_chain(vq, (uint16_t)e.id, tokens, max);
    return VIRTQ_OK;
}

bool virtq_intr_enable(struct virtq *vq, uint16_t ahead)
{
    if (vq->event_idx)
        atomic_store_explicit(vq->used_event, (uint16_t)(vq->last_used + ahead),
                              memory_order_relaxed);
    else
        atomic_store_explicit(&vq->avail->flags, 0, memory_order_relaxed);
    fence_full(); // (V4): the request before the re-check of used->idx
    return virtq_pending(vq);
}

void virtq_intr_disable(struct virtq *vq)
{
    // With event indexes a used_event just behind us is crossed only after
    // 2^16 - 1 more entries: in practice never before the next enable.
    if (vq->event_idx)
        atomic_store_explicit(vq->used_event, (uint16_t)(vq->last_used - 1), memory_order_relaxed);
    else
        atomic_store_explicit(&vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT, memory_order_relaxed);
}

void virtq_reclaim(struct virtq *vq, void (*fn)(void *ctx, uint32_t token), void *ctx)
{
    uint32_t tokens[VIRTQ_MAX_SEGS];
    for (uint32_t head = 0; head < vq->size; head++) {
        if (vq->chain[head] == 0)
            continue;
        uint32_t n = free_chain(vq, (uint16_t)head, tokens, VIRTQ_MAX_SEGS);
        for (uint32_t i = 0; i < n; i++)
            fn(ctx, tokens[i]);
    }
}
