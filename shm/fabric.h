// SPDX-License-Identifier: MIT
/*
 * shm/fabric.h - the contract between router instances (apps/router) that
 * share the forwarding work: one region ("fabric" in ringwall.conf) holding
 * one single-producer single-consumer ring (shm/ring.h) per ordered pair of
 * instances, and a generation word per instance. Header-only and
 * freestanding like shm/ring.h and shm/netif.h. It is NOT a buffer pool: a
 * fabric descriptor names a buffer of a NIC region's pool (shm/netif.h,
 * netif_desc_make: region number in the upper 32 bits), which both
 * instances map.
 *
 * Instances are numbered by their position in the fabric region's map= list
 * (0 .. n-1, at most FABRIC_MAX_INST); every instance computes the layout
 * from the region size and n alone, so none trusts geometry in memory:
 *
 *   offset                    what                          written by
 *   0                         struct fabric_header          gen[i]: instance i
 *   4096                      struct fabric_spares          map[x]: owner of interface x
 *   8192 + k * ring_bytes     ring k = from * (n-1) + (to - (to > from))
 *
 * Ring from -> to: producer instance `from`, consumer instance `to`. The
 * region arrives zeroed, and zeroed memory is an empty ring (head = tail =
 * 0), so nobody formats it. Rings are never reset: head and tail in shared
 * memory are the truth, and a restarted instance attaches to its rings as
 * they are (ring_attach reads both indexes), which continues exactly where
 * the dead instance published last. What the dead instance held privately
 * (frames waiting for ARP, descriptors staged but not published, its spare
 * buffers) is lost; the peers count what they lent it (see router.h),
 * except the spare buffers: the owner of interface x keeps a bit per buffer
 * of x's pool in spares.map[x], set while the buffer is one of its spares
 * (free buffers for replies, ARP requests and the stack's frames), so that
 * its successor takes them over. Only the owner writes its interfaces' maps,
 * and a successor reads them after its predecessor is gone.
 *
 * One fabric descriptor = a struct ring_desc whose flags keep the RING_F_*
 * and NETIF_F_MORE bits of the frame (the low 16 bits) and add:
 *   bits 16..17  kind: FABRIC_FWD    a frame to forward out of `ifindex`
 *                                    (owned by the consumer); the sender
 *                                    has filtered it in, routed it,
 *                                    decremented its TTL; the next hop is
 *                                    in the first buffer's
 *                                    netif_buf_hdr.reserved (host order)
 *                      FABRIC_XMIT   a complete Ethernet frame to send as
 *                                    is out of `ifindex` (a reject or ICMP
 *                                    error the sender built in its buffers)
 *                      FABRIC_RETURN a buffer of the consumer's own pool,
 *                                    finished with (len 0, one per desc)
 *   bits 20..23  ifindex: the egress interface (FWD, XMIT)
 * A frame is one or more descriptors published together, as on a netif
 * ring. The buffers belong to whoever holds the descriptor: the sender
 * writes reserved before it publishes, ordered by the ring's release of
 * head (shm/ring.h pair (A)); the receiver reads it after its acquire.
 *
 * Signalling: as on every ring (shm/ring.h protocol), through one channel
 * per ordered pair, "<from>.<to> -> <to>". The consumer asks for a signal
 * before it sleeps; the producer signals after a batch if asked.
 *
 * Generations: instance i stores gen[i] + 1 (release) when it starts. A
 * peer that sees gen[i] change (acquire: pairs with it) knows i restarted:
 * it reports how many of its buffers were lent to i at that moment and
 * signals i, so that i looks at its rings at once.
 */
#ifndef RINGWALL_SHM_FABRIC_H
#define RINGWALL_SHM_FABRIC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/ring.h"

#define FABRIC_MAX_INST  4u
#define FABRIC_PAGE      4096u
#define FABRIC_MIN_SLOTS 64u
#define FABRIC_MAX_SLOTS 16384u
#define FABRIC_IF_MAX    8u    /* interfaces with a spare map */
#define FABRIC_MAP_BUFS  4096u /* buffers of one pool a map covers */
#define FABRIC_RINGS_OFF (2u * FABRIC_PAGE)

enum fabric_kind { FABRIC_NONE = 0, FABRIC_FWD = 1, FABRIC_XMIT = 2, FABRIC_RETURN = 3 };

