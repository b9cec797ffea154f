// SPDX-License-Identifier: MIT
/*
 * shm/blk.h - the contract between a block driver (drivers/nvme) and one of its
 * clients: the layout of the region they share, the request and completion
 * entries, the status values, who writes what, and who signals whom.
 * Header-only and freestanding (stdint, stddef, stdbool, stdatomic only), like
 * shm/ring.h and shm/netif.h, so the driver, its clients and host tests use
 * the same code. It is NOT a driver and knows nothing of any device; it does
 * not map memory or send notifications.
 *
 * One region per client, physically contiguous: the driver hands the device
 * region phys + BLK_POOL_OFF + offset (zero copy: no byte of data is copied).
 * The layout is a pure function of the region's size (blk_layout):
 *
 *   offset        what                                written by
 *   0             struct blk_header                   [D] driver
 *   4096          request ring  (struct blk_req)      client produces, driver consumes
 *   12288         completion ring (struct blk_cpl)    driver produces, client consumes
 *   16384 ...     the buffer pool, to the region end  whoever owns the buffer
 *
 * Both rings have BLK_RING_SIZE slots, free-running uint32 head/tail counters
 * (slot = counter & (BLK_RING_SIZE - 1)). Ownership: head [P] producer only,
 * tail [C] consumer only, slots [P] while free. Memory ordering is ring.h's:
 *   (A) producer writes slots, store-release head -> consumer load-acquire head.
 *   (B) consumer copies slots, store-release tail -> producer load-acquire tail.
 *   (C) consumer: store needs_signal = 1; FULL FENCE; re-load head.
 *       producer: store head; FULL FENCE; load needs_signal (and clear it).
 * The driver takes a request only when it has room for its completion, so the
 * completion ring never overflows; a client keeps at most BLK_RING_SIZE
 * requests outstanding and so never overflows the request ring.
 *
 * A request names op, first LBA, block count, a byte offset into the pool and
 * an id the driver copies into the completion; the driver validates its
 * private copy against its own geometry (blk_req_check) and never trusts a
 * field: bad op or flags, zero or too many blocks, an LBA range past the end,
 * a buffer outside the pool or not 4-byte aligned each get their own error
 * status and never reach the device. Flush takes no blocks (nblocks = 0).
 * A device error arrives as BLK_S_EIO with the device's own status code in
 * dev_status (NVMe: SCT << 8 | SC); a command the device never finishes is
 * BLK_S_ETIMEDOUT after the driver reset the device (the buffer is free again).
 *
 * Geometry (block_size, nblocks, max_blocks) and state are written by the
 * driver before it stores state = BLK_STATE_UP with release; a client reads
 * them after an acquire load of state. An acknowledged write (completion with
 * BLK_S_OK) is on the medium: the driver runs the device write-through or
 * writes with FUA, so it survives a driver restart and a power-off.
 *
 * Restart: a driver that starts on a formatted region (a predecessor died)
 * resets the device, drops every request still in the request ring, bumps
 * epoch and stores state UP. A client that sees epoch change resubmits every
 * request it has not seen completed. A request may therefore run twice and a
 * completion may arrive for an id the client no longer waits for: clients
 * ignore those, and must not reuse a buffer before its request completed.
 * Signalling: one channel each way. The client signals after publishing a
 * batch of requests if blk_should_signal(request ring); the driver signals
 * after a batch of completions likewise, and after every state change.
 */
#ifndef RINGWALL_SHM_BLK_H
#define RINGWALL_SHM_BLK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_MAGIC      0x316b6c4257520000ull // "\0\0RWBlk1": version 1
#define BLK_RING_SIZE  128u
#define BLK_REQ_OFF    4096u
#define BLK_CPL_OFF    12288u
#define BLK_POOL_OFF   16384u
#define BLK_MIN_REGION (BLK_POOL_OFF + 131072u)
#define BLK_MAX_BYTES  131072u // largest transfer one request may ask for
#define BLK_BUF_ALIGN  4u      // buffer offsets are multiples of this

