// SPDX-License-Identifier: MIT
/*
 * shm/ring.h - single-producer single-consumer rings of buffer descriptors in
 * memory shared by two address spaces (driver <-> netstack, netstack <-> app).
 * This header is the contract between the two sides: the shared layout, who
 * writes which field, the memory ordering, and the sleep/signal protocol.
 * It is header-only and freestanding (stdint, stddef, stdbool, stdatomic only)
 * so ring-3 components built with -ffreestanding -nostdlib and host tests use
 * the same code. It is NOT a multi-producer or multi-consumer queue, it does
 * not allocate, map or share memory, and it does not send notifications: the
 * caller owns the mapping (see shm/pool.h for the buffers) and the kernel
 * notification object.
 *
 * Ownership of the shared fields (legend: [P] written only by the producer,
 * [C] written only by the consumer, [I] immutable after attach, [h] private
 * to one side's handle, never in shared memory):
 *
 *   field                   written by                    read by
 *   head                    [P] producer                  consumer
 *   tail                    [C] consumer                  producer
 *   slots[i]                [P] producer, slot i free      consumer, slot i filled
 *   consumer_needs_signal   consumer sets 1, producer clears, consumer may cancel
 *   producer_needs_signal   producer sets 1, consumer clears, producer may cancel
 *
 * head and tail are free-running uint32 counters; slot = counter & mask, and
 * head - tail (mod 2^32) is the number of filled slots. The ring size is NOT
 * in shared memory: each side takes it from its own configuration. A peer
 * index that would mean more than `size` filled slots is corruption: it is
 * counted in the handle's `errors`, never used, and the ring behaves as empty
 * (consumer) or full (producer) until the peer writes a sane value.
 * Each side keeps its own index privately in its handle and never reads it
 * back from shared memory, so a peer scribbling on it cannot move us. The
 * consumer copies each slot out once and validates the copy (pool.h); it
 * never re-reads a slot the producer could still be rewriting.
 *
 * Memory-ordering pairs (every acquire/release below names its partner):
 *   (A) producer writes slots, then store-release head
 *         -> consumer load-acquire head, then reads slots.
 *   (B) consumer reads slots, then store-release tail
 *         -> producer load-acquire tail, then overwrites those slots.
 *   (C) consumer: store consumer_needs_signal = 1; FULL FENCE; load head
 *       producer: store head;                    FULL FENCE; load consumer_needs_signal
 *       Store->load ordering on both sides (Dekker): at least one side sees
 *       the other's store, so either the consumer sees the new entries and
 *       stays awake, or the producer sees the flag and signals. Acquire and
 *       release alone do not order a store before a later load; the
 *       seq_cst fences do (C11 7.17.3: seq_cst fences are totally
 *       ordered in S, and a load after the later fence sees the store
 *       before the earlier one).
 *   (D) the same as (C) for "space available": producer sets
 *       producer_needs_signal, fence, re-loads tail; consumer stores tail,
 *       fence, loads producer_needs_signal.
 *
 * Sleep/signal protocol (tests/spin/ring_signal.pml model-checks it):
 *   consumer:  n = ring_dequeue_batch(...);
 *              if (n == 0) {
 *                  if (ring_consumer_request_signal(h)) wait(ntfn);
 *                  else ring_consumer_cancel_signal(h);   // work arrived
 *              }
 *   producer:  ring_enqueue_batch(...);   // a whole batch
 *              if (ring_producer_should_signal(h)) signal(ntfn);
 *   Rule: a producer calls ring_producer_should_signal() after every batch
 *   it publishes and before it ever sleeps; the same holds for a consumer
 *   and ring_consumer_should_signal() when its producer can sleep on "full".
 *   The notification must be a sticky bit (signal sets it, wait clears it),
 *   like an seL4 notification; a spurious wake-up is harmless.
 *
 * Free/active pairs: one direction of traffic uses two rings over one buffer
 * pool. The ACTIVE ring carries filled buffers from the data producer to the
 * data consumer; the FREE ring carries emptied buffers back. The data
 * producer is therefore the producer of the active ring and the consumer of
 * the free ring (struct ring_pair below). Both rings have at least as many
 * slots as the pool has buffers, so in correct use neither can be full; at
 * set-up the side that owns the empty buffers enqueues all of them.
 * Descriptor flags (RING_F_*) are opaque to the ring: it copies them.
 */
#ifndef RINGWALL_SHM_RING_H
#define RINGWALL_SHM_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CACHE_LINE 64u
#define RING_MAX_SIZE   (1u << 30)

