// SPDX-License-Identifier: MIT
/*
 * shm/netif.h - the contract between a NIC driver and its client (the router,
 * the network stack or a test responder): the layout of one NIC's shared
 * region, which side owns which ring, how one frame is described (descriptor
 * flags and a small header at the start of each buffer), and who signals whom.
 * Header-only and freestanding like shm/ring.h, so drivers, clients, init and
 * host tests use the same code. It is NOT a driver: it knows nothing of any
 * device, and it does not map memory or send notifications.
 *
 * One region per NIC, physically contiguous (the driver hands the device
 * region phys + offset: zero copy), laid out as a pure function of the
 * region's size (netif_layout), so neither side trusts geometry read from
 * shared memory:
 *
 *   offset             what                              written by
 *   0                  struct netif_header               [F] formatter, then [D] driver
 *   4096               struct netif_drv_counters         [D] driver
 *   8192               struct netif_app_counters         [C] client
 *   12288              driver book-keeping (held[])      [D] driver
 *   16384 ...          rx.free, rx.active, tx.free, tx.active rings (shm/ring.h)
 *   pool_off ...       nbufs buffers of NETIF_BUF_SIZE bytes (shm/pool.h)
 *
 * Rings (all four have room for every buffer, so none can ever be full):
 *   ring        producer   consumer   carries
 *   rx.free     client     driver     empty buffers for the driver to receive into
 *   rx.active   driver     client     received frames
 *   tx.free     driver     client     buffers the device has finished sending
 *   tx.active   client     driver     frames to send
 * There is ONE pool for both directions: a buffer may go in on rx.active and
 * come back out on tx.active (a reply built in place), and the client may move
 * a buffer from tx.free to rx.free. Whoever holds a buffer may write it.
 *
 * Formatting: the region arrives zeroed (kernel memory objects are). The first
 * driver instance formats it (netif_format: rings, half the buffers on rx.free,
 * half on tx.free) and publishes the magic last with a release store; a client
 * attaches only after it reads the magic with an acquire load (netif_ready).
 * init may format the region itself; netif_format is idempotent.
 *
 * One frame = one or more descriptors published together (one head store):
 *   desc.offset  buffer start (a multiple of NETIF_BUF_SIZE from the pool start)
 *   desc.len     bytes of frame data in this buffer
 *   desc.flags   RING_F_* from shm/ring.h (first descriptor only) and
 *                NETIF_F_MORE on every descriptor but the last of a frame
 * Each buffer starts with a struct netif_buf_hdr; the data of this buffer lies
 * at [data_off, data_off + len). On transmit the driver may overwrite the bytes
 * between the header and data_off (its device header goes there), so the
 * client must leave data_off >= NETIF_HEADROOM_MIN. The offload fields are
 * meaningful in the first buffer of a frame only:
 *   RING_F_CSUM_NEEDED  the 16-bit ones' complement sum from csum_start (from
 *                       the frame's first byte) to the end of the frame must
 *                       be stored at csum_start + csum_offset (the field holds
 *                       the pseudo-header sum, or 0 for ICMP).
 *   RING_F_CSUM_VALID   (receive) the device verified the L4 checksum.
 *   RING_F_TSO4         TCP/IPv4 segmentation: cut into gso_size-byte payloads
 *                       behind hdr_len bytes of headers (implies CSUM_NEEDED).
 * A client may request an offload only if the driver lists it in hdr->caps.
 *
 * Signalling (each side has one notification bit from the other, see
 * lib/component.h channels): after publishing a batch, a producer signals the
 * peer once if ring_producer_should_signal() is true for any ring it produced
 * on. Before sleeping, a consumer calls ring_consumer_request_signal() on the
 * rings it waits for and re-checks them (shm/ring.h). The client always asks
 * for signals on rx.active and tx.free. The driver asks on tx.active, and on
 * rx.free only when it runs short of receive buffers. The driver also signals
 * after it (re)publishes its state (drv_state, link, mac) in the header.
 *
 * Forwarding (zero copy between NICs): a descriptor on tx.active may name a
 * buffer of ANOTHER NIC's region that is also mapped into this driver. Its
 * offset then carries that region's configuration number (comp_region.id,
 * the same in every component) in the upper 32 bits, netif_desc_make(); 0 or
 * the driver's own region number means its own pool. The driver sends it from
 * that pool and returns it on tx.free with the same offset, so the client can
 * give it back to the NIC it came from. Only tx.active carries foreign
 * buffers; rx.free takes the region's own buffers only. The driver says
 * which regions it can send from in hdr->tx_pools (bit n: region number n,
 * stored before drv_state goes UP), so a client can tell whether a pool it
 * holds, such as the network stack's, can go to this NIC as it is. A driver
 * that dies while the device holds foreign buffers cannot give them back
 * (their owner's pool is short by that many until it is reformatted).
 *
 * Client restart: a client that dies leaves buffers in its own hands that
 * nobody can name. If the driver offers NETIF_CAP_CLIENT_RESET, a restarted
 * client stores client_gen + 1 (release) and waits, without touching the
 * rings, until client_ack equals it (acquire). The driver, at a moment it
 * holds no buffer of the region between rings, formats the rings afresh
 * (netif_reset_rings: every buffer back to rx.free and tx.free) and then
 * stores client_ack (release: pairs with the client's acquire), and signals.
 *
 * Client address: a client that learns its own IPv4 address on the link (the
 * network stack's DHCP client) publishes it in hdr->client_addr for the driver
 * side; the router, the driver side of "<if>-up", routes to it. The formatter
 * zeroes it (none), and a restarted client republishes.
 *
 * Restart: a restarted driver must not lose the buffers it held. It records in
 * held[i] (its own page) every buffer it took: set BEFORE it publishes the
 * consuming tail, cleared BEFORE it publishes the producing head. A restarted
 * driver clears held[i] for buffers still inside the filled part of a ring it
 * consumes (the window between marking and publishing), and owns the rest.
 */
