// SPDX-License-Identifier: MIT
/*
 * shm/sock.h - the contract between the network stack (servers/netstack) and
 * one application component that uses its TCP and UDP through shared memory:
 * the layout of the region they share, the request and event messages, the
 * status values, who owns which buffer, who writes what and who signals whom.
 * Header-only and freestanding like shm/ring.h, so the stack, the client
 * library (net/sock) and host tests use the same code. It is NOT a socket
 * library: it knows nothing of lwIP, does not map memory and does not signal.
 *
 * One region per application, mapped by the app and by the stack, laid out by
 * constants (neither side reads geometry from shared memory):
 *
 *   offset          what                                  written by
 *   0               struct sock_header                    [S] stack, [A] app (gens)
 *   4096            struct sock_counters                  [S] stack
 *   8192            request ring, SOCK_REQ_SLOTS msgs     app produces, stack consumes
 *   SOCK_EVT_OFF    event ring, SOCK_EVT_SLOTS msgs       stack produces, app consumes
 *   SOCK_POOL_OFF   SOCK_NBUFS buffers of SOCK_BUF_SIZE   whoever owns the buffer
 *
 * Each ring is a shm/ring.h ring_shared block (head, tail, the two signal
 * flags) followed by 64-byte struct sock_msg slots instead of descriptors; the
 * indexes, their validation, the memory ordering (A)-(D) and the sleep/signal
 * protocol are ring.h's unchanged (sock_ring_put/get below only move the
 * bigger slots). Ownership: head [P] producer, tail [C] consumer, slot [P]
 * while free.
 *
 * Buffers move by descriptor (a byte offset from the pool start), never by
 * copy across the rings. Buffers 0 .. SOCK_RX_BUFS-1 are RECEIVE buffers: the
 * stack owns them, fills them with a socket's data and lends each to the app
 * in a SOCK_EV_DATA event; the app gives it back with SOCK_OP_RECV_DONE on the
 * same socket handle. Buffers SOCK_RX_BUFS .. SOCK_NBUFS-1 are SEND buffers:
 * the app owns them, fills one and lends it with SOCK_OP_SEND or _SENDTO; the
 * stack copies the bytes into its own memory and hands the buffer back in that
 * request's completion. Flow control: the stack reopens the TCP receive window
 * only when the app returns a receive buffer (RECV_DONE), by that buffer's
 * length; an app that does not read stops its peer, not the stack.
 *
 * Requests carry an id (the app's) and each gets exactly one SOCK_EV_CPL with
 * that id and a status (errors are values). The stack validates a private copy
 * of every request: unknown op, bad flags or protocol (SOCK_EBADOP), an unknown
 * or stale socket handle (SOCK_EBADSOCK), an offset that is not a buffer of the
 * right half or a buffer the app does not hold (SOCK_EBADBUF), a length over
 * one buffer (SOCK_ELEN) each get an error completion and a counter; nothing
 * the app writes can crash the stack. Other events (accept, data, end of
 * stream, reset) have id 0. The stack takes a request only while the event
 * ring has room for every completion it still owes, so completions are never
 * lost; data and other events wait in the stack until there is room.
 *
 * Socket handles are the stack's: slot | generation << 8, so a handle of a
 * closed socket or of a previous stack instance is refused, not reused. A
 * handle stays valid after SOCK_EV_EOF or SOCK_EV_RESET until the app closes
 * it (SOCK_OP_CLOSE); receive buffers of a closed socket may still be returned.
 *
 * Start and restart (both sides may die and be restarted by init):
 *   - The stack formats the header at its first start (magic stored last,
 *     release; the app acquires it). Every stack start bumps stack_epoch
 *     (release) and signals the app; the stack serves nothing on the rings
 *     until it has reset them for the current app_gen.
 *   - The app, at its start and whenever stack_epoch differs from the epoch
 *     it attached under, forgets every socket, stops touching the rings, stores
 *     app_gen + 1 (release: pairs with the stack's acquire) and signals.
 *   - The stack, seeing app_gen != ack_gen (acquire), aborts every connection
 *     of that app, formats both rings, takes every receive buffer back and
 *     gives every send buffer to the app, then stores ack_gen = app_gen
 *     (release: pairs with the app's acquire) and signals. The app attaches
 *     once it reads ack_gen == its app_gen, and reads stack_epoch then.
 *
 * Signalling: one channel each way (the config's `channel` lines). After
 * publishing requests the app signals if ring_producer_should_signal(req);
 * after publishing events the stack signals if ring_producer_should_signal(evt).
 * Before sleeping the stack asks for a signal on req (and on evt's free space,
 * producer side, when events wait for room); the app asks on evt, and on req's
 * free space when it is full. Either side also signals after a handshake step.
 */