/* Descriptor flags: offload bits carried for the endpoints, opaque to the ring. */
#define RING_F_CSUM_NEEDED (1u << 0) /* sender left L4 checksum for later */
#define RING_F_CSUM_VALID  (1u << 1) /* receiver: checksum already verified */
#define RING_F_TSO4        (1u << 2) /* TCP/IPv4 segmentation offload */
#define RING_F_TSO6        (1u << 3) /* TCP/IPv6 segmentation offload */
#define RING_F_UFO         (1u << 4) /* UDP fragmentation offload */

/* One buffer: `len` bytes at byte `offset` of the shared pool. */
struct ring_desc {
    uint64_t offset;
    uint32_t len;
    uint32_t flags; /* RING_F_* */
};
_Static_assert(sizeof(struct ring_desc) == 16, "ring_desc crosses address spaces");
_Static_assert(offsetof(struct ring_desc, len) == 8, "ring_desc layout");
_Static_assert(offsetof(struct ring_desc, flags) == 12, "ring_desc layout");

/* The shared memory of one ring: ring_shared_bytes(size) bytes, 64-aligned. */
struct ring_shared {
    _Alignas(64) _Atomic uint32_t head;                  /* [P] */
    _Alignas(64) _Atomic uint32_t tail;                  /* [C] */
    _Alignas(64) _Atomic uint32_t consumer_needs_signal; /* C sets, P clears */
    _Alignas(64) _Atomic uint32_t producer_needs_signal; /* P sets, C clears */
    _Alignas(64) struct ring_desc slots[];               /* [P] */
};
_Static_assert(offsetof(struct ring_shared, head) == 0, "ring_shared layout");
_Static_assert(offsetof(struct ring_shared, tail) == 64, "ring_shared layout");
_Static_assert(offsetof(struct ring_shared, consumer_needs_signal) == 128, "ring_shared layout");
_Static_assert(offsetof(struct ring_shared, producer_needs_signal) == 192, "ring_shared layout");
_Static_assert(offsetof(struct ring_shared, slots) == 256, "ring_shared layout");
_Static_assert(sizeof(struct ring_shared) == 256, "ring_shared layout");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "atomic u32 must be plain u32");

enum ring_status {
    RING_OK = 0,
    RING_EMPTY,    /* nothing to dequeue */
    RING_FULL,     /* no free slot */
    RING_EBADDESC, /* descriptor points outside the pool (see pool.h) */
    RING_ECORRUPT, /* peer index implies more than size entries */
    RING_EINVAL,   /* bad argument: size, alignment, NULL */
    RING_EROLE,    /* producer call on a consumer handle or vice versa */
};

enum ring_role {
    RING_PRODUCER = 1,
    RING_CONSUMER = 2,
};

/* One side's private view of a ring; never placed in shared memory. */
struct ring_handle {
    struct ring_shared *sh; /* [I] this side's mapping */
    uint32_t size;          /* [I] slots, power of two, from own config */
    uint32_t mask;          /* [I] size - 1 */
    enum ring_role role;    /* [I] */
    uint32_t head;          /* [h] producer: own; consumer: last sane peer value */
    uint32_t tail;          /* [h] consumer: own; producer: last sane peer value */
    uint64_t errors;        /* [h] corrupt peer indexes seen */
};

/* Name of a status code, e.g. "RING_FULL". */
static inline const char *ring_strerror(enum ring_status st)
{
    switch (st) {
    case RING_OK: return "RING_OK";
    case RING_EMPTY: return "RING_EMPTY";
    case RING_FULL: return "RING_FULL";
    case RING_EBADDESC: return "RING_EBADDESC";
    case RING_ECORRUPT: return "RING_ECORRUPT";
    case RING_EINVAL: return "RING_EINVAL";
    case RING_EROLE: return "RING_EROLE";
    }
    return "RING_E?";
}

static inline bool ring_size_ok(uint32_t size)
{
    return size != 0 && size <= RING_MAX_SIZE && (size & (size - 1)) == 0;
}

/* Bytes of shared memory a ring of `size` slots needs, in whole cache lines. */
static inline size_t ring_shared_bytes(uint32_t size)
{
    size_t bytes = sizeof(struct ring_shared) + (size_t)size * sizeof(struct ring_desc);
    return (bytes + RING_CACHE_LINE - 1) & ~(size_t)(RING_CACHE_LINE - 1);
}

static inline bool ring_mem_ok(const void *mem)
{
    return mem != NULL && ((uintptr_t)mem & (RING_CACHE_LINE - 1)) == 0;
}

/*
 * Zero a ring's shared memory with both counters at `start`. Done once, by
 * whoever sets up the mapping, before either side attaches. Tests pass a
 * start near UINT32_MAX to cross the 2^32 counter wrap; use ring_init_shared().
 */
