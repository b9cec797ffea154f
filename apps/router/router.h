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

// Router counters of one interface, one X() per field so the console can name
// them; they are also published on the NIC region's client counter page.
#define RT_IF_COUNTERS(X)                                                                          \
    X(rx_frames) /* frames taken from the NIC */                                                   \
    X(rx_bytes)                                                                                    \
    X(fwd_frames) /* forwarded out of this interface */                                            \
    X(fwd_bytes)                                                                                   \
    X(fwd_copied)   /* payload bytes copied on the forwarding path: 0 unless fragmenting */        \
    X(local_in)     /* frames handed to the network stack */                                       \
    X(local_out)    /* frames the network stack sent */                                            \
    X(local_copied) /* bytes copied to and from the network stack */                               \
    X(local_drops)  /* no buffer on the network stack's side */                                    \
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
    X(ring_errors)  /* a peer broke a ring: descriptor refused */

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

struct rt_if {
    char name[COMP_NAME_MAX];            // [I] the interface (and its NIC region)
    uint32_t addr, prefix, mtu;          // host order; [I] but addr/prefix with dhcp
    bool dhcp;                           // [I] address from the stack's DHCP lease
    uint8_t mac[6];                      // from the driver's header
    bool nic_ok, up_ok;                  // attached to the NIC / the stack region
    uint32_t nic_id;                     // [I] NIC region's configuration number
    struct netif nic;                    // client side of the NIC's region
    const struct comp_channel *nic_chan; // [I] OUT: kick the driver
    struct netif up;                     // driver side of the stack's region
    const struct comp_channel *up_chan;  // [I] OUT: kick the network stack
    void *nic_base, *up_base;            // [I]
    uint64_t nic_size, up_size;          // [I]
    struct rt_out tx;                    // -> nic tx.active
    struct rt_out rxfree;                // -> nic rx.free
    struct rt_out uprx;                  // -> up rx.active
    struct rt_out uptxfree;              // -> up tx.free
    uint64_t spare[NETIF_MAX_BUFS];      // our own NIC buffers free for copies and replies
    uint32_t nspare;
    struct rt_if_counters cnt;
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

// rt_fwd.c: the data path.
uint32_t rt_nic_input(struct router *r, struct rt_if *in);
uint32_t rt_nic_reap(struct router *r, struct rt_if *nif);
uint32_t rt_stack_output(struct router *r, struct rt_if *nif);
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