#ifndef RINGWALL_SHM_SOCK_H
#define RINGWALL_SHM_SOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/ring.h"

#define SOCK_MAGIC      0x316b636f53570000ull // "\0\0WSock1": version 1
#define SOCK_PAGE       4096u
#define SOCK_REQ_SLOTS  256u
#define SOCK_EVT_SLOTS  1024u
#define SOCK_BUF_SIZE   16384u
#define SOCK_RX_BUFS    192u
#define SOCK_TX_BUFS    64u
#define SOCK_NBUFS      (SOCK_RX_BUFS + SOCK_TX_BUFS)
#define SOCK_MAX_SOCKS  32u // sockets one app may hold at once
#define SOCK_CNT_OFF    4096u
#define SOCK_REQ_OFF    8192u
#define SOCK_RING_HDR   256u // sizeof(struct ring_shared)
#define SOCK_MSG_SIZE   64u
#define SOCK_EVT_OFF    (SOCK_REQ_OFF + SOCK_RING_HDR + SOCK_REQ_SLOTS * SOCK_MSG_SIZE + 3840u)
#define SOCK_POOL_OFF   131072u
#define SOCK_REGION_MIN (SOCK_POOL_OFF + (uint64_t)SOCK_NBUFS * SOCK_BUF_SIZE) // 4 MiB + 128 KiB

_Static_assert(SOCK_EVT_OFF % SOCK_PAGE == 0, "event ring starts on a page");
_Static_assert(SOCK_EVT_OFF + SOCK_RING_HDR + SOCK_EVT_SLOTS * SOCK_MSG_SIZE <= SOCK_POOL_OFF,
               "event ring fits before the pool");
_Static_assert(SOCK_RING_HDR == sizeof(struct ring_shared), "ring.h index block");
_Static_assert(SOCK_MAX_SOCKS <= 256u, "a handle keeps the slot in 8 bits");

// Requests, app -> stack.
enum sock_op {
    SOCK_OP_OPEN = 1,      // proto: the new handle comes back in the completion's sock
    SOCK_OP_BIND = 2,      // sock, addr (0 = any), port
    SOCK_OP_LISTEN = 3,    // sock (TCP, bound): SOCK_EV_ACCEPT for each connection
    SOCK_OP_CONNECT = 4,   // sock, addr, port: completes once connected or refused
    SOCK_OP_SEND = 5,      // sock, buf, len (TCP, or connected UDP)
    SOCK_OP_SENDTO = 6,    // sock, buf, len, addr, port (UDP)
    SOCK_OP_RECV_DONE = 7, // sock, buf: the app is done with a receive buffer
    SOCK_OP_SHUTDOWN = 8,  // sock (TCP): no more sending (FIN after queued data)
    SOCK_OP_CLOSE = 9,     // sock: the handle is gone; flags SOCK_F_ABORT sends a RST
    SOCK_OP_MAX = 9,
};

// Events, stack -> app.
enum sock_ev {
    SOCK_EV_CPL = 0x81,    // the completion of request id (req_op), status
    SOCK_EV_ACCEPT = 0x82, // sock = listener, child = new handle, addr/port = peer
    SOCK_EV_DATA = 0x83,   // sock, buf, len (UDP: addr/port = sender)
    SOCK_EV_EOF = 0x84,    // sock: the peer will send nothing more
    SOCK_EV_RESET = 0x85,  // sock, status: the connection is gone (reset, timeout)
};

enum sock_proto { SOCK_TCP = 1, SOCK_UDP = 2 };
#define SOCK_F_ABORT 0x01u // CLOSE: reset instead of a graceful close