static inline enum ring_status ring_init_shared_at(void *mem, uint32_t size, uint32_t start)
{
    if (!ring_mem_ok(mem) || !ring_size_ok(size))
        return RING_EINVAL;
    struct ring_shared *sh = mem;
    atomic_store_explicit(&sh->head, start, memory_order_relaxed);
    atomic_store_explicit(&sh->tail, start, memory_order_relaxed);
    atomic_store_explicit(&sh->consumer_needs_signal, 0, memory_order_relaxed);
    atomic_store_explicit(&sh->producer_needs_signal, 0, memory_order_relaxed);
    for (uint32_t i = 0; i < size; i++)
        sh->slots[i] = (struct ring_desc){0, 0, 0};
    /* Publication to the peers is the job of whatever hands out the mapping. */
    return RING_OK;
}

static inline enum ring_status ring_init_shared(void *mem, uint32_t size)
{
    return ring_init_shared_at(mem, size, 0);
}

/* Indexes read at attach imply too many entries: keep own, distrust peer's. */
static inline enum ring_status ring_attach_check(struct ring_handle *h)
{
    if ((uint32_t)(h->head - h->tail) <= h->size)
        return RING_OK;
    h->errors++;
    if (h->role == RING_CONSUMER)
        h->head = h->tail; /* nothing to read */
    else
        h->tail = h->head - h->size; /* no room */
    return RING_ECORRUPT;
}

/*
 * Attach one side to an initialised ring. `size` comes from this side's own
 * configuration; it must match the peer's or the peer will see garbage (but
 * neither side ever touches memory beyond its own `size`). On RING_ECORRUPT
 * the handle is still safe: the ring looks empty (consumer) or full
 * (producer) until the peer's index is sane again. On RING_EINVAL the
 * handle is not attached: enqueue/dequeue on it return RING_EROLE or 0, and
 * the signal calls must not be used on it.
 */
static inline enum ring_status ring_attach(struct ring_handle *h, void *mem, uint32_t size,
                                           enum ring_role role)
{
    if (h == NULL)
        return RING_EINVAL;
    *h = (struct ring_handle){.sh = NULL}; /* not attached: role 0 */
    if (!ring_mem_ok(mem) || !ring_size_ok(size))
        return RING_EINVAL;
    if (role != RING_PRODUCER && role != RING_CONSUMER)
        return RING_EINVAL;
    h->sh = mem;
    h->size = size;
    h->mask = size - 1;
    h->role = role;
    /* Acquire: pairs with the peer's release stores (A)/(B) if it already ran. */
    h->head = atomic_load_explicit(&h->sh->head, memory_order_acquire);
    h->tail = atomic_load_explicit(&h->sh->tail, memory_order_acquire);
    return ring_attach_check(h);
}

/*
 * Producer: refresh the cached tail. Returns false (and counts) if the peer's
 * tail implies more than size entries outstanding; the cache keeps its last
 * sane value. Acquire pairs with the consumer's release of tail (B).
 */
static inline bool ring_load_tail(struct ring_handle *h)
{
    uint32_t t = atomic_load_explicit(&h->sh->tail, memory_order_acquire);
    if ((uint32_t)(h->head - t) > h->size) {
        h->errors++;
        return false;
    }
    h->tail = t;
    return true;
}

/* Consumer: refresh the cached head. Acquire pairs with the release of head (A). */
static inline bool ring_load_head(struct ring_handle *h)
{
    uint32_t hd = atomic_load_explicit(&h->sh->head, memory_order_acquire);
    if ((uint32_t)(hd - h->tail) > h->size) {
        h->errors++;
        return false;
    }
    h->head = hd;
    return true;
}

/* Producer: free slots, re-reading tail only if the cache shows fewer than `want`. */
static inline enum ring_status ring_room(struct ring_handle *h, uint32_t want, uint32_t *room)
{
    *room = h->size - (h->head - h->tail);
    if (*room >= want)
        return RING_OK;
    if (!ring_load_tail(h))
        return RING_ECORRUPT;
    *room = h->size - (h->head - h->tail);
    return RING_OK;
}

/* Consumer: filled slots, re-reading head only if the cache shows fewer than `want`. */
static inline enum ring_status ring_avail(struct ring_handle *h, uint32_t want, uint32_t *avail)
{
    *avail = h->head - h->tail;
    if (*avail >= want)
        return RING_OK;
    if (!ring_load_head(h))
        return RING_ECORRUPT;
    *avail = h->head - h->tail;
    return RING_OK;
}

