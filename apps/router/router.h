// SPDX-License-Identifier: MIT
// State of the router component (apps/router): one process that is the client
// of every NIC's netif region and forwards IPv4 between them without copying
// a payload byte (a received buffer goes out of the egress NIC as its
// descriptor, and comes back to the pool it came from), filters it with the
// packet-filter library (net/fw), and hands traffic for the appliance itself
// to the network stack over one more netif region per interface, in which
// the router plays the driver (it copies those frames: they are not forwarded).
// It takes its interfaces, routes and rules from the configuration text.
// Lock legend: one thread, no locks. [I] set at start-up, [s] shared memory.
#ifndef RW_ROUTER_H
#define RW_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/component.h"
#include "net/fw/fw.h"
#include "net/fw/fw_route.h"
#include "shm/fabric.h"
#include "shm/netif.h"

#define RT_IF_MAX       8
#define RT_BATCH        64           // descriptors taken from a ring per look
#define RT_STAGE        256          // descriptors staged for one ring before a publish
#define RT_ARP_MAX      256          // ARP cache entries
#define RT_HOLD_MAX     64           // frames waiting for ARP, all interfaces together
#define RT_HOLD_PER     8            // ... for one next hop
#define RT_STATES       8192         // connection-tracking entries
#define RT_TICK_NS      100000000ull // ARP retries, state expiry
#define RT_ARP_RETRY_MS 1000
#define RT_ARP_TRIES    3
#define RT_ARP_TTL_MS   300000
#define RT_BIT_TICK     (1ull << 62)
#define RT_RESET_WAIT   20  // ticks a stack restart waits for its buffers at the NIC
#define RT_SPARE_LOW    128 // a buffer a peer instance returns refills the spares below this

// Router counters of one interface, one X() per field so the console can name
// them; they are also published on the NIC region's client counter page.
#define RT_IF_COUNTERS(X)                                                                          \
    X(rx_frames) /* frames taken from the NIC */                                                   \
    X(rx_bytes)                                                                                    \
    X(fwd_frames) /* forwarded out of this interface */                                            \
    X(fwd_bytes)                                                                                   \
    X(fwd_copied)      /* payload bytes copied on the forwarding path: 0 unless fragmenting */     \
    X(local_in)        /* frames handed to the network stack */                                    \
    X(local_out)       /* frames the network stack sent */                                         \
    X(local_copied)    /* bytes copied to the network stack */                                     \
    X(local_tx_copied) /* bytes of its frames copied: 0 when the NIC sends from its pool */        \
    X(local_drops)     /* no buffer on the network stack's side */                                 \
    X(arp_in)                                                                                      \
    X(arp_requests) /* requests the router sent for next hops */                                   \
    X(arp_held)     /* frames held for ARP resolution */                                           \
    X(arp_drops)    /* held frames dropped: no answer, or queue full */                            \
    X(icmp_sent)    /* time exceeded, unreachable, frag needed, reject */                          \
    X(fw_drops)     /* blocked or rejected by the filter */                                        \
    X(bad_frames)   /* malformed: too short, bad IPv4, headers split */                            \
    X(no_route)                                                                                    \
    X(ttl_exceeded)                                                                                \
    X(too_big)      /* larger than the egress MTU, DF set (or TSO): dropped */                     \
    X(fragmented)   /* larger than the egress MTU, DF clear: cut to fit */                         \
    X(fragments)    /* fragments sent for them (their payload counts in fwd_copied) */             \
    X(not_ip)       /* neither IPv4 nor ARP */                                                     \
    X(tx_full)      /* egress ring full: dropped */                                                \
    X(tx_no_buffer) /* no transmit buffer for a copy or a reply */                                 \
    X(ring_errors)  /* a peer broke a ring: descriptor refused */                                  \
    X(fabric_out)   /* frames received here handed to the instance owning the egress */            \
    X(fabric_in)    /* frames from another instance sent out of this interface */                  \
    X(fabric_drops) /* frames for another instance dropped: no instance, ring full */

struct rt_if_counters {
#define RT_X_FIELD(n) uint64_t n;
    RT_IF_COUNTERS(RT_X_FIELD)
#undef RT_X_FIELD
};

// Descriptors staged for one producer ring, published with one head store.
struct rt_out {
    struct ring_handle *h;
    uint32_t n;
    struct ring_desc d[RT_STAGE];
};