#define FABRIC_F_FRAME      0xffffu /* RING_F_* and NETIF_F_MORE, as on a netif ring */
#define FABRIC_F_KIND_SHIFT 16
#define FABRIC_F_KIND_MASK  0x3u
#define FABRIC_F_IF_SHIFT   20
#define FABRIC_F_IF_MASK    0xfu

/* Page 0. Each gen[i] is written by instance i only. */
struct fabric_header {
    _Atomic uint32_t gen[FABRIC_MAX_INST]; /* [i] bumped by instance i at every start */
    uint32_t reserved[12];
};
_Static_assert(sizeof(struct fabric_header) == 64, "fabric_header crosses address spaces");
_Static_assert(offsetof(struct fabric_header, gen) == 0, "fabric_header layout");
_Static_assert(sizeof(struct fabric_header) <= FABRIC_PAGE, "one page");

/* Page 1. map[x] is written by the owner of interface x only. */
struct fabric_spares {
    uint64_t map[FABRIC_IF_MAX][FABRIC_MAP_BUFS / 64];
};
_Static_assert(sizeof(struct fabric_spares) == FABRIC_PAGE, "fabric_spares is page 1");

struct fabric_layout {
    uint32_t ninst; /* 2 .. FABRIC_MAX_INST */
    uint32_t slots; /* per ring, power of two */
    uint64_t ring_bytes;
    uint64_t bytes; /* total used, <= region size */
};

static inline uint64_t fabric_ring_bytes(uint32_t slots)
{
    return (ring_shared_bytes(slots) + FABRIC_PAGE - 1) & ~(uint64_t)(FABRIC_PAGE - 1);
}

/* The most slots per ring that fit; false if not even FABRIC_MIN_SLOTS do. */
static inline bool fabric_layout(uint64_t size, uint32_t ninst, struct fabric_layout *l)
{
    if (ninst < 2 || ninst > FABRIC_MAX_INST)
        return false;
    uint32_t rings = ninst * (ninst - 1);
    for (uint32_t s = FABRIC_MAX_SLOTS; s >= FABRIC_MIN_SLOTS; s >>= 1) {
        l->ninst = ninst;
        l->slots = s;
        l->ring_bytes = fabric_ring_bytes(s);
        l->bytes = FABRIC_RINGS_OFF + rings * l->ring_bytes;
        if (l->bytes <= size)
            return true;
    }
    return false;
}

/* Byte offset of ring from -> to in the region (from != to, both < ninst). */
static inline uint64_t fabric_ring_off(const struct fabric_layout *l, uint32_t from, uint32_t to)
{
    uint32_t k = from * (l->ninst - 1) + (to - (to > from ? 1u : 0u));
    return FABRIC_RINGS_OFF + (uint64_t)k * l->ring_bytes;
}

static inline uint32_t fabric_flags_make(enum fabric_kind kind, uint32_t ifindex, uint32_t frame)
{
    return (frame & FABRIC_F_FRAME) | ((uint32_t)kind & FABRIC_F_KIND_MASK) << FABRIC_F_KIND_SHIFT |
           (ifindex & FABRIC_F_IF_MASK) << FABRIC_F_IF_SHIFT;
}

static inline enum fabric_kind fabric_flags_kind(uint32_t flags)
{
    return (enum fabric_kind)((flags >> FABRIC_F_KIND_SHIFT) & FABRIC_F_KIND_MASK);
}

static inline uint32_t fabric_flags_ifindex(uint32_t flags)
{
    return (flags >> FABRIC_F_IF_SHIFT) & FABRIC_F_IF_MASK;
}

/* The frame's own flags (RING_F_*, NETIF_F_MORE), the fabric bits removed. */
static inline uint32_t fabric_flags_frame(uint32_t flags)
{
    return flags & FABRIC_F_FRAME;
}

/* Decode only: bits outside the defined fields mean a broken peer. */
static inline bool fabric_flags_ok(uint32_t flags)
{
    uint32_t known = FABRIC_F_FRAME | FABRIC_F_KIND_MASK << FABRIC_F_KIND_SHIFT |
                     FABRIC_F_IF_MASK << FABRIC_F_IF_SHIFT;
    return (flags & ~known) == 0 && fabric_flags_kind(flags) != FABRIC_NONE;
}

#endif /* RINGWALL_SHM_FABRIC_H */