/* Producer: make `n` written slots visible. Release pairs with (A). */
static inline void ring_publish_head(struct ring_handle *h, uint32_t n)
{
    h->head += n;
    atomic_store_explicit(&h->sh->head, h->head, memory_order_release);
}

/* Consumer: hand `n` read slots back. Release pairs with (B). */
static inline void ring_publish_tail(struct ring_handle *h, uint32_t n)
{
    h->tail += n;
    atomic_store_explicit(&h->sh->tail, h->tail, memory_order_release);
}

/*
 * Producer: enqueue up to n descriptors, publish them with one store, and
 * return how many went in. 0 means full, a corrupt tail (h->errors grew) or
 * a consumer handle. The caller then runs ring_producer_should_signal().
 */
static inline uint32_t ring_enqueue_batch(struct ring_handle *h, const struct ring_desc *d,
                                          uint32_t n)
{
    uint32_t room;
    if (h->role != RING_PRODUCER || ring_room(h, n, &room) != RING_OK)
        return 0;
    if (n > room)
        n = room;
    for (uint32_t i = 0; i < n; i++)
        h->sh->slots[(h->head + i) & h->mask] = d[i];
    if (n != 0)
        ring_publish_head(h, n);
    return n;
}

/*
 * Consumer: copy up to max filled slots into d without consuming them, and
 * return how many. The caller validates its copies and hands the slots back
 * with ring_publish_tail. 0 means empty, a corrupt head (h->errors grew) or a
 * producer handle.
 */
static inline uint32_t ring_peek_batch(struct ring_handle *h, struct ring_desc *d, uint32_t max)
{
    uint32_t avail;
    if (h->role != RING_CONSUMER || ring_avail(h, max, &avail) != RING_OK)
        return 0;
    if (max > avail)
        max = avail;
    for (uint32_t i = 0; i < max; i++)
        d[i] = h->sh->slots[(h->tail + i) & h->mask];
    return max;
}

/*
 * Consumer: dequeue up to max descriptors into d and return how many. Each
 * slot is copied once; validate the copy (pool_desc_ptr), never re-read the
 * slot. 0 means empty, a corrupt head (h->errors grew) or a producer handle.
 */
static inline uint32_t ring_dequeue_batch(struct ring_handle *h, struct ring_desc *d, uint32_t max)
{
    uint32_t n = ring_peek_batch(h, d, max);
    if (n != 0)
        ring_publish_tail(h, n);
    return n;
}

/* Producer: enqueue one descriptor. */
static inline enum ring_status ring_enqueue(struct ring_handle *h, const struct ring_desc *d)
{
    uint32_t room;
    if (h->role != RING_PRODUCER)
        return RING_EROLE;
    if (ring_room(h, 1, &room) != RING_OK)
        return RING_ECORRUPT;
    if (room == 0)
        return RING_FULL;
    h->sh->slots[h->head & h->mask] = *d;
    ring_publish_head(h, 1);
    return RING_OK;
}

/* Consumer: dequeue one descriptor into *d (a private copy). */
static inline enum ring_status ring_dequeue(struct ring_handle *h, struct ring_desc *d)
{
    uint32_t avail;
    if (h->role != RING_CONSUMER)
        return RING_EROLE;
    if (ring_avail(h, 1, &avail) != RING_OK)
        return RING_ECORRUPT;
    if (avail == 0)
        return RING_EMPTY;
    *d = h->sh->slots[h->tail & h->mask];
    ring_publish_tail(h, 1);
    return RING_OK;
}

/*
 * Filled slots as this side sees them now (re-reads the peer's index). On a
 * corrupt peer index the ring is unusable for this side: a consumer sees 0
 * (empty), a producer sees size (full).
 */
static inline uint32_t ring_count(struct ring_handle *h)
{
    if (h->role == RING_PRODUCER)
        return ring_load_tail(h) ? h->head - h->tail : h->size;
    if (h->role == RING_CONSUMER)
        return ring_load_head(h) ? h->head - h->tail : 0;
    return 0; /* not attached */
}

static inline bool ring_empty(struct ring_handle *h)
{
    return ring_count(h) == 0;
}

static inline bool ring_full(struct ring_handle *h)
{
    return ring_count(h) == h->size;
}

/*
 * The full fence of pairs (C) and (D). It orders this side's earlier store
 * (a needs-signal flag, or head/tail) before its later load (the peer's
 * index, or the peer's flag). Acquire/release cannot do that; do not weaken.
 */
