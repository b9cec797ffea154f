// SPDX-License-Identifier: MIT
// fw_filter() and ruleset publication (see fw.h). The order for one packet:
// a tracked flow passes (translated by its binding); otherwise the rules
// decide, and a pass creates a state when the rule keeps state or a NAT rule
// applies, choosing the translation first. A new flow that cannot be tracked
// or translated is dropped, never passed untranslated.
#include "net/fw/fw.h"

#include "lib/string.h"
#include "net/fw/fw_nat.h"

#define RELAXED memory_order_relaxed

int fw_init(struct fw *fw, struct fw_state *states, uint32_t cap, uint32_t *buckets,
            uint32_t nbuckets, uint64_t k0, uint64_t k1)
{
    if (!fw)
        return FW_EINVAL;
    memset(fw, 0, sizeof(*fw));
    return fw_conn_init(&fw->conn, states, cap, buckets, nbuckets, k0, k1) ? FW_EINVAL : FW_OK;
}

void fw_set_if_addr(struct fw *fw, unsigned ifindex, uint32_t addr)
{
    if (ifindex < FW_IF_MAX)
        atomic_store_explicit(&fw->if_addr[ifindex], addr, RELAXED);
}

void fw_count_drop(struct fw *fw, enum fw_reason reason)
{
    if ((unsigned)reason < FW_R_COUNT)
        atomic_fetch_add_explicit(&fw->drops[reason], 1, RELAXED);
}

static enum fw_verdict drop(struct fw *fw, struct fw_pkt *p, enum fw_verdict v,
                            enum fw_reason reason)
{
    p->reason = (uint8_t)reason;
    fw_count_drop(fw, reason);
    return v;
}

static void count_rule(const struct fw_ruleset *rs, int rule, const struct fw_pkt *p)
{
    if (!rs || rule < 0)
        return;
    atomic_fetch_add_explicit(&rs->counters[rule].packets, 1, RELAXED);
    atomic_fetch_add_explicit(&rs->counters[rule].bytes, p->tot_len, RELAXED);
}

// A packet of a tracked flow: account it and apply the binding.
static enum fw_verdict on_state(struct fw *fw, const struct fw_ruleset *rs, struct fw_state *s,
                                unsigned side, struct fw_pkt *p, uint64_t now_ms)
{
    fw_conn_track(&fw->conn, s, side, p, now_ms);
    if (rs && s->rule >= 0 && s->rule_gen == rs->gen)
        count_rule(rs, s->rule, p);
    if (s->nat) {
        struct fw_tuple to = side == 0 ? s->xlat : fw_tuple_reverse(s->orig);
        fw_nat_rewrite(p, &to);
    }
    atomic_fetch_add_explicit(&fw->state_hits, 1, RELAXED);
    return FW_PASS;
}

// An ICMP error about a tracked flow travels like a reply to the datagram it
// quotes: it passes as part of that flow, translated like its replies. Its
// packets are not counted on the state, and do not change it.
static struct fw_state *related(struct fw *fw, struct fw_pkt *p, enum fw_dir dir, uint64_t now_ms)
{
    struct fw_tuple q;
    if (!fw_nat_icmp_inner(p, &q))
        return NULL;
    struct fw_tuple k = fw_tuple_reverse(q);
    unsigned side;
    struct fw_state *s = fw_conn_lookup(&fw->conn, dir, &k, &side, now_ms);
    if (s && s->nat) {
        struct fw_tuple to = side == 0 ? s->xlat : fw_tuple_reverse(s->orig);
        fw_nat_rewrite_icmp(p, &q, &to);
    }
    return s;
}

// Flows the table can track: TCP (not a bare RST), UDP, ICMP echo requests,
// and, when translated, other protocols by address.
static bool trackable(const struct fw_pkt *p, bool nat)
{
    if (p->flags & FW_PKT_LATER)
        return false;
    switch (p->proto) {
    case FW_PROTO_TCP: return !(p->tcp_flags & FW_TCP_RST);
    case FW_PROTO_UDP: return true;
    case FW_PROTO_ICMP: return p->icmp_type == FW_ICMP_ECHO;
    default: return nat;
    }
}

// A packet NAT applies to but that cannot be tracked (a non-first fragment,
// a bare RST, an ICMP error): source NAT still hides the inside address;
// nothing else is translated.
static void nat_stateless(const struct fw_nat_rule *n, uint32_t to, struct fw_pkt *p)
{
    if (n->kind != FW_NAT_SNAT)
        return;
    struct fw_tuple t = fw_tuple_of(p);
    t.src = to;
    fw_nat_rewrite(p, &t);
}

