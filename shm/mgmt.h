// SPDX-License-Identifier: MIT
/*
 * shm/mgmt.h - the contract between the management console (apps/console) and
 * the router (apps/router) for one command at a time: the layout of the
 * shared region named "mgmt", who writes which field, the memory ordering and
 * who signals whom. Header-only and freestanding like shm/ring.h, so both
 * components and host tests use the same code. It is NOT a queue (one request
 * is in flight, a newer one replaces it), it does not map memory or send
 * notifications, and it knows nothing of the command language (rt_cmd.c).
 *
 * Layout (a pure function of constants; the region must be >= MGMT_REGION_SIZE):
 *
 *   offset            what                                written by
 *   0                 struct mgmt_header                  [K] console / [R] router fields
 *   MGMT_REQ_OFF      request text, req_len bytes, no NUL [K] console
 *   MGMT_RESP_OFF     response text, resp_len bytes       [R] router
 *
 * Sequence numbers are free-running even counters; an odd value means "being
 * written". Both are seqlocks, each with a single writer:
 *   (A) console, request N (N = previous + 2, from its PRIVATE counter):
 *         store req_seq = N - 1 (relaxed); release fence;
 *         write req[], req_len; store-release req_seq = N; signal the router
 *       -> router: s1 = load-acquire req_seq; copy req_len and req[] to private
 *         memory; acquire fence; s2 = load req_seq (relaxed). It answers only
 *         if s1 == s2, s1 is even and non-zero, and s1 != resp_seq. A torn copy
 *         (s1 != s2) is dropped: the console signals again after its newer
 *         request is complete.
 *   (B) router, answer to N:
 *         store resp_seq = N - 1 (relaxed); release fence;
 *         write resp[], resp_len, resp_flags; store-release resp_seq = N;
 *         signal the console
 *       -> console: s1 = load-acquire resp_seq; if s1 is the N it waits for,
 *         copy resp_len and resp[] privately; acquire fence; s2 = load
 *         resp_seq (relaxed); the copy is good if s2 == s1.
 * The release fence after the odd store keeps the data writes after it (a
 * reader that saw any new byte sees the odd value on its second load); the
 * acquire fence keeps the data reads before the second load.
 *
 * The router keeps no private sequence: it answers whenever the complete
 * request differs from the last answer, so a restarted router picks up a
 * pending request, and a console that scribbles on resp_seq only gets extra
 * answers. The console gives up on an answer after its own timeout and
 * ignores answers to older requests. A (re)started console continues from
 * mgmt_next_seq() of what the region holds, so its first request is new.
 *
 * Validation: each side bounds every length it reads (req_len by
 * MGMT_REQ_MAX, resp_len by MGMT_RESP_MAX), copies before it parses, and
 * NUL-terminates its private copy; text is never trusted to hold a NUL.
 * The router truncates an answer longer than MGMT_RESP_MAX and ends it with
 * MGMT_TRUNC_MARK, setting MGMT_RESP_TRUNCATED.
 *
 * Signals (two channels in ringwall.conf): console -> router after (A),
 * router -> console after (B). Notifications are sticky bits, so a signal
 * sent while the peer is busy is not lost; no needs-signal flags are used
 * (one command per keystroke-speed round trip).
 */
#ifndef RINGWALL_SHM_MGMT_H
#define RINGWALL_SHM_MGMT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MGMT_REGION_NAME    "mgmt"
#define MGMT_REGION_SIZE    65536u
#define MGMT_HDR_SIZE       64u
#define MGMT_REQ_OFF        MGMT_HDR_SIZE
#define MGMT_REQ_MAX        960u // request bytes
#define MGMT_RESP_OFF       (MGMT_REQ_OFF + MGMT_REQ_MAX)
#define MGMT_RESP_MAX       (MGMT_REGION_SIZE - MGMT_RESP_OFF) // 64512 response bytes
#define MGMT_RESP_TRUNCATED 0x1u                               // resp_flags
#define MGMT_TRUNC_MARK     "\n... output truncated\n"

struct mgmt_header {
    _Atomic uint32_t req_seq;  // [K] (A): even = complete, odd = being written
    uint32_t req_len;          // [K] bytes of request text, <= MGMT_REQ_MAX
    _Atomic uint32_t resp_seq; // [R] (B): the request answered; odd = being written
    uint32_t resp_len;         // [R] bytes of response text, <= MGMT_RESP_MAX
    uint32_t resp_flags;       // [R] MGMT_RESP_*
    uint32_t reserved[11];
};
_Static_assert(sizeof(struct mgmt_header) == MGMT_HDR_SIZE, "mgmt_header crosses address spaces");
_Static_assert(offsetof(struct mgmt_header, resp_seq) == 8, "mgmt_header layout");
_Static_assert(MGMT_RESP_OFF % 64 == 0, "response area starts on a cache line");
_Static_assert(MGMT_RESP_MAX > 60u * 1024, "room for a 60 KiB answer");