static inline void ring_fence_full(void)
{
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
    /*
     * GCC warns that ThreadSanitizer does not model fences. Safe here: this
     * fence orders atomics against atomics for liveness (no lost wake-up);
     * no plain data relies on it (slots are ordered by (A) and (B), which
     * TSan does model), so TSan cannot report a false race from it, and the
     * instrumented build still executes a real fence.
     */
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wpragmas\"")
        _Pragma("GCC diagnostic ignored \"-Wtsan\"") atomic_thread_fence(memory_order_seq_cst);
    _Pragma("GCC diagnostic pop")
#else
    atomic_thread_fence(memory_order_seq_cst);
#endif
}

/*
 * Consumer, about to sleep on an empty ring: ask for a signal, then re-check.
 * Returns true if the ring is still empty: safe to wait on the notification.
 * Returns false if work arrived: do not wait; dequeue, and call
 * ring_consumer_cancel_signal() to spare the producer a signal.
 */
static inline bool ring_consumer_request_signal(struct ring_handle *h)
{
    /* Relaxed: ordered by the fence below; read by ring_producer_should_signal. */
    atomic_store_explicit(&h->sh->consumer_needs_signal, 1, memory_order_relaxed);
    /* FULL FENCE (C): pairs with the fence in ring_producer_should_signal. */
    ring_fence_full();
    return ring_empty(h); /* re-loads head, acquire (A) */
}

static inline void ring_consumer_cancel_signal(struct ring_handle *h)
{
    atomic_store_explicit(&h->sh->consumer_needs_signal, 0, memory_order_relaxed);
}

/*
 * Producer, after publishing a batch: returns true if the consumer asked for
 * a signal (the flag is cleared here); the caller then signals it.
 */
static inline bool ring_producer_should_signal(struct ring_handle *h)
{
    /* FULL FENCE (C): orders the release of head before the flag load;
     * pairs with the fence in ring_consumer_request_signal. */
    ring_fence_full();
    _Atomic uint32_t *flag = &h->sh->consumer_needs_signal;
    if (atomic_load_explicit(flag, memory_order_relaxed) == 0)
        return false; /* common case: no write to the shared line */
    /* Exchange, not store: a consumer that cancelled meanwhile gets no signal. */
    return atomic_exchange_explicit(flag, 0, memory_order_relaxed) != 0;
}

/*
 * Producer, about to sleep on a full ring: the mirror of
 * ring_consumer_request_signal. True: still full, safe to wait. False: space
 * appeared; call ring_producer_cancel_signal() and go on.
 */
static inline bool ring_producer_request_signal(struct ring_handle *h)
{
    atomic_store_explicit(&h->sh->producer_needs_signal, 1, memory_order_relaxed);
    /* FULL FENCE (D): pairs with the fence in ring_consumer_should_signal. */
    ring_fence_full();
    return ring_full(h); /* re-loads tail, acquire (B) */
}

static inline void ring_producer_cancel_signal(struct ring_handle *h)
{
    atomic_store_explicit(&h->sh->producer_needs_signal, 0, memory_order_relaxed);
}

/*
 * Consumer, after handing a batch of slots back: true if the producer asked
 * to be told about free space. Only needed where the producer can be full.
 */
static inline bool ring_consumer_should_signal(struct ring_handle *h)
{
    /* FULL FENCE (D): orders the release of tail before the flag load;
     * pairs with the fence in ring_producer_request_signal. */
    ring_fence_full();
    _Atomic uint32_t *flag = &h->sh->producer_needs_signal;
    if (atomic_load_explicit(flag, memory_order_relaxed) == 0)
        return false;
    return atomic_exchange_explicit(flag, 0, memory_order_relaxed) != 0;
}

/*
 * One direction of traffic over one pool, as seen by one side. The data
 * producer (e.g. a driver on receive) produces on `active` and consumes from
 * `free`; the data consumer does the opposite.
 */
struct ring_pair {
    struct ring_handle active; /* filled buffers, data producer -> consumer */
    struct ring_handle free;   /* empty buffers, data consumer -> producer */
};

/* Attach both rings of a pair. `role` is this side's role for the data. */
static inline enum ring_status ring_pair_attach(struct ring_pair *p, void *active_mem,
                                                void *free_mem, uint32_t size, enum ring_role role)
{
    enum ring_role back = role == RING_PRODUCER ? RING_CONSUMER : RING_PRODUCER;
    if (role != RING_PRODUCER && role != RING_CONSUMER)
        return RING_EINVAL;
    enum ring_status st = ring_attach(&p->active, active_mem, size, role);
    if (st != RING_OK)
        return st;
    return ring_attach(&p->free, free_mem, size, back);
}

#endif /* RINGWALL_SHM_RING_H */