enum blk_op {
    BLK_OP_READ = 1,
    BLK_OP_WRITE = 2,
    BLK_OP_FLUSH = 3,
    BLK_OP_TEST_BADCMD = 0x7f, // test builds only (driver args test=1): an opcode the
                               // device must reject, to see device errors reported
};
#define BLK_F_FUA (1u << 0) // write: force unit access (the driver may always do it)

enum blk_status {
    BLK_S_OK = 0,
    BLK_S_EINVAL = -1,    // unknown op, unknown flags, flush with blocks
    BLK_S_ERANGE = -2,    // LBA range beyond the end of the disk
    BLK_S_ELEN = -3,      // zero blocks, or more than max_blocks
    BLK_S_EOFFSET = -4,   // buffer outside the pool or misaligned
    BLK_S_EIO = -5,       // the device reported an error: see dev_status
    BLK_S_ETIMEDOUT = -6, // the device did not answer; it was reset
    BLK_S_ENODEV = -7,    // the device is gone or failed to restart
};

enum blk_state { BLK_STATE_DOWN = 0, BLK_STATE_UP = 1 };

// One request: 32 bytes.
struct blk_req {
    uint64_t id;      // the client's, copied into the completion
    uint64_t lba;     // first block
    uint64_t offset;  // buffer: byte offset from the pool start
    uint32_t nblocks; // blocks of block_size bytes
    uint16_t op;      // enum blk_op
    uint16_t flags;   // BLK_F_*
};
_Static_assert(sizeof(struct blk_req) == 32, "blk_req crosses address spaces");
_Static_assert(offsetof(struct blk_req, nblocks) == 24, "blk_req layout");

// One completion: 16 bytes.
struct blk_cpl {
    uint64_t id;
    int32_t status;      // enum blk_status
    uint16_t dev_status; // BLK_S_EIO: device status (NVMe: SCT << 8 | SC)
    uint16_t reserved;
};
_Static_assert(sizeof(struct blk_cpl) == 16, "blk_cpl crosses address spaces");

// The shared part of one ring; slots follow (request or completion entries).
struct blk_ring_shared {
    _Alignas(64) _Atomic uint32_t head;      // [P]
    _Alignas(64) _Atomic uint32_t tail;      // [C]
    _Alignas(64) _Atomic uint32_t needs_sig; // consumer sets, producer clears
    _Alignas(64) uint8_t slots[];
};
_Static_assert(sizeof(struct blk_ring_shared) == 192, "blk_ring_shared layout");
_Static_assert(192 + BLK_RING_SIZE * sizeof(struct blk_req) <= BLK_CPL_OFF - BLK_REQ_OFF,
               "request ring fits");
_Static_assert(192 + BLK_RING_SIZE * sizeof(struct blk_cpl) <= BLK_POOL_OFF - BLK_CPL_OFF,
               "completion ring fits");

// Driver counters in the header page, for the console and tests.
struct blk_counters {
    uint64_t reads, writes, flushes, rejected, dev_errors, timeouts, resets, restarts;
};

// Page 0, written by the driver only. [I] fixed at format, [D] driver.
struct blk_header {
    _Atomic uint64_t magic;  // [I] BLK_MAGIC, stored last at format (release)
    _Atomic uint32_t state;  // [D] enum blk_state, release after the rest
    _Atomic uint32_t epoch;  // [D] bumped on every driver start
    uint32_t block_size;     // [D] bytes per block (512 or 4096)
    uint32_t max_blocks;     // [D] largest nblocks one request may have
    uint64_t nblocks;        // [D] blocks on the disk
    uint64_t pool_size;      // [I] bytes of pool
    char model[40];          // [D] device model, blank padded
    char serial[20];         // [D]
    uint32_t write_through;  // [D] 1: no volatile cache between ack and medium
    struct blk_counters cnt; // [D]
};
_Static_assert(sizeof(struct blk_header) <= BLK_REQ_OFF, "blk_header fits its page");

// The geometry a side checks requests against: its own private copy.
struct blk_geom {
    uint32_t block_size;
    uint32_t max_blocks;
    uint64_t nblocks;
    uint64_t pool_size;
};