#ifndef RINGWALL_SHM_NETIF_H
#define RINGWALL_SHM_NETIF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/pool.h"
#include "shm/ring.h"

#define NETIF_MAGIC        0x3166694e57520000ull // "\0\0RWNif1": version 1
#define NETIF_PAGE         4096u
#define NETIF_BUF_SIZE     16384u
#define NETIF_MIN_BUFS     64u
#define NETIF_MAX_BUFS     4096u // held[] is one page of bytes
#define NETIF_HEADROOM_MIN 32u   // data_off >= this: header + room for a device header
#define NETIF_DATA_OFF     64u   // where a client normally puts frame data
#define NETIF_MAX_SEGS     48u   // descriptors in one frame (a 64 KiB TSO frame fits)
#define NETIF_FRAME_MAX    65550u
#define NETIF_APP_COUNTERS 48u

/* Descriptor flag: the frame continues in the next descriptor of the ring. */
#define NETIF_F_MORE     (1u << 8)
#define NETIF_F_OFFLOADS (RING_F_CSUM_NEEDED | RING_F_CSUM_VALID | RING_F_TSO4)

/* Offloads the driver offers (netif_header.caps). */
#define NETIF_CAP_TX_CSUM      (1u << 0) /* honours RING_F_CSUM_NEEDED on transmit */
#define NETIF_CAP_TX_TSO4      (1u << 1) /* honours RING_F_TSO4 on transmit */
#define NETIF_CAP_RX_CSUM      (1u << 2) /* may deliver CSUM_VALID / CSUM_NEEDED frames */
#define NETIF_CAP_RX_GSO4      (1u << 3) /* may deliver multi-buffer RING_F_TSO4 frames */
#define NETIF_CAP_CLIENT_RESET (1u << 4) /* resets the rings for a restarted client */

enum netif_drv_state {
    NETIF_DRV_DOWN = 0, /* no driver, or the device is being (re)initialised */
    NETIF_DRV_UP = 1,   /* mac, mtu and caps are valid */
};

