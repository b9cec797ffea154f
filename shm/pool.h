// SPDX-License-Identifier: MIT
/*
 * shm/pool.h - a buffer pool shared by two address spaces: one region of
 * `count` buffers of `buf_size` bytes (a power of two, e.g. 2048 or 65536),
 * named on the rings (shm/ring.h) by byte offset from the region's start, so
 * each side can map it at its own address. This header turns a descriptor
 * that came from the peer into a pointer only after checking it: offset in
 * range and buffer-aligned, length at most one buffer. Bad descriptors are
 * counted in the side's handle and dropped, never trusted.
 * It is NOT an allocator: which buffers are free is expressed by the free
 * ring, not by any bookkeeping here. It does not map or share memory.
 * Freestanding like ring.h.
 */
#ifndef RINGWALL_SHM_POOL_H
#define RINGWALL_SHM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/ring.h"

#define POOL_MIN_BUF_SIZE 64u
#define POOL_MAX_BUF_SIZE (1u << 30)

/* One side's private view of a pool; never placed in shared memory. */
struct pool_handle {
    uint8_t *base;      /* [I] this side's mapping of the region */
    uint64_t bytes;     /* [I] count << buf_shift */
    uint32_t buf_size;  /* [I] power of two */
    uint32_t buf_shift; /* [I] log2(buf_size) */
    uint32_t count;     /* [I] number of buffers */
    uint64_t errors;    /* [h] bad descriptors seen */
};

static inline uint32_t pool_log2(uint32_t v)
{
    uint32_t s = 0;
    while ((1u << s) < v)
        s++;
    return s;
}

/* Set up this side's view; `count` and `buf_size` come from its own config. */
static inline enum ring_status pool_init(struct pool_handle *p, void *base, uint32_t count,
                                         uint32_t buf_size)
{
    if (p == NULL)
        return RING_EINVAL;
    *p = (struct pool_handle){.base = NULL}; /* inert: rejects every offset */
    if (base == NULL || count == 0)
        return RING_EINVAL;
    if (buf_size < POOL_MIN_BUF_SIZE || buf_size > POOL_MAX_BUF_SIZE ||
        (buf_size & (buf_size - 1)) != 0)
        return RING_EINVAL;
    uint32_t align = buf_size < 4096 ? buf_size : 4096;
    if (((uintptr_t)base & (align - 1)) != 0)
        return RING_EINVAL; /* page-aligned, or buffer-aligned if smaller */
    p->base = base;
    p->buf_size = buf_size;
    p->buf_shift = pool_log2(buf_size);
    p->count = count;
    p->bytes = (uint64_t)count << p->buf_shift;
    p->errors = 0;
    return RING_OK;
}

/* Offset of buffer `index` (0 <= index < count), for seeding the free ring. */
static inline uint64_t pool_buf_offset(const struct pool_handle *p, uint32_t index)
{
    return (uint64_t)index << p->buf_shift;
}

/* Decode only: true if offset/len name bytes inside one buffer of the pool. */
static inline bool pool_desc_ok(const struct pool_handle *p, uint64_t offset, uint32_t len)
{
    return offset < p->bytes && (offset & (p->buf_size - 1)) == 0 && len <= p->buf_size;
}

/*
 * Pointer to the buffer at `offset` holding `len` bytes, or NULL (and
 * p->errors++) if the pair does not name one whole buffer of this pool.
 */
static inline void *pool_buf_ptr(struct pool_handle *p, uint64_t offset, uint32_t len)
{
    if (!pool_desc_ok(p, offset, len)) {
        p->errors++;
        return NULL;
    }
    return p->base + offset;
}

/* pool_buf_ptr on a descriptor already copied out of a ring (not on a slot). */
static inline void *pool_desc_ptr(struct pool_handle *p, const struct ring_desc *d)
{
    return pool_buf_ptr(p, d->offset, d->len);
}

/* Index of the buffer at a validated offset. */
static inline uint32_t pool_buf_index(const struct pool_handle *p, uint64_t offset)
{
    return (uint32_t)(offset >> p->buf_shift);
}

#endif /* RINGWALL_SHM_POOL_H */
