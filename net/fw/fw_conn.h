// SPDX-License-Identifier: MIT
// Connection tracking for the packet filter (net/fw/): a bounded state table
// in caller-owned arrays, hashed with a caller-supplied random key, holding
// one entry per flow with its TCP state (or UDP/ICMP pseudo-state), expiry
// and NAT binding. An entry is found from either direction: by its original
// tuple in the direction it was created, and by the reverse of its translated
// tuple in the other direction. It does not decide policy or rewrite packets
// (fw.c, fw_nat.c). Sequence numbers and windows are not tracked.
//
// Concurrency: [c] the table belongs to one forwarding core; it takes no locks.
// A console on another core must ask that core, or accept torn reads.
#ifndef RW_FW_CONN_H
#define RW_FW_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/fw/fw_pkt.h"

// Timeouts in milliseconds, restarted by every packet of the flow.
#define FW_TO_TCP_EMBRYONIC   (30u * 1000)        // SYN_SENT, SYN_RECEIVED
#define FW_TO_TCP_ESTABLISHED (24u * 3600 * 1000) // ESTABLISHED
#define FW_TO_TCP_CLOSING     (120u * 1000)       // FIN_WAIT, CLOSING
#define FW_TO_TCP_TIME_WAIT   (30u * 1000)        // TIME_WAIT
#define FW_TO_TCP_CLOSED      (10u * 1000)        // CLOSED (after a RST)
#define FW_TO_UDP_SINGLE      (30u * 1000)        // UDP, one direction seen
#define FW_TO_UDP_MULTIPLE    (120u * 1000)       // UDP, both directions seen
#define FW_TO_ICMP            (30u * 1000)        // ICMP echo, keyed by id
#define FW_TO_OTHER           (60u * 1000)        // other protocols (NAT only)

#define FW_CONN_NIL  0xffffffffu
#define FW_CONN_SCAN 64 // entries looked at for an expired one when the table is full

enum fw_conn_state {
    FW_CS_FREE = 0,
    FW_CS_SYN_SENT,
    FW_CS_SYN_RECEIVED,
    FW_CS_ESTABLISHED,
    FW_CS_FIN_WAIT,
    FW_CS_CLOSING,
    FW_CS_TIME_WAIT,
    FW_CS_CLOSED,
    FW_CS_UDP_SINGLE,
    FW_CS_UDP_MULTIPLE,
    FW_CS_ICMP,
    FW_CS_OTHER,
    FW_CS_COUNT
};

// A flow as the filter sees it at one point; ports are ICMP echo ids for ICMP
// (see struct fw_pkt). Host order.
struct fw_tuple {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto;
};

struct fw_state {
    struct fw_tuple orig; // as first seen, in direction dir, before NAT
    struct fw_tuple xlat; // after NAT (== orig without NAT)
    uint64_t expire_ms;
    uint64_t packets[2], bytes[2]; // [0] original direction, [1] reply
    uint32_t next[2];              // hash chains of the two keys
    uint32_t rule_gen;             // ruleset generation of rule
    int16_t rule;                  // the rule that created it, -1 for none
    uint8_t dir;                   // enum fw_dir it was created in
    uint8_t ifindex;               // interface it was created on (shown only)
    uint8_t state;                 // enum fw_conn_state; FREE when unused
    uint8_t nat;                   // enum fw_nat_kind, 0 for none
    uint8_t fin;                   // bit i: FIN seen from side i
};

// A console on another core may read entries from shared memory: no pointers.
_Static_assert(sizeof(struct fw_tuple) == 16, "fw_tuple layout");
_Static_assert(sizeof(struct fw_state) == 96, "fw_state layout");

struct fw_conn_table {
    struct fw_state *s;
    uint32_t *bucket;
    uint32_t cap, mask; // mask = buckets - 1
    uint32_t n, n_evictable, free_head, cursor;
    uint64_t key[2];
    uint64_t full_drops, evictions, expired; // [c] counters
};

// Sets up a table over states[cap] and bucket[nbuckets] (a power of two;
// 2 * cap is a good choice), keyed by a random (k0, k1) from the caller.
int fw_conn_init(struct fw_conn_table *t, struct fw_state *states, uint32_t cap, uint32_t *bucket,
                 uint32_t nbuckets, uint64_t k0, uint64_t k1);

// The tuple of a parsed packet.
struct fw_tuple fw_tuple_of(const struct fw_pkt *p);
struct fw_tuple fw_tuple_reverse(struct fw_tuple t);
bool fw_tuple_eq(const struct fw_tuple *a, const struct fw_tuple *b);

// The live entry with key (dir, k), or NULL; *side is 0 when k is its original
// tuple, 1 when k is the reverse of its translated tuple. Expired entries met
// on the way are freed.
struct fw_state *fw_conn_lookup(struct fw_conn_table *t, unsigned dir, const struct fw_tuple *k,
                                unsigned *side, uint64_t now_ms);

// Creates an entry for a flow first seen in dir, tuple orig, translated to
// xlat; the caller has checked that neither key is in use. When the table is
// full it evicts an expired entry, else an embryonic or closing one (never an
// established TCP or two-way UDP flow); failing that it returns NULL and
// counts full_drops. The entry starts in the state that p implies.
struct fw_state *fw_conn_insert(struct fw_conn_table *t, unsigned dir, const struct fw_tuple *orig,
                                const struct fw_tuple *xlat, const struct fw_pkt *p,
                                uint64_t now_ms);

// Accounts packet p seen on side of s: counters, TCP transitions, expiry.
void fw_conn_track(struct fw_conn_table *t, struct fw_state *s, unsigned side,
                   const struct fw_pkt *p, uint64_t now_ms);

void fw_conn_remove(struct fw_conn_table *t, struct fw_state *s);

// Frees up to budget expired entries, continuing where the last call
// stopped; the data path calls it once per batch. Returns how many it freed.
unsigned fw_conn_expire(struct fw_conn_table *t, uint64_t now_ms, unsigned budget);

// Iteration for "show states": start with *cursor = 0; NULL at the end.
const struct fw_state *fw_conn_next(const struct fw_conn_table *t, uint32_t *cursor);

const char *fw_conn_state_name(unsigned state);

#endif