// One side's private view of a ring.
struct blk_ring {
    struct blk_ring_shared *sh; // [I]
    uint32_t esize;             // [I] entry size
    uint32_t head, tail;        // [h] own index, last sane peer index
    uint64_t errors;            // [h] corrupt peer indexes seen
};

// One side's view of the whole region.
struct blk_side {
    struct blk_header *hdr;
    struct blk_ring req, cpl;
    uint8_t *pool;
    uint64_t pool_size;
};

static inline uint64_t blk_pool_size(uint64_t region_size)
{
    return region_size >= BLK_MIN_REGION ? region_size - BLK_POOL_OFF : 0;
}

static inline void blk_ring_attach(struct blk_ring *r, void *mem, uint32_t esize)
{
    r->sh = (struct blk_ring_shared *)mem;
    r->esize = esize;
    r->errors = 0;
    // Acquire: pairs with the peer's release of its index (A)/(B).
    r->head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
    r->tail = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
    if ((uint32_t)(r->head - r->tail) > BLK_RING_SIZE)
        r->tail = r->head; // corrupt: treat as empty, the producer's view wins
}

// Formats a fresh (zeroed) region; true if it is now formatted. Idempotent.
static inline bool blk_format(void *base, uint64_t size)
{
    struct blk_header *h = (struct blk_header *)base;
    if (!blk_pool_size(size))
        return false;
    if (atomic_load_explicit(&h->magic, memory_order_acquire) == BLK_MAGIC)
        return true;
    h->pool_size = blk_pool_size(size);
    // Release: pairs with the acquire in blk_ready.
    atomic_store_explicit(&h->magic, BLK_MAGIC, memory_order_release);
    return true;
}

static inline bool blk_ready(const void *base)
{
    const struct blk_header *h = (const struct blk_header *)base;
    return atomic_load_explicit(&h->magic, memory_order_acquire) == BLK_MAGIC;
}

static inline bool blk_attach(struct blk_side *s, void *base, uint64_t size)
{
    *s = (struct blk_side){.hdr = NULL}; // not attached
    if (!blk_ready(base) || !blk_pool_size(size))
        return false;
    s->hdr = (struct blk_header *)base;
    blk_ring_attach(&s->req, (uint8_t *)base + BLK_REQ_OFF, sizeof(struct blk_req));
    blk_ring_attach(&s->cpl, (uint8_t *)base + BLK_CPL_OFF, sizeof(struct blk_cpl));
    s->pool = (uint8_t *)base + BLK_POOL_OFF;
    s->pool_size = blk_pool_size(size); // own arithmetic, not the header's
    return true;
}

// Producer: room for one more entry?
static inline bool blk_has_room(struct blk_ring *r)
{
    if ((uint32_t)(r->head - r->tail) < BLK_RING_SIZE)
        return true;
    uint32_t t = atomic_load_explicit(&r->sh->tail, memory_order_acquire); // (B)
    if ((uint32_t)(r->head - t) > BLK_RING_SIZE) {
        r->errors++;
        return false;
    }
    r->tail = t;
    return (uint32_t)(r->head - r->tail) < BLK_RING_SIZE;
}

// Producer: free slots now (re-reads the consumer's tail).
static inline uint32_t blk_room(struct blk_ring *r)
{
    uint32_t t = atomic_load_explicit(&r->sh->tail, memory_order_acquire); // (B)
    if ((uint32_t)(r->head - t) <= BLK_RING_SIZE)
        r->tail = t;
    else
        r->errors++;
    uint32_t used = r->head - r->tail;
    return used < BLK_RING_SIZE ? BLK_RING_SIZE - used : 0;
}

// Producer: write one entry (not yet visible). False if full.
static inline bool blk_put(struct blk_ring *r, const void *e)
{
    if (!blk_has_room(r))
        return false;
    __builtin_memcpy(r->sh->slots + (size_t)(r->head & (BLK_RING_SIZE - 1)) * r->esize, e,
                     r->esize);
    r->head++;
    return true;
}