enum sock_status {
    SOCK_OK = 0,
    SOCK_EBADOP = -1,       // unknown op, flags or protocol
    SOCK_EBADSOCK = -2,     // unknown or stale socket handle
    SOCK_EBADBUF = -3,      // not a buffer of the right half, or not the app's
    SOCK_ELEN = -4,         // zero or more than one buffer
    SOCK_ESTATE = -5,       // not valid for this socket now (listen on UDP, send unconnected)
    SOCK_ENOMEM = -6,       // no socket slot or stack memory
    SOCK_EADDRINUSE = -7,   // bind: port taken
    SOCK_ECONNREFUSED = -8, // connect: refused
    SOCK_ECONNRESET = -9,   // the connection was reset
    SOCK_ETIMEDOUT = -10,   // the connection timed out
    SOCK_ECLOSED = -11,     // the socket was closed or shut down meanwhile
    SOCK_EINVAL = -12,      // bad address or port
    SOCK_ENETUNREACH = -13, // no route
    SOCK_STATUS_COUNT = 14,
};

// One message of either ring: 64 bytes, every field a fixed-width integer.
struct sock_msg {
    uint16_t op;     // enum sock_op (request) or enum sock_ev (event)
    uint16_t req_op; // SOCK_EV_CPL: the op of the request it completes
    int32_t status;  // SOCK_EV_CPL, SOCK_EV_RESET: enum sock_status
    uint32_t id;     // request: the app's id; SOCK_EV_CPL: the same; else 0
    uint32_t sock;   // socket handle
    uint64_t buf;    // buffer: byte offset from the pool start
    uint32_t len;    // bytes in buf
    uint32_t child;  // SOCK_EV_ACCEPT: the new connection's handle
    uint32_t addr;   // IPv4, host order: the peer (BIND: the local address)
    uint16_t port;   // host order
    uint8_t proto;   // OPEN: enum sock_proto
    uint8_t flags;   // CLOSE: SOCK_F_ABORT
    uint32_t laddr;  // CONNECT's completion, ACCEPT: our address
    uint16_t lport;  // ... and port
    uint16_t pad;
    uint64_t reserved[2];
};
_Static_assert(sizeof(struct sock_msg) == SOCK_MSG_SIZE, "sock_msg crosses address spaces");
_Static_assert(offsetof(struct sock_msg, buf) == 16, "sock_msg layout");
_Static_assert(offsetof(struct sock_msg, addr) == 32, "sock_msg layout");
_Static_assert(offsetof(struct sock_msg, laddr) == 40, "sock_msg layout");

// Page 0. [F] written once at format; [S] stack; [A] app.
struct sock_header {
    _Atomic uint64_t magic;       // [F] SOCK_MAGIC, stored last (release)
    _Atomic uint32_t stack_epoch; // [S] bumped on every stack start
    _Atomic uint32_t app_gen;     // [A] bumped by the app to ask for fresh rings
    _Atomic uint32_t ack_gen;     // [S] the app_gen the rings were last reset for
    uint32_t buf_size;            // [F] for the console; sides use the constants
    uint32_t nbufs;               // [F]
    uint32_t reserved;
};
_Static_assert(sizeof(struct sock_header) == 32, "sock_header crosses address spaces");
_Static_assert(offsetof(struct sock_header, ack_gen) == 16, "sock_header layout");

// The stack's counters for one app, page 1: one X() per field.
#define SOCK_COUNTERS(X)                                                                           \
    X(requests)                                                                                    \
    X(bad_op)    /* unknown op, flags or protocol */                                               \
    X(bad_sock)  /* unknown or stale handle */                                                     \
    X(bad_buf)   /* not a buffer of the right half, or not the app's */                            \
    X(bad_len)   /* zero or over one buffer */                                                     \
    X(bad_state) /* op not valid for the socket now */                                             \
    X(ring_errors)                                                                                 \
    X(no_socket)      /* open or accept refused: SOCK_MAX_SOCKS in use */                          \
    X(accepted)       /* connections handed to the app */                                          \
    X(accept_refused) /* aborted: no slot or no event room */                                      \
    X(rx_bytes)       /* delivered to the app */                                                   \
    X(rx_buffers)                                                                                  \
    X(rx_waits)  /* lwIP kept data: no receive buffer free (flow control) */                       \
    X(udp_drops) /* datagrams dropped: no receive buffer */                                        \
    X(tx_bytes)  /* handed to lwIP from send buffers */                                            \
    X(resets)    /* app restarts served (rings reset, connections aborted) */                      \
    X(signals)

