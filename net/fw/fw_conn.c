// SPDX-License-Identifier: MIT
// The connection-tracking table (see fw_conn.h): entries in a fixed array,
// each linked into two hash chains (one per lookup key), with a free list
// threaded through the unused entries. Keys are hashed with SipHash-1-3 under
// the table's secret key, so remote hosts cannot aim flows at one chain. It
// decides nothing about policy and never touches packet bytes.
#include "net/fw/fw_conn.h"

#include "lib/string.h"

static const char *const state_names[FW_CS_COUNT] = {
    [FW_CS_FREE] = "FREE",
    [FW_CS_SYN_SENT] = "SYN_SENT",
    [FW_CS_SYN_RECEIVED] = "SYN_RECEIVED",
    [FW_CS_ESTABLISHED] = "ESTABLISHED",
    [FW_CS_FIN_WAIT] = "FIN_WAIT",
    [FW_CS_CLOSING] = "CLOSING",
    [FW_CS_TIME_WAIT] = "TIME_WAIT",
    [FW_CS_CLOSED] = "CLOSED",
    [FW_CS_UDP_SINGLE] = "SINGLE",
    [FW_CS_UDP_MULTIPLE] = "MULTIPLE",
    [FW_CS_ICMP] = "ECHO",
    [FW_CS_OTHER] = "SINGLE",
};

static const uint32_t timeouts[FW_CS_COUNT] = {
    [FW_CS_SYN_SENT] = FW_TO_TCP_EMBRYONIC,
    [FW_CS_SYN_RECEIVED] = FW_TO_TCP_EMBRYONIC,
    [FW_CS_ESTABLISHED] = FW_TO_TCP_ESTABLISHED,
    [FW_CS_FIN_WAIT] = FW_TO_TCP_CLOSING,
    [FW_CS_CLOSING] = FW_TO_TCP_CLOSING,
    [FW_CS_TIME_WAIT] = FW_TO_TCP_TIME_WAIT,
    [FW_CS_CLOSED] = FW_TO_TCP_CLOSED,
    [FW_CS_UDP_SINGLE] = FW_TO_UDP_SINGLE,
    [FW_CS_UDP_MULTIPLE] = FW_TO_UDP_MULTIPLE,
    [FW_CS_ICMP] = FW_TO_ICMP,
    [FW_CS_OTHER] = FW_TO_OTHER,
};

const char *fw_conn_state_name(unsigned state)
{
    return state < FW_CS_COUNT ? state_names[state] : "?";
}

// Established TCP and two-way UDP flows are never evicted to make room.
static bool evictable(uint8_t state)
{
    return state != FW_CS_FREE && state != FW_CS_ESTABLISHED && state != FW_CS_UDP_MULTIPLE;
}

static void set_state(struct fw_conn_table *t, struct fw_state *s, uint8_t state)
{
    t->n_evictable += (uint32_t)evictable(state) - (uint32_t)evictable(s->state);
    s->state = state;
}