/* Page 0. [F] written once by the formatter; [D] by the driver. */
struct netif_header {
    _Atomic uint64_t magic;        /* [F] NETIF_MAGIC, stored last (release) */
    uint32_t nbufs;                /* [F] for the console; sides use netif_layout */
    uint32_t buf_size;             /* [F] */
    _Atomic uint32_t drv_state;    /* [D] enum netif_drv_state, release after the rest */
    _Atomic uint32_t link_up;      /* [D] 1 = carrier */
    _Atomic uint32_t drv_restarts; /* [D] bumped on every driver start or device reset */
    uint32_t caps;                 /* [D] NETIF_CAP_* */
    uint8_t mac[6];                /* [D] */
    uint16_t mtu;                  /* [D] */
    _Atomic uint32_t client_gen;   /* [C] bumped by a restarted client (Client restart) */
    _Atomic uint32_t client_ack;   /* [D] the client_gen the rings were last reset for */
    _Atomic uint64_t client_addr;  /* [C] see netif_client_addr_make; 0 = none */
    _Atomic uint64_t tx_pools;     /* [D] bit n: may send from region n's pool (Forwarding) */
};
_Static_assert(sizeof(struct netif_header) == 64, "netif_header crosses address spaces");
_Static_assert(offsetof(struct netif_header, mac) == 32, "netif_header layout");
_Static_assert(offsetof(struct netif_header, client_ack) == 44, "netif_header layout");
_Static_assert(offsetof(struct netif_header, client_addr) == 48, "netif_header layout");
_Static_assert(offsetof(struct netif_header, tx_pools) == 56, "netif_header layout");

/*
 * The client's own IPv4 address on the link, when the client learns it itself
 * (the network stack's DHCP lease in a "<if>-up" region): one 64-bit store so
 * the address and prefix are read together. Address in host order in the
 * upper half, the prefix length in bits 8..15, bit 0 = valid.
 */
static inline uint64_t netif_client_addr_make(uint32_t addr, uint32_t prefix)
{
    return (uint64_t)addr << 32 | (uint64_t)(prefix & 0xff) << 8 | 1u;
}

/* Decode: false if none is published or the prefix is out of range. */
static inline bool netif_client_addr(const struct netif_header *h, uint32_t *addr, uint32_t *prefix)
{
    /* Acquire: pairs with the client's release store. */
    uint64_t v = atomic_load_explicit(&h->client_addr, memory_order_acquire);
    *addr = (uint32_t)(v >> 32);
    *prefix = (uint32_t)(v >> 8) & 0xff;
    return (v & 1u) && *addr != 0 && *prefix >= 1 && *prefix <= 32;
}

/* True if the driver publishing h can send buffers of region `id` (Forwarding). */
static inline bool netif_sends_from(const struct netif_header *h, uint32_t id)
{
    return id < 64 && ((atomic_load_explicit(&h->tx_pools, memory_order_relaxed) >> id) & 1u);
}

/* The header at the start of every buffer. */
struct netif_buf_hdr {
    uint16_t data_off;    /* frame bytes of this buffer start here */
    uint16_t csum_start;  /* CSUM_NEEDED: from the frame's first byte */
    uint16_t csum_offset; /* CSUM_NEEDED: from csum_start, where the sum goes */
    uint16_t gso_size;    /* TSO4: TCP payload bytes per segment */
    uint16_t hdr_len;     /* TSO4: Ethernet + IP + TCP header bytes */
    uint16_t nsegs;       /* first buffer: descriptors in this frame */
    uint32_t reserved;
};
_Static_assert(sizeof(struct netif_buf_hdr) == 16, "netif_buf_hdr crosses address spaces");
_Static_assert(NETIF_HEADROOM_MIN >= sizeof(struct netif_buf_hdr) + 12, "room for a device hdr");

/* Driver counters, page 1: one X() per field, so the console can name them. */
#define NETIF_DRV_COUNTERS(X)                                                                      \
    X(rx_frames)                                                                                   \
    X(rx_bytes)                                                                                    \
    X(rx_drops)      /* dropped: bad offload header, empty frame, client ring corrupt */           \
    X(rx_dev_errors) /* device broke the virtqueue protocol: queue reset */                        \
    X(tx_frames)                                                                                   \
    X(tx_bytes)                                                                                    \
    X(tx_drops)         /* dropped in flight by a device reset */                                  \
    X(tx_client_errors) /* bad descriptor or offload request from the client */                    \
    X(tx_dev_errors)                                                                               \
    X(free_errors) /* bad or duplicate buffer on rx.free */                                        \
    X(kicks)       /* notifications to the device */                                               \
    X(irqs)        /* interrupt bits seen */                                                       \
    X(wakeups)                                                                                     \
    X(signals)   /* notifications to the client */                                                 \
    X(resets)    /* device resets after an error */                                                \
    X(reclaimed) /* buffers recovered at start-up from a previous instance */