// An interface is owned by one instance (rt_own.h): only the owner is the
// client of its NIC region and the driver of its "-up" region, filters on
// it and keeps its ARP cache. The others attach to the NIC region only to
// read and write the buffers of its pool (view_ok) and never touch its rings.
struct rt_if {
    char name[COMP_NAME_MAX];            // [I] the interface (and its NIC region)
    bool own;                            // [I] this instance owns it
    uint8_t owner;                       // [I] the owning instance (fabric index)
    bool view_ok;                        // not owned: nic is attached for its pool only
    uint32_t addr, prefix, mtu;          // host order; [I] but addr/prefix with dhcp
    bool dhcp;                           // [I] address from the stack's DHCP lease
    uint8_t mac[6];                      // from the driver's header
    bool nic_ok, up_ok;                  // attached to the NIC / the stack region
    uint32_t nic_id;                     // [I] NIC region's configuration number
    struct netif nic;                    // client side of the NIC's region
    const struct comp_channel *nic_chan; // [I] OUT: kick the driver
    struct netif up;                     // driver side of the stack's region
    uint32_t up_id;                      // [I] its configuration number
    uint32_t up_lent;                    // its buffers at the NIC (marked in up.held)
    uint32_t reset_wait;                 // ticks a stack restart has waited for them
    const struct comp_channel *up_chan;  // [I] OUT: kick the network stack
    void *nic_base, *up_base;            // [I]
    uint64_t nic_size, up_size;          // [I]
    struct rt_out tx;                    // -> nic tx.active
    bool tx_kick;                        // tx published early: signal at rt_flush
    struct rt_out rxfree;                // -> nic rx.free
    struct rt_out uprx;                  // -> up rx.active
    struct rt_out uptxfree;              // -> up tx.free
    uint64_t spare[NETIF_MAX_BUFS];      // our own NIC buffers free for copies and replies
    uint32_t nspare;
    uint64_t *spare_map; // [I] with a fabric: its bits (shm/fabric.h), or NULL
    struct rt_if_counters cnt;
};

// Another router instance, at the other end of two fabric rings.
struct rt_peer {
    char name[COMP_NAME_MAX];        // [I] its component name
    const struct comp_channel *chan; // [I] OUT: "<us>.<peer> -> <peer>"
    bool ok;                         // rings attached
    struct ring_handle tx, rx;       // us -> peer (producer), peer -> us (consumer)
    struct rt_out out;               // -> tx
    uint32_t gen;                    // the peer's generation we last saw
    uint64_t lent;                   // our buffers in its hands (sent minus returned)
    uint64_t restarts;               // generation changes seen
    uint64_t lost;                   // lent when it restarted (may still come back)
    uint64_t errors;                 // descriptors refused from it
    bool stalled;                    // its next frame names a pool we cannot map yet: no busy wait
};

struct rt_arp {
    uint32_t ip; // 0 = unused
    uint8_t mac[6];
    uint8_t ifindex;
    bool resolved;
    uint8_t tries;
    uint64_t expires_ms; // resolved: forget after; pending: next retry
};

// A frame waiting for its next hop's MAC: its descriptors as received.
struct rt_hold {
    uint32_t next_hop; // 0 = slot free
    uint8_t in_if, out_if, k;
    struct ring_desc d[NETIF_MAX_SEGS];
};

// A packet a rule with "log" decided: kept in a ring for `show log`, and
// printed on the serial console (at most RT_LOG_PER_SEC lines a second).
#define RT_LOG_MAX     64
#define RT_LOG_PER_SEC 10
struct rt_logent {
    uint64_t ms;
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto, verdict, ifindex, dir;
    int16_t rule;
};

struct router {
    const struct comp_info *ci; // [I]
    unsigned nifs;              // [I]
    unsigned self, ninst;       // [I] our fabric index, instances (1: no fabric)
    struct rt_peer peers[FABRIC_MAX_INST];
    struct fabric_header *fab;  // [I] NULL without a fabric
    struct fabric_layout fab_l; // [I]
    struct rt_if ifs[RT_IF_MAX];
    const char *ifnames[RT_IF_MAX]; // [I] for the rule compiler
    struct fw_route_table routes;
    struct fw fw;
    struct fw_ruleset rulesets[2]; // the live one and the one a reload builds
    struct fw_rule_counters counters[2][FW_RULES_MAX];
    unsigned live; // index of the published ruleset
    struct rt_arp arp[RT_ARP_MAX];
    struct rt_hold hold[RT_HOLD_MAX];
    uint64_t now_ms;
    uint64_t ticks;
    struct rt_logent log[RT_LOG_MAX];
    uint64_t nlog;           // packets logged so far (log[nlog % RT_LOG_MAX] is next)
    uint64_t log_sec;        // the second log_printed counts in
    uint32_t log_printed;    // lines printed in log_sec
    uint64_t log_suppressed; // logged but not printed (rate limit)
};