static inline struct mgmt_header *mgmt_hdr(void *base)
{
    return (struct mgmt_header *)base;
}
static inline char *mgmt_req(void *base)
{
    return (char *)base + MGMT_REQ_OFF;
}
static inline char *mgmt_resp(void *base)
{
    return (char *)base + MGMT_RESP_OFF;
}

static inline bool mgmt_region_ok(const void *base, uint64_t size)
{
    return base && ((uintptr_t)base & 63) == 0 && size >= MGMT_REGION_SIZE;
}

// Console: the request number after the one the region last saw (even,
// never 0; the counters are free-running and wrap).
static inline uint32_t mgmt_next_seq(const void *base)
{
    const struct mgmt_header *h = (const struct mgmt_header *)base;
    uint32_t a = atomic_load_explicit(&h->req_seq, memory_order_relaxed);
    uint32_t b = atomic_load_explicit(&h->resp_seq, memory_order_relaxed);
    uint32_t n = ((a > b ? a : b) | 1) + 1;
    return n == 0 ? 2 : n;
}

// Console, (A): publishes len bytes of text (at most MGMT_REQ_MAX) as request
// seq (even, non-zero). The caller signals the router afterwards.
static inline void mgmt_request_put(void *base, uint32_t seq, const char *text, uint32_t len)
{
    struct mgmt_header *h = mgmt_hdr(base);
    if (len > MGMT_REQ_MAX)
        len = MGMT_REQ_MAX;
    atomic_store_explicit(&h->req_seq, seq - 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release); // the odd value before any byte below
    char *req = mgmt_req(base);
    for (uint32_t i = 0; i < len; i++)
        req[i] = text[i];
    h->req_len = len;
    // release: pairs with the router's load-acquire in mgmt_request_get
    atomic_store_explicit(&h->req_seq, seq, memory_order_release);
}

// Router, (A): copies a pending request into buf (cap >= MGMT_REQ_MAX + 1),
// NUL-terminated. Returns its sequence number, or 0 when there is nothing to
// answer (none, already answered, or torn by a newer request in progress).
static inline uint32_t mgmt_request_get(void *base, char *buf, uint32_t cap)
{
    struct mgmt_header *h = mgmt_hdr(base);
    // acquire: pairs with the console's store-release in mgmt_request_put
    uint32_t s1 = atomic_load_explicit(&h->req_seq, memory_order_acquire);
    if (s1 == 0 || (s1 & 1) || cap == 0 ||
        s1 == atomic_load_explicit(&h->resp_seq, memory_order_relaxed))
        return 0;
    uint32_t len = *(volatile uint32_t *)&h->req_len;
    if (len > MGMT_REQ_MAX)
        len = MGMT_REQ_MAX;
    if (len > cap - 1)
        len = cap - 1;
    const volatile char *req = mgmt_req(base);
    for (uint32_t i = 0; i < len; i++)
        buf[i] = req[i];
    buf[len] = '\0';
    atomic_thread_fence(memory_order_acquire); // the copy before the second load
    if (atomic_load_explicit(&h->req_seq, memory_order_relaxed) != s1)
        return 0;
    return s1;
}

// Router, (B): opens the answer to seq; the caller then writes up to
// MGMT_RESP_MAX bytes at mgmt_resp(base) and calls mgmt_response_publish.
static inline void mgmt_response_begin(void *base, uint32_t seq)
{
    atomic_store_explicit(&mgmt_hdr(base)->resp_seq, seq - 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release); // the odd value before any byte of the answer
}

static inline void mgmt_response_publish(void *base, uint32_t seq, uint32_t len, uint32_t flags)
{
    struct mgmt_header *h = mgmt_hdr(base);
    h->resp_len = len > MGMT_RESP_MAX ? MGMT_RESP_MAX : len;
    h->resp_flags = flags;
    // release: pairs with the console's load-acquire in mgmt_response_get
    atomic_store_explicit(&h->resp_seq, seq, memory_order_release);
}

// Console, (B): if the answer to seq is complete, copies it into buf (cap >=
// MGMT_RESP_MAX + 1), NUL-terminated, and returns its length; else -1.
static inline int32_t mgmt_response_get(void *base, uint32_t seq, char *buf, uint32_t cap,
                                        uint32_t *flags)
{
    struct mgmt_header *h = mgmt_hdr(base);
    // acquire: pairs with the router's store-release in mgmt_response_publish
    if (cap == 0 || atomic_load_explicit(&h->resp_seq, memory_order_acquire) != seq)
        return -1;
    uint32_t len = *(volatile uint32_t *)&h->resp_len;
    *flags = *(volatile uint32_t *)&h->resp_flags;
    if (len > MGMT_RESP_MAX)
        len = MGMT_RESP_MAX;
    if (len > cap - 1)
        len = cap - 1;
    const volatile char *resp = mgmt_resp(base);
    for (uint32_t i = 0; i < len; i++)
        buf[i] = resp[i];
    buf[len] = '\0';
    atomic_thread_fence(memory_order_acquire); // the copy before the second load
    if (atomic_load_explicit(&h->resp_seq, memory_order_relaxed) != seq)
        return -1;
    return (int32_t)len;
}

#endif