// ---- hashing ----

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sipround(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = ROTL(v[1], 13) ^ v[0];
    v[0] = ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = ROTL(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = ROTL(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = ROTL(v[1], 17) ^ v[2];
    v[2] = ROTL(v[2], 32);
}

// SipHash-1-3 of the 16-byte message (m0, m1).
static uint64_t siphash16(const uint64_t key[2], uint64_t m0, uint64_t m1)
{
    uint64_t v[4] = {key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
                     key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
    const uint64_t m[3] = {m0, m1, 16ull << 56};
    for (int i = 0; i < 3; i++) {
        v[3] ^= m[i];
        sipround(v);
        v[0] ^= m[i];
    }
    v[2] ^= 0xff;
    for (int i = 0; i < 3; i++)
        sipround(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t bucket_of(const struct fw_conn_table *t, unsigned dir, const struct fw_tuple *k)
{
    uint64_t m0 = (uint64_t)k->src << 32 | k->dst;
    uint64_t m1 =
        (uint64_t)k->sport << 48 | (uint64_t)k->dport << 32 | (uint64_t)k->proto << 8 | dir;
    return (uint32_t)siphash16(t->key, m0, m1) & t->mask;
}

// ---- tuples and keys ----

struct fw_tuple fw_tuple_of(const struct fw_pkt *p)
{
    return (struct fw_tuple){p->src, p->dst, p->sport, p->dport, p->proto};
}

struct fw_tuple fw_tuple_reverse(struct fw_tuple t)
{
    return (struct fw_tuple){t.dst, t.src, t.dport, t.sport, t.proto};
}

bool fw_tuple_eq(const struct fw_tuple *a, const struct fw_tuple *b)
{
    return a->src == b->src && a->dst == b->dst && a->sport == b->sport && a->dport == b->dport &&
           a->proto == b->proto;
}

// Key `side` of s: its direction and tuple.
static unsigned key_of(const struct fw_state *s, unsigned side, struct fw_tuple *k)
{
    *k = side == 0 ? s->orig : fw_tuple_reverse(s->xlat);
    return s->dir ^ side;
}

static void link_key(struct fw_conn_table *t, uint32_t i, unsigned side)
{
    struct fw_tuple k;
    uint32_t b = bucket_of(t, key_of(&t->s[i], side, &k), &k);
    t->s[i].next[side] = t->bucket[b];
    t->bucket[b] = i * 2 + side;
}

static void unlink_key(struct fw_conn_table *t, uint32_t i, unsigned side)
{
    struct fw_tuple k;
    uint32_t *link = &t->bucket[bucket_of(t, key_of(&t->s[i], side, &k), &k)];
    while (*link != FW_CONN_NIL && *link != i * 2 + side)
        link = &t->s[*link / 2].next[*link % 2];
    if (*link != FW_CONN_NIL)
        *link = t->s[i].next[side];
}

// ---- table ----

int fw_conn_init(struct fw_conn_table *t, struct fw_state *states, uint32_t cap, uint32_t *bucket,
                 uint32_t nbuckets, uint64_t k0, uint64_t k1)
{
    if (!t || !states || !bucket || cap == 0 || cap > 0x7fffffff || nbuckets == 0 ||
        (nbuckets & (nbuckets - 1)))
        return -1;
    memset(t, 0, sizeof(*t));
    t->s = states;
    t->bucket = bucket;
    t->cap = cap;
    t->mask = nbuckets - 1;
    t->key[0] = k0;
    t->key[1] = k1;
    memset(states, 0, (size_t)cap * sizeof(*states));
    for (uint32_t i = 0; i < cap; i++)
        states[i].next[0] = i + 1 < cap ? i + 1 : FW_CONN_NIL;
    for (uint32_t b = 0; b < nbuckets; b++)
        bucket[b] = FW_CONN_NIL;
    return 0;
}

void fw_conn_remove(struct fw_conn_table *t, struct fw_state *s)
{
    uint32_t i = (uint32_t)(s - t->s);
    unlink_key(t, i, 0);
    unlink_key(t, i, 1);
    set_state(t, s, FW_CS_FREE);
    s->next[0] = t->free_head;
    t->free_head = i;
    t->n--;
}

static bool expired(const struct fw_state *s, uint64_t now_ms)
{
    return s->state != FW_CS_FREE && now_ms >= s->expire_ms;
}

struct fw_state *fw_conn_lookup(struct fw_conn_table *t, unsigned dir, const struct fw_tuple *k,
                                unsigned *side, uint64_t now_ms)
{
    uint32_t node = t->bucket[bucket_of(t, dir, k)];
    while (node != FW_CONN_NIL) {
        struct fw_state *s = &t->s[node / 2];
        struct fw_tuple key;
        unsigned kd = key_of(s, node % 2, &key);
        uint32_t next = s->next[node % 2];
        if (kd == dir && fw_tuple_eq(&key, k)) {
            if (!expired(s, now_ms)) {
                *side = node % 2;
                return s;
            }
            fw_conn_remove(t, s);
            t->expired++;
            return NULL;
        }
        node = next;
    }
    return NULL;
}

// A victim when the table is full: an expired entry among the next
// FW_CONN_SCAN, else the first evictable one (there is one when
// n_evictable > 0, so the scan then goes on until it finds it).
static struct fw_state *find_victim(struct fw_conn_table *t, uint64_t now_ms)
{
    struct fw_state *cand = NULL;
    for (uint32_t seen = 0; seen < t->cap; seen++) {
        struct fw_state *s = &t->s[t->cursor];
        t->cursor = t->cursor + 1 < t->cap ? t->cursor + 1 : 0;
        if (expired(s, now_ms))
            return s;
        if (!cand && evictable(s->state))
            cand = s;
        if (seen + 1 >= FW_CONN_SCAN && (cand || t->n_evictable == 0))
            break;
    }
    return cand;
}

static uint8_t initial_state(const struct fw_pkt *p)
{
    switch (p->proto) {
    case FW_PROTO_TCP:
        if (p->tcp_flags & FW_TCP_RST)
            return FW_CS_CLOSED;
        if ((p->tcp_flags & (FW_TCP_SYN | FW_TCP_ACK)) == FW_TCP_SYN)
            return FW_CS_SYN_SENT;
        return FW_CS_ESTABLISHED; // picked up mid-stream
    case FW_PROTO_UDP: return FW_CS_UDP_SINGLE;
    case FW_PROTO_ICMP: return FW_CS_ICMP;
    default: return FW_CS_OTHER;
    }
}

struct fw_state *fw_conn_insert(struct fw_conn_table *t, unsigned dir, const struct fw_tuple *orig,
                                const struct fw_tuple *xlat, const struct fw_pkt *p,
                                uint64_t now_ms)
{
    if (t->free_head == FW_CONN_NIL) {
        struct fw_state *victim = find_victim(t, now_ms);
        if (!victim) {
            t->full_drops++;
            return NULL;
        }
        if (expired(victim, now_ms))
            t->expired++;
        else
            t->evictions++;
        fw_conn_remove(t, victim);
    }
    uint32_t i = t->free_head;
    struct fw_state *s = &t->s[i];
    t->free_head = s->next[0];
    *s = (struct fw_state){.orig = *orig, .xlat = *xlat, .dir = (uint8_t)dir, .rule = -1};
    set_state(t, s, initial_state(p));
    s->expire_ms = now_ms + timeouts[s->state];
    link_key(t, i, 0);
    link_key(t, i, 1);
    t->n++;
    return s;
}

// The TCP state after packet flags from side (0: original direction).
static uint8_t tcp_next(struct fw_state *s, unsigned side, uint8_t flags)
{
    bool syn = flags & FW_TCP_SYN, ack = flags & FW_TCP_ACK, fin = flags & FW_TCP_FIN;
    if (flags & FW_TCP_RST)
        return FW_CS_CLOSED;
    if (fin)
        s->fin |= (uint8_t)(1u << side);
    switch (s->state) {
    case FW_CS_SYN_SENT:
        if (fin)
            return FW_CS_FIN_WAIT;
        return side == 1 && syn ? FW_CS_SYN_RECEIVED : FW_CS_SYN_SENT;
    case FW_CS_SYN_RECEIVED:
        if (fin)
            return FW_CS_FIN_WAIT;
        return side == 0 && ack && !syn ? FW_CS_ESTABLISHED : FW_CS_SYN_RECEIVED;
    case FW_CS_ESTABLISHED: return fin ? FW_CS_FIN_WAIT : FW_CS_ESTABLISHED;
    case FW_CS_FIN_WAIT: return s->fin == 3 ? FW_CS_CLOSING : FW_CS_FIN_WAIT;
    case FW_CS_CLOSING: return ack && !fin ? FW_CS_TIME_WAIT : FW_CS_CLOSING;
    default: // TIME_WAIT, CLOSED: a new SYN reuses the ports
        if (side == 0 && syn && !ack) {
            s->fin = 0;
            return FW_CS_SYN_SENT;
        }
        return s->state;
    }
}

void fw_conn_track(struct fw_conn_table *t, struct fw_state *s, unsigned side,
                   const struct fw_pkt *p, uint64_t now_ms)
{
    s->packets[side]++;
    s->bytes[side] += p->tot_len;
    uint8_t next = s->state;
    if (p->proto == FW_PROTO_TCP && !(p->flags & FW_PKT_LATER))
        next = tcp_next(s, side, p->tcp_flags);
    else if (s->state == FW_CS_UDP_SINGLE && side == 1)
        next = FW_CS_UDP_MULTIPLE;
    set_state(t, s, next);
    s->expire_ms = now_ms + timeouts[next];
}

unsigned fw_conn_expire(struct fw_conn_table *t, uint64_t now_ms, unsigned budget)
{
    unsigned freed = 0;
    for (unsigned i = 0; i < budget && i < t->cap; i++) {
        struct fw_state *s = &t->s[t->cursor];
        t->cursor = t->cursor + 1 < t->cap ? t->cursor + 1 : 0;
        if (expired(s, now_ms)) {
            fw_conn_remove(t, s);
            t->expired++;
            freed++;
        }
    }
    return freed;
}

const struct fw_state *fw_conn_next(const struct fw_conn_table *t, uint32_t *cursor)
{
    while (*cursor < t->cap) {
        const struct fw_state *s = &t->s[(*cursor)++];
        if (s->state != FW_CS_FREE)
            return s;
    }
    return NULL;
}