_Static_assert(NETIF_MAX_BUFS <= FABRIC_MAP_BUFS, "a spare map covers a whole pool");
_Static_assert(RT_IF_MAX <= FABRIC_IF_MAX, "a spare map for every interface");

// Spares go in and out here, so that the fabric's map of them stays exact.
static inline void rt_spare_put(struct rt_if *f, uint64_t off)
{
    uint64_t i = off / NETIF_BUF_SIZE;
    if (f->spare_map && i < FABRIC_MAP_BUFS)
        __atomic_or_fetch(&f->spare_map[i / 64], 1ull << (i % 64), __ATOMIC_RELAXED);
    f->spare[f->nspare++] = off;
}

static inline uint64_t rt_spare_take(struct rt_if *f)
{
    uint64_t off = f->spare[--f->nspare], i = off / NETIF_BUF_SIZE;
    if (f->spare_map && i < FABRIC_MAP_BUFS)
        __atomic_and_fetch(&f->spare_map[i / 64], ~(1ull << (i % 64)), __ATOMIC_RELAXED);
    return off;
}

// router.c: attaches f (or maps its pool, if another instance owns it);
// true once done.
bool rt_if_attach(struct router *r, struct rt_if *f);
// rt_fwd.c: the data path.
uint32_t rt_nic_input(struct router *r, struct rt_if *in);
uint32_t rt_nic_reap(struct router *r, struct rt_if *nif);
uint32_t rt_stack_output(struct router *r, struct rt_if *nif);
void rt_up_lent_count(struct rt_if *f);
void rt_flush(struct router *r);
// rt_arp.c: neighbours and frames waiting for them.
void rt_arp_input(struct router *r, struct rt_if *in, const uint8_t *frame, uint32_t len);
const struct rt_arp *rt_arp_lookup(struct router *r, unsigned ifindex, uint32_t ip);
bool rt_arp_hold(struct router *r, unsigned in_if, unsigned out_if, uint32_t next_hop,
                 const struct ring_desc *d, uint32_t k);
void rt_arp_tick(struct router *r);
// rt_fwd.c, for rt_arp.c.
void rt_send_held(struct router *r, const struct rt_hold *h, const uint8_t *mac);
void rt_drop_frame(struct router *r, unsigned in_if, const struct ring_desc *d, uint32_t k);
uint8_t *rt_reply_buffer(struct router *r, struct rt_if *out, uint64_t *off);
void rt_reply_send(struct router *r, struct rt_if *out, uint64_t off, uint32_t len);
// rt_fwd.c: a packet a "log" rule decided.
void rt_log_packet(struct router *r, const struct fw_pkt *p, unsigned verdict, unsigned ifindex,
                   unsigned dir);
// rt_fabric.c: frames and buffers between instances.
struct config;
int rt_fab_setup(struct router *r, const struct config *cfg);
void rt_recycle(struct router *r, struct rt_if *in, const struct ring_desc *d, uint32_t k);
bool rt_fab_forward(struct router *r, struct rt_if *in, struct rt_if *out, uint32_t next_hop,
                    const struct ring_desc *d, uint32_t k);
void rt_fab_reject(struct router *r, struct rt_if *in, struct rt_if *out, const uint8_t *eth,
                   const struct fw_pkt *p);
void rt_fab_return(struct router *r, struct rt_if *home, uint64_t off);
uint32_t rt_fab_input(struct router *r);
void rt_fab_flush(struct router *r);
bool rt_fab_arm(struct router *r);
void rt_fab_tick(struct router *r);
uint32_t rt_fab_spares_back(struct rt_if *f);
// rt_fwd.c, for rt_fabric.c: a frame from a peer instance, filtered out and sent.
void rt_fwd_out(struct router *r, struct rt_if *in, struct rt_if *out, uint8_t *eth,
                const struct ring_desc *d, uint32_t k, uint32_t next_hop);
bool rt_out_room(struct rt_out *o, uint32_t k, uint64_t *errors);
void rt_out_put(struct rt_out *o, uint64_t off, uint32_t len, uint32_t flags);
void rt_out_flush(struct rt_out *o, uint64_t *errors);
// rt_cmd.c: console commands. Writes the answer to out (NUL-terminated);
// returns its length.
uint32_t rt_cmd_exec(struct router *r, const char *line, char *out, uint32_t cap);
int rt_rules_load(struct router *r, char *err, uint32_t errcap);
// router.c: a rule set staged line by line (the console's `load`), then
// compiled and published atomically like a reload; once published it is also
// what a later reload compiles. stage returns -1 when the stage is full.
void rt_rules_stage_clear(struct router *r);
int rt_rules_stage(struct router *r, bool nat, uint32_t line, const char *text);
int rt_rules_commit(struct router *r, char *err, uint32_t errcap);

#endif