enum sock_counter {
#define SOCK_X_ENUM(n) SOCK_C_##n,
    SOCK_COUNTERS(SOCK_X_ENUM)
#undef SOCK_X_ENUM
        SOCK_C_N
};

// Page 1: the stack keeps its counters privately and stores them here
// (relaxed: each value is read on its own, for the console and tests).
struct sock_counters {
    _Atomic uint64_t v[SOCK_C_N]; // [S] indexed by enum sock_counter
};
_Static_assert(sizeof(struct sock_counters) <= SOCK_PAGE, "one page");

static inline const char *sock_counter_name(uint32_t i)
{
    static const char *const names[SOCK_C_N] = {
#define SOCK_X_NAME(n) #n,
        SOCK_COUNTERS(SOCK_X_NAME)
#undef SOCK_X_NAME
    };
    return i < SOCK_C_N ? names[i] : "?";
}

// One side's private view of one ring (never in shared memory).
struct sock_ring {
    struct ring_handle h;   // indexes and signal flags: shm/ring.h
    struct sock_msg *slots; // [I] the message slots after the index block
};

// One side's private view of a region.
struct sock_side {
    uint8_t *base;
    struct sock_header *hdr;
    struct sock_counters *cnt;
    struct sock_ring req, evt;
    uint8_t *pool;
};

static inline void *sock_at(void *base, uint64_t off)
{
    return (uint8_t *)base + off;
}

// True once the stack formatted the region (acquire: pairs with sock_format).
static inline bool sock_ready(const void *base)
{
    const struct sock_header *h = (const struct sock_header *)base;
    return atomic_load_explicit(&h->magic, memory_order_acquire) == SOCK_MAGIC;
}

// Stack, at its first start: header and rings on a zeroed region, then the
// magic (release). Idempotent. False if the region is too small or unaligned.
static inline bool sock_format(void *base, uint64_t size)
{
    struct sock_header *h = (struct sock_header *)base;
    if (size < SOCK_REGION_MIN || ((uintptr_t)base & (SOCK_PAGE - 1)) != 0)
        return false;
    if (sock_ready(base))
        return true;
    h->buf_size = SOCK_BUF_SIZE;
    h->nbufs = SOCK_NBUFS;
    ring_init_shared(sock_at(base, SOCK_REQ_OFF), SOCK_REQ_SLOTS);
    ring_init_shared(sock_at(base, SOCK_EVT_OFF), SOCK_EVT_SLOTS);
    atomic_store_explicit(&h->magic, SOCK_MAGIC, memory_order_release);
    return true;
}

// Stack, resetting for a new app_gen: both rings empty (nobody is attached:
// the app waits for ack_gen). Buffer ownership is the two sides' own business.
static inline void sock_reset_rings(void *base)
{
    ring_init_shared(sock_at(base, SOCK_REQ_OFF), SOCK_REQ_SLOTS);
    ring_init_shared(sock_at(base, SOCK_EVT_OFF), SOCK_EVT_SLOTS);
}

// Attaches one side (stack: SOCK_STACK, app: SOCK_APP) to a formatted region.
enum sock_role { SOCK_STACK = 1, SOCK_APP = 2 };
static inline bool sock_attach(struct sock_side *s, void *base, uint64_t size, enum sock_role who)
{
    *s = (struct sock_side){.base = NULL};
    if (size < SOCK_REGION_MIN || !sock_ready(base))
        return false;
    enum ring_role rq = who == SOCK_STACK ? RING_CONSUMER : RING_PRODUCER;
    enum ring_role ev = who == SOCK_STACK ? RING_PRODUCER : RING_CONSUMER;
    if (ring_attach(&s->req.h, sock_at(base, SOCK_REQ_OFF), SOCK_REQ_SLOTS, rq) == RING_EINVAL ||
        ring_attach(&s->evt.h, sock_at(base, SOCK_EVT_OFF), SOCK_EVT_SLOTS, ev) == RING_EINVAL)
        return false;
    s->base = (uint8_t *)base;
    s->hdr = (struct sock_header *)base;
    s->cnt = (struct sock_counters *)sock_at(base, SOCK_CNT_OFF);
    s->req.slots = (struct sock_msg *)sock_at(base, SOCK_REQ_OFF + SOCK_RING_HDR);
    s->evt.slots = (struct sock_msg *)sock_at(base, SOCK_EVT_OFF + SOCK_RING_HDR);
    s->pool = (uint8_t *)sock_at(base, SOCK_POOL_OFF);
    return true;
}