// A new flow that passed the rules: track and translate it.
static enum fw_verdict new_state(struct fw *fw, const struct fw_ruleset *rs,
                                 const struct fw_nat_rule *n, uint32_t to, struct fw_pkt *p,
                                 unsigned ifindex, enum fw_dir dir, uint64_t now_ms)
{
    struct fw_tuple orig = fw_tuple_of(p), xlat = orig;
    if (n) {
        enum fw_reason r = fw_nat_bind(&fw->conn, n, to, dir, &orig, &xlat, now_ms);
        if (r != FW_R_OK)
            return drop(fw, p, FW_BLOCK, r);
    } else {
        struct fw_tuple rk = fw_tuple_reverse(orig);
        unsigned side;
        if (fw_conn_lookup(&fw->conn, dir ^ 1u, &rk, &side, now_ms))
            return FW_PASS; // replies already belong to another entry: pass untracked
    }
    struct fw_state *s = fw_conn_insert(&fw->conn, dir, &orig, &xlat, p, now_ms);
    if (!s)
        return drop(fw, p, FW_BLOCK, FW_R_STATE_FULL);
    s->packets[0] = 1;
    s->bytes[0] = p->tot_len;
    s->ifindex = (uint8_t)ifindex;
    s->nat = n ? n->kind : 0;
    if (rs && p->rule >= 0) {
        s->rule = p->rule;
        s->rule_gen = rs->gen;
        atomic_fetch_add_explicit(&rs->counters[p->rule].states, 1, RELAXED);
    }
    atomic_fetch_add_explicit(&fw->states_created, 1, RELAXED);
    if (n)
        fw_nat_rewrite(p, &xlat);
    return FW_PASS;
}

enum fw_verdict fw_filter(struct fw *fw, struct fw_pkt *p, unsigned ifindex, enum fw_dir dir,
                          uint64_t now_ms)
{
    // Pairs with the seq_cst exchange in fw_publish().
    const struct fw_ruleset *rs = atomic_load_explicit(&fw->rules, memory_order_seq_cst);
    p->reason = FW_R_OK;
    p->rule = -1;
    p->log = false;
    if (!(p->flags & FW_PKT_LATER)) {
        struct fw_tuple k = fw_tuple_of(p);
        unsigned side;
        struct fw_state *s = fw_conn_lookup(&fw->conn, dir, &k, &side, now_ms);
        if (s)
            return on_state(fw, rs, s, side, p, now_ms);
        if (related(fw, p, dir, now_ms)) {
            atomic_fetch_add_explicit(&fw->state_hits, 1, RELAXED);
            return FW_PASS;
        }
    }
    if (!rs)
        return FW_PASS;
    struct fw_match m = fw_rules_eval(rs, p, ifindex, dir);
    p->rule = m.rule;
    p->log = m.log;
    count_rule(rs, m.rule, p);
    if (m.verdict == FW_REJECT)
        return drop(fw, p, FW_REJECT, FW_R_REJECT);
    if (m.verdict != FW_PASS)
        return drop(fw, p, FW_BLOCK, m.rule < 0 ? FW_R_POLICY : FW_R_RULE);
    const struct fw_nat_rule *n = fw_nat_find(rs, p, ifindex, dir);
    uint32_t to = n ? fw_nat_addr(n, fw->if_addr) : 0;
    if (n && to == 0)
        return drop(fw, p, FW_BLOCK, FW_R_NAT_NO_ADDRESS);
    atomic_fetch_add_explicit(&fw->passed, 1, RELAXED);
    if (trackable(p, n != NULL) && (m.state || n))
        return new_state(fw, rs, n, to, p, ifindex, dir, now_ms);
    if (n)
        nat_stateless(n, to, p);
    return FW_PASS;
}

int fw_publish(struct fw *fw, struct fw_ruleset *rs, struct fw_ruleset **old, uint64_t *epoch)
{
    if (!fw || !rs || rs->magic != FW_RULESET_MAGIC || !rs->counters)
        return FW_EINVAL;
    rs->gen = ++fw->gen; // before the exchange publishes it
    struct fw_ruleset *prev = atomic_exchange_explicit(&fw->rules, rs, memory_order_seq_cst);
    uint64_t e = atomic_load_explicit(&fw->epoch, memory_order_seq_cst);
    if (old)
        *old = prev;
    if (epoch)
        *epoch = e;
    return FW_OK;
}

// Pairs with the seq_cst load of the epoch in fw_publish(): a ruleset load
// after this sees any ruleset published before that load read the old epoch.
void fw_quiescent(struct fw *fw)
{
    atomic_fetch_add_explicit(&fw->epoch, 1, memory_order_seq_cst);
}

bool fw_reclaimable(struct fw *fw, uint64_t epoch)
{
    return atomic_load_explicit(&fw->epoch, memory_order_acquire) > epoch;
}
