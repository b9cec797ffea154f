// SPDX-License-Identifier: MIT
// The packet filter's entry point (net/fw/): struct fw holds everything one
// forwarding core needs (the published ruleset, the state table, interface
// addresses for NAT, drop counters), and fw_filter() decides one packet in
// one direction: state lookup, then rule evaluation, state creation and NAT
// rewriting in place. It also publishes new rulesets atomically and tells the
// control side when an old one may be reused. It does not route, build
// replies (fw_icmp.h) or touch devices. The library keeps no global state.
//
// A forwarded packet is filtered twice: fw_filter(..., in_if, FW_IN, ...)
// when it arrives (rdr happens here), then the caller routes it on its new
// destination, then fw_filter(..., out_if, FW_OUT, ...) (nat happens here).
// Each pass may create its own state, as in pf; a packet that matches a state
// in that direction passes without rule evaluation.
//
// Legend: [a] atomic, any core; [c] the forwarding core only; [k] control side.
#ifndef RW_FW_H
#define RW_FW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/fw/fw_conn.h"
#include "net/fw/fw_pkt.h"
#include "net/fw/fw_rules.h"

struct fw {
    // [a] written by fw_publish() (seq_cst exchange), read by fw_filter()
    // (seq_cst load, so that a load after fw_quiescent() sees every ruleset
    // published before the control side read the epoch).
    _Atomic(struct fw_ruleset *) rules;
    _Atomic uint64_t epoch;                              // [a] fw_quiescent() after each batch
    _Atomic uint32_t if_addr[FW_IF_MAX];                 // [a] relaxed; for nat -> (IFNAME)
    _Atomic uint64_t drops[FW_R_COUNT];                  // [a] relaxed, indexed by enum fw_reason
    _Atomic uint64_t passed, state_hits, states_created; // [a] relaxed
    struct fw_conn_table conn;                           // [c]
    uint32_t gen;                                        // [k] generation of the last publish
};

// Sets up fw with no ruleset (everything passes, nothing is tracked) and a
// state table over the caller's arrays (see fw_conn_init()).
int fw_init(struct fw *fw, struct fw_state *states, uint32_t cap, uint32_t *buckets,
            uint32_t nbuckets, uint64_t k0, uint64_t k1);

// Sets the address nat rules "-> (IFNAME)" use for ifindex (0: none yet).
void fw_set_if_addr(struct fw *fw, unsigned ifindex, uint32_t addr);

// Filters p (parsed by fw_pkt_parse()) seen in direction dir on ifindex at
// now_ms, rewriting it in place for NAT. Returns the verdict; on FW_BLOCK or
// FW_REJECT p->reason names why (and the drop is counted), p->rule is the
// deciding rule (-1: state or policy) and p->log is set when it has "log".
enum fw_verdict fw_filter(struct fw *fw, struct fw_pkt *p, unsigned ifindex, enum fw_dir dir,
                          uint64_t now_ms);

// Counts a drop the caller decided (for instance a parse failure).
void fw_count_drop(struct fw *fw, enum fw_reason reason);

// Publishing a ruleset (control side):
//   1. fw_rules_compile() into storage the data path is not using;
//   2. fw_publish(fw, new, &old, &epoch): the data path sees new from its
//      next packet on;
//   3. once fw_reclaimable(fw, epoch), old (and its counters) may be reused.
// The data path calls fw_quiescent() after every batch and never holds a
// ruleset pointer across it. With several forwarding cores, each has its own
// struct fw. A ruleset without its magic (a failed compile) is refused, and
// the current one stays.
int fw_publish(struct fw *fw, struct fw_ruleset *rs, struct fw_ruleset **old, uint64_t *epoch);
void fw_quiescent(struct fw *fw);
bool fw_reclaimable(struct fw *fw, uint64_t epoch);

#endif