struct netif_drv_counters {
#define NETIF_X_FIELD(n) uint64_t n;
    NETIF_DRV_COUNTERS(NETIF_X_FIELD)
#undef NETIF_X_FIELD
};
_Static_assert(sizeof(struct netif_drv_counters) <= NETIF_PAGE, "one page");

/* Client counters, page 2: named by the client, read by the console. */
struct netif_app_counters {
    uint32_t count; /* [C] entries in use */
    uint32_t reserved;
    struct {
        char name[24];
        uint64_t value;
    } c[NETIF_APP_COUNTERS];
};
_Static_assert(sizeof(struct netif_app_counters) <= NETIF_PAGE, "one page");

/* Where everything is in a region of a given size. */
struct netif_layout {
    uint32_t nbufs;       /* NETIF_MIN_BUFS..NETIF_MAX_BUFS */
    uint32_t slots;       /* of each ring: the smallest power of two >= nbufs */
    uint64_t ring_off[4]; /* NETIF_RX_FREE.. order below */
    uint64_t ring_bytes;
    uint64_t pool_off;
    uint64_t bytes; /* total used, <= region size */
};
enum { NETIF_RX_FREE, NETIF_RX_ACTIVE, NETIF_TX_FREE, NETIF_TX_ACTIVE };
#define NETIF_HDR_OFF     0u
#define NETIF_DRV_CNT_OFF 4096u
#define NETIF_APP_CNT_OFF 8192u
#define NETIF_HELD_OFF    12288u
#define NETIF_RINGS_OFF   16384u

static inline uint64_t netif_page_up(uint64_t v)
{
    return (v + NETIF_PAGE - 1) & ~(uint64_t)(NETIF_PAGE - 1);
}

static inline void netif_layout_for(uint32_t slots, uint32_t nbufs, struct netif_layout *l)
{
    l->nbufs = nbufs;
    l->slots = slots;
    l->ring_bytes = netif_page_up(ring_shared_bytes(slots));
    for (int i = 0; i < 4; i++)
        l->ring_off[i] = NETIF_RINGS_OFF + (uint64_t)i * l->ring_bytes;
    l->pool_off = NETIF_RINGS_OFF + 4 * l->ring_bytes;
    l->bytes = l->pool_off + (uint64_t)nbufs * NETIF_BUF_SIZE;
}

/*
 * As many buffers as fit, up to NETIF_MAX_BUFS, on rings of the smallest
 * power-of-two size that holds them all; false if not even NETIF_MIN_BUFS
 * fit. Larger rings leave less room for buffers, so the search stops once
 * the rings are larger than what fits.
 */
static inline bool netif_layout(uint64_t region_size, struct netif_layout *l)
{
    bool found = false;
    for (uint32_t s = NETIF_MIN_BUFS; s <= NETIF_MAX_BUFS; s <<= 1) {
        struct netif_layout t;
        netif_layout_for(s, s, &t);
        if (t.pool_off >= region_size)
            break;
        uint64_t fit = (region_size - t.pool_off) / NETIF_BUF_SIZE;
        uint32_t n = fit < s ? (uint32_t)fit : s;
        if (n >= NETIF_MIN_BUFS && (!found || n > l->nbufs)) {
            netif_layout_for(s, n, l);
            found = true;
        }
        if (fit < s)
            break;
    }
    return found;
}

/* One side's private view of a region. */
struct netif {
    uint8_t *base;
    struct netif_layout l;
    struct netif_header *hdr;
    struct netif_drv_counters *drv;
    struct netif_app_counters *app;
    uint8_t *held;       /* [D] one byte per buffer */
    struct ring_pair rx; /* driver: data producer; client: data consumer */
    struct ring_pair tx; /* driver: data consumer; client: data producer */
    struct pool_handle pool;
};

enum netif_side { NETIF_DRIVER = 1, NETIF_CLIENT = 2 };