// Producer: free slots now (re-reads the consumer's tail, acquire (B)).
static inline uint32_t sock_room(struct sock_ring *r)
{
    uint32_t room = 0;
    if (r->h.role != RING_PRODUCER || ring_room(&r->h, r->h.size, &room) != RING_OK)
        return 0; // a corrupt tail is counted in h.errors and means full
    return room;
}

// Producer: writes one message and publishes it (release head, (A)). False if full.
static inline bool sock_ring_put(struct sock_ring *r, const struct sock_msg *m)
{
    if (sock_room(r) == 0)
        return false;
    r->slots[r->h.head & r->h.mask] = *m;
    ring_publish_head(&r->h, 1);
    return true;
}

// Consumer: copies the next message out once and consumes it (acquire head
// (A), release tail (B)). The caller validates its copy. False if empty.
static inline bool sock_ring_get(struct sock_ring *r, struct sock_msg *m)
{
    uint32_t avail = 0;
    if (r->h.role != RING_CONSUMER || ring_avail(&r->h, 1, &avail) != RING_OK || avail == 0)
        return false;
    *m = r->slots[r->h.tail & r->h.mask];
    ring_publish_tail(&r->h, 1);
    return true;
}

// Buffer index of a pool offset, or -1 if it does not name a whole buffer.
static inline int32_t sock_buf_index(uint64_t off)
{
    if (off >= (uint64_t)SOCK_NBUFS * SOCK_BUF_SIZE || (off & (SOCK_BUF_SIZE - 1)) != 0)
        return -1;
    return (int32_t)(off / SOCK_BUF_SIZE);
}

static inline uint64_t sock_buf_off(uint32_t index)
{
    return (uint64_t)index * SOCK_BUF_SIZE;
}

static inline bool sock_is_rx_buf(int32_t index)
{
    return index >= 0 && index < (int32_t)SOCK_RX_BUFS;
}

static inline bool sock_is_tx_buf(int32_t index)
{
    return index >= (int32_t)SOCK_RX_BUFS && index < (int32_t)SOCK_NBUFS;
}

/*
 * Decode step of the stack, on its private copy of a request: everything that
 * can be checked without the stack's state (op, flags, protocol, the buffer's
 * half and the length). Socket handles and buffer ownership are checked by
 * the stack against its own tables afterwards. Returns SOCK_OK or the status
 * of the completion.
 */
static inline int sock_req_check(const struct sock_msg *m)
{
    if (m->op < SOCK_OP_OPEN || m->op > SOCK_OP_MAX)
        return SOCK_EBADOP;
    if (m->op == SOCK_OP_OPEN && m->proto != SOCK_TCP && m->proto != SOCK_UDP)
        return SOCK_EBADOP;
    if ((m->flags & ~SOCK_F_ABORT) != 0 || (m->flags && m->op != SOCK_OP_CLOSE))
        return SOCK_EBADOP;
    if (m->op == SOCK_OP_SEND || m->op == SOCK_OP_SENDTO) {
        if (!sock_is_tx_buf(sock_buf_index(m->buf)))
            return SOCK_EBADBUF;
        if (m->len == 0 || m->len > SOCK_BUF_SIZE)
            return SOCK_ELEN;
    }
    if (m->op == SOCK_OP_RECV_DONE && !sock_is_rx_buf(sock_buf_index(m->buf)))
        return SOCK_EBADBUF;
    if ((m->op == SOCK_OP_CONNECT || m->op == SOCK_OP_SENDTO) && (m->addr == 0 || m->port == 0))
        return SOCK_EINVAL;
    return SOCK_OK;
}

static inline const char *sock_status_name(int s)
{
    static const char *const names[SOCK_STATUS_COUNT] = {
        "OK",        "EBADOP",  "EBADSOCK",   "EBADBUF",      "ELEN",
        "ESTATE",    "ENOMEM",  "EADDRINUSE", "ECONNREFUSED", "ECONNRESET",
        "ETIMEDOUT", "ECLOSED", "EINVAL",     "ENETUNREACH"};
    return s <= 0 && s > -SOCK_STATUS_COUNT ? names[-s] : "E?";
}

#endif /* RINGWALL_SHM_SOCK_H */