// Producer: make every entry written so far visible. Release pairs with (A).
static inline void blk_publish(struct blk_ring *r)
{
    atomic_store_explicit(&r->sh->head, r->head, memory_order_release);
}

// Consumer: copy the next entry out and consume it. False if empty.
static inline bool blk_get(struct blk_ring *r, void *e)
{
    if (r->head == r->tail) {
        uint32_t h = atomic_load_explicit(&r->sh->head, memory_order_acquire); // (A)
        if ((uint32_t)(h - r->tail) > BLK_RING_SIZE) {
            r->errors++;
            return false;
        }
        r->head = h;
        if (r->head == r->tail)
            return false;
    }
    __builtin_memcpy(e, r->sh->slots + (size_t)(r->tail & (BLK_RING_SIZE - 1)) * r->esize,
                     r->esize);
    r->tail++;
    // Release pairs with the producer's acquire of tail (B).
    atomic_store_explicit(&r->sh->tail, r->tail, memory_order_release);
    return true;
}

// Consumer: discard everything published so far (a restarted driver).
static inline void blk_drop_all(struct blk_ring *r)
{
    if (r->sh == NULL)
        return;
    uint32_t h = atomic_load_explicit(&r->sh->head, memory_order_acquire); // (A)
    if ((uint32_t)(h - r->tail) <= BLK_RING_SIZE)
        r->tail = r->head = h;
    atomic_store_explicit(&r->sh->tail, r->tail, memory_order_release); // (B)
}

// Consumer, before sleeping: ask for a signal, then re-check (C). True if
// the ring is still empty and it is safe to sleep.
static inline bool blk_request_signal(struct blk_ring *r)
{
    atomic_store_explicit(&r->sh->needs_sig, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst); // FULL FENCE: store flag -> load head (C)
    return atomic_load_explicit(&r->sh->head, memory_order_relaxed) == r->tail;
}

// Producer, after blk_publish: true if the consumer asked for a signal (C).
static inline bool blk_should_signal(struct blk_ring *r)
{
    atomic_thread_fence(memory_order_seq_cst); // FULL FENCE: store head -> load flag (C)
    if (!atomic_load_explicit(&r->sh->needs_sig, memory_order_relaxed))
        return false;
    atomic_store_explicit(&r->sh->needs_sig, 0, memory_order_relaxed);
    return true;
}

// Decode step of the driver: a status for a private copy of a request,
// BLK_S_OK if it may go to the device. test_ops allows BLK_OP_TEST_BADCMD.
static inline int blk_req_check(const struct blk_req *r, const struct blk_geom *g, bool test_ops)
{
    if (r->flags & ~BLK_F_FUA)
        return BLK_S_EINVAL;
    if (r->op == BLK_OP_FLUSH)
        return r->nblocks == 0 ? BLK_S_OK : BLK_S_EINVAL;
    if (r->op != BLK_OP_READ && r->op != BLK_OP_WRITE && !(test_ops && r->op == BLK_OP_TEST_BADCMD))
        return BLK_S_EINVAL;
    if (r->nblocks == 0 || r->nblocks > g->max_blocks)
        return BLK_S_ELEN;
    if (r->lba >= g->nblocks || r->nblocks > g->nblocks - r->lba)
        return BLK_S_ERANGE;
    uint64_t bytes = (uint64_t)r->nblocks * g->block_size;
    if (r->offset % BLK_BUF_ALIGN || r->offset > g->pool_size || bytes > g->pool_size - r->offset)
        return BLK_S_EOFFSET;
    return BLK_S_OK;
}

static inline const char *blk_status_name(int s)
{
    switch (s) {
    case BLK_S_OK: return "OK";
    case BLK_S_EINVAL: return "EINVAL";
    case BLK_S_ERANGE: return "ERANGE";
    case BLK_S_ELEN: return "ELEN";
    case BLK_S_EOFFSET: return "EOFFSET";
    case BLK_S_EIO: return "EIO";
    case BLK_S_ETIMEDOUT: return "ETIMEDOUT";
    case BLK_S_ENODEV: return "ENODEV";
    }
    return "E?";
}

#endif