static inline void *netif_at(void *base, uint64_t off)
{
    return (uint8_t *)base + off;
}

/* True once the region has been formatted (acquire: pairs with netif_format). */
static inline bool netif_ready(const void *base)
{
    const struct netif_header *h = (const struct netif_header *)base;
    return atomic_load_explicit(&h->magic, memory_order_acquire) == NETIF_MAGIC;
}

/* Puts buffers [first, first + n) on a ring that nobody has attached yet. */
static inline void netif_seed(void *ring_mem, const struct netif_layout *l, uint32_t first,
                              uint32_t n)
{
    struct ring_shared *sh = (struct ring_shared *)ring_mem;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t off = (uint64_t)(first + i) * NETIF_BUF_SIZE;
        sh->slots[i & (l->slots - 1)] = (struct ring_desc){off, 0, 0};
    }
    atomic_store_explicit(&sh->head, n, memory_order_relaxed); /* ordered by the magic */
}

/*
 * Formats a zeroed region once: rings empty, half the buffers on rx.free and
 * half on tx.free, then the magic (release: pairs with netif_ready). Returns
 * false if the region is too small. Formatting an already formatted region
 * does nothing: a restarted driver never re-formats under a running client.
 */
static inline bool netif_format(void *base, uint64_t size)
{
    struct netif_layout l;
    if (!netif_layout(size, &l) || ((uintptr_t)base & (NETIF_PAGE - 1)) != 0)
        return false;
    if (netif_ready(base))
        return true;
    struct netif_header *h = (struct netif_header *)base;
    h->nbufs = l.nbufs;
    h->buf_size = NETIF_BUF_SIZE;
    for (int i = 0; i < 4; i++)
        ring_init_shared(netif_at(base, l.ring_off[i]), l.slots);
    netif_seed(netif_at(base, l.ring_off[NETIF_RX_FREE]), &l, 0, l.nbufs / 2);
    netif_seed(netif_at(base, l.ring_off[NETIF_TX_FREE]), &l, l.nbufs / 2, l.nbufs - l.nbufs / 2);
    uint8_t *held = (uint8_t *)netif_at(base, NETIF_HELD_OFF);
    for (uint32_t i = 0; i < l.nbufs; i++)
        held[i] = 0;
    /* Release: every store above is visible to whoever acquires the magic. */
    atomic_store_explicit(&h->magic, NETIF_MAGIC, memory_order_release);
    return true;
}

/*
 * Client restart, driver side: every ring empty again, half the buffers on
 * rx.free and half on tx.free, as netif_format leaves them. Only while no
 * buffer of the region is in flight between rings, and the client is waiting.
 */
static inline void netif_reset_rings(void *base, uint64_t size)
{
    struct netif_layout l;
    if (!netif_layout(size, &l) || !netif_ready(base))
        return;
    for (int i = 0; i < 4; i++)
        ring_init_shared(netif_at(base, l.ring_off[i]), l.slots);
    netif_seed(netif_at(base, l.ring_off[NETIF_RX_FREE]), &l, 0, l.nbufs / 2);
    netif_seed(netif_at(base, l.ring_off[NETIF_TX_FREE]), &l, l.nbufs / 2, l.nbufs - l.nbufs / 2);
}

/*
 * Attaches one side to a formatted region of `size` bytes mapped at base.
 * The driver produces rx data and consumes tx data; the client the opposite.
 * Returns RING_OK, RING_EINVAL (size, alignment, not formatted) or
 * RING_ECORRUPT (a peer index is insane; the handles stay safe, see ring.h).
 */
static inline enum ring_status netif_attach(struct netif *n, void *base, uint64_t size,
                                            enum netif_side side)
{
    *n = (struct netif){.base = NULL};
    if (!netif_layout(size, &n->l) || !netif_ready(base))
        return RING_EINVAL;
    n->base = (uint8_t *)base;
    n->hdr = (struct netif_header *)base;
    n->drv = (struct netif_drv_counters *)netif_at(base, NETIF_DRV_CNT_OFF);
    n->app = (struct netif_app_counters *)netif_at(base, NETIF_APP_CNT_OFF);
    n->held = (uint8_t *)netif_at(base, NETIF_HELD_OFF);
    enum ring_role rx = side == NETIF_DRIVER ? RING_PRODUCER : RING_CONSUMER;
    enum ring_role tx = side == NETIF_DRIVER ? RING_CONSUMER : RING_PRODUCER;
    enum ring_status a =
        ring_pair_attach(&n->rx, netif_at(base, n->l.ring_off[NETIF_RX_ACTIVE]),
                         netif_at(base, n->l.ring_off[NETIF_RX_FREE]), n->l.slots, rx);
    enum ring_status b =
        ring_pair_attach(&n->tx, netif_at(base, n->l.ring_off[NETIF_TX_ACTIVE]),
                         netif_at(base, n->l.ring_off[NETIF_TX_FREE]), n->l.slots, tx);
    enum ring_status p =
        pool_init(&n->pool, netif_at(base, n->l.pool_off), n->l.nbufs, NETIF_BUF_SIZE);
    if (a == RING_EINVAL || b == RING_EINVAL || p != RING_OK)
        return RING_EINVAL;
    return a != RING_OK ? a : b;
}

/*
 * Consumer: copies up to max filled slots without consuming them; the caller
 * validates its copies and then hands the slots back with ring_publish_tail.
 * This lets a driver record a buffer as held before the peer can see the slot
 * as free (the restart rule above).
 */
static inline uint32_t netif_peek(struct ring_handle *h, struct ring_desc *d, uint32_t max)
{
    return ring_peek_batch(h, d, max);
}

/* The buffer header of a validated buffer offset. */
static inline struct netif_buf_hdr *netif_buf_hdr(struct netif *n, uint64_t off)
{
    return (struct netif_buf_hdr *)(n->pool.base + off);
}

/*
 * Decode only: the data of a descriptor copied out of a ring, or NULL if it
 * does not name data inside one buffer. *hdr receives a private copy of the
 * buffer header (read once: the peer may still write the shared one).
 */
static inline uint8_t *netif_pool_data(struct pool_handle *p, uint64_t off, uint32_t len,
                                       struct netif_buf_hdr *hdr)
{
    if (!pool_desc_ok(p, off, len)) {
        p->errors++;
        return NULL;
    }
    *hdr = *(const struct netif_buf_hdr *)(p->base + off);
    if (hdr->data_off < NETIF_HEADROOM_MIN || hdr->data_off > NETIF_BUF_SIZE ||
        len > NETIF_BUF_SIZE - hdr->data_off) {
        p->errors++;
        return NULL;
    }
    return p->base + off + hdr->data_off;
}

static inline uint8_t *netif_data(struct netif *n, const struct ring_desc *d,
                                  struct netif_buf_hdr *hdr)
{
    return netif_pool_data(&n->pool, d->offset, d->len, hdr);
}

/* Which pool a descriptor names (see Forwarding above), and where in it. */
#define NETIF_POOL_SHIFT 32
static inline uint32_t netif_desc_pool(uint64_t offset)
{
    return (uint32_t)(offset >> NETIF_POOL_SHIFT);
}
static inline uint64_t netif_desc_off(uint64_t offset)
{
    return offset & (((uint64_t)1 << NETIF_POOL_SHIFT) - 1);
}
static inline uint64_t netif_desc_make(uint32_t pool, uint64_t off)
{
    return (uint64_t)pool << NETIF_POOL_SHIFT | off;
}

/* Buffer index of a descriptor whose offset names a buffer, or -1. */
static inline int64_t netif_buf_index(const struct netif *n, uint64_t offset)
{
    if (!pool_desc_ok(&n->pool, offset, 0))
        return -1;
    return (int64_t)pool_buf_index(&n->pool, offset);
}

/*
 * Restart, driver side: clears held[] for the buffers still in the filled
 * part of a ring it consumes, as read at attach (a predecessor marked them
 * but died before moving the tail; they will be read again).
 */
static inline void netif_unhold_filled(struct netif *n, const struct ring_handle *h)
{
    for (uint32_t i = h->tail; i != h->head; i++) {
        int64_t idx = netif_buf_index(n, h->sh->slots[i & h->mask].offset);
        if (idx >= 0)
            n->held[idx] = 0;
    }
}

#endif /* RINGWALL_SHM_NETIF_H */
