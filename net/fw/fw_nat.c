// SPDX-License-Identifier: MIT
// NAT rule parsing, rule lookup, port allocation and packet rewriting (see
// fw_nat.h; the grammar is in README.md). Port choice starts at a keyed hash
// of the flow and probes the range in order, so it needs no allocator state:
// a port is free when no tracked flow would receive replies on it.
#include "net/fw/fw_nat.h"

#include "lib/string.h"
#include "net/fw/fw_bytes.h"
#include "net/fw/fw_csum.h"
#include "net/fw/fw_lex.h"

// ---- parsing ----

// "->" ( "(" IFNAME ")" | IPV4 )
static int parse_target(struct fw_lexer *lx, struct fw_nat_rule *n, bool allow_if)
{
    char b[32];
    if (!fw_lex_accept(lx, "->"))
        return fw_fail_expected(lx, "'->'");
    if (allow_if && fw_lex_accept(lx, "(")) {
        int st = fw_parse_ifname(lx, &n->to_if);
        if (st == FW_OK && !fw_lex_accept(lx, ")"))
            return fw_fail_expected(lx, "')'");
        return st;
    }
    struct fw_tok t = fw_lex_next(lx);
    if (!fw_tok_ipv4(t, &n->to_addr))
        return fw_fail(lx, FW_EVALUE, "bad address '%s'", fw_tok_show(t, b, sizeof(b)));
    return FW_OK;
}

// The source NAT text: "on" IFNAME [proto P] [from ADDR] [to ADDR] -> TARGET [port N-M]
static int parse_snat(struct fw_lexer *lx, struct fw_nat_rule *n)
{
    int st = FW_OK;
    if (fw_lex_accept(lx, "proto"))
        st = fw_parse_proto(lx, &n->proto);
    if (st == FW_OK && fw_lex_accept(lx, "from"))
        st = fw_parse_addr(lx, &n->src);
    if (st == FW_OK && fw_lex_accept(lx, "to"))
        st = fw_parse_addr(lx, &n->dst);
    if (st == FW_OK)
        st = parse_target(lx, n, true);
    if (st != FW_OK || !fw_lex_accept(lx, "port"))
        return st;
    struct fw_ports ps;
    if ((st = fw_parse_ports(lx, &ps)) != FW_OK)
        return st;
    if (ps.n != 1 || ps.r[0].lo == 0)
        return fw_fail(lx, FW_EVALUE, "nat port range must be one range without port 0");
    n->port_lo = ps.r[0].lo;
    n->port_hi = ps.r[0].hi;
    return FW_OK;
}

// The redirect text, after "rdr on IFNAME":
// "proto" (tcp|udp) [from ADDR] "to" [ADDR] "port" PORTS -> IPV4 [port N]
static int parse_rdr(struct fw_lexer *lx, struct fw_nat_rule *n)
{
    if (!fw_lex_accept(lx, "proto"))
        return fw_fail_expected(lx, "'proto'");
    int st = fw_parse_proto(lx, &n->proto);
    if (st == FW_OK && n->proto != FW_PROTO_TCP && n->proto != FW_PROTO_UDP)
        return fw_fail(lx, FW_EVALUE, "rdr needs proto tcp or udp");
    if (st == FW_OK && fw_lex_accept(lx, "from"))
        st = fw_parse_addr(lx, &n->src);
    if (st == FW_OK && !fw_lex_accept(lx, "to"))
        return fw_fail_expected(lx, "'to'");
    if (st == FW_OK && !fw_tok_is(fw_lex_peek(lx), "port"))
        st = fw_parse_addr(lx, &n->dst);
    if (st == FW_OK && !fw_lex_accept(lx, "port"))
        return fw_fail_expected(lx, "'port'");
    if (st == FW_OK)
        st = fw_parse_ports(lx, &n->dport);
    if (st == FW_OK)
        st = parse_target(lx, n, false);
    if (st != FW_OK || !fw_lex_accept(lx, "port"))
        return st;
    struct fw_tok t = fw_lex_next(lx);
    uint32_t v;
    char b[32];
    if (!fw_tok_uint(t, 65535, &v) || v == 0)
        return fw_fail(lx, FW_EVALUE, "bad port '%s'", fw_tok_show(t, b, sizeof(b)));
    n->to_port = (uint16_t)v;
    return FW_OK;
}

int fw_nat_parse(struct fw_lexer *lx, struct fw_nat_rule *n)
{
    *n = (struct fw_nat_rule){.kind = FW_NAT_SNAT,
                              .to_if = FW_IF_ANY,
                              .line = lx->line,
                              .port_lo = FW_NAT_PORT_LO,
                              .port_hi = FW_NAT_PORT_HI};
    if (fw_lex_accept(lx, "rdr"))
        n->kind = FW_NAT_RDR;
    if (!fw_lex_accept(lx, "on"))
        return fw_fail_expected(lx, n->kind == FW_NAT_RDR ? "'on'" : "'on' or 'rdr'");
    int st = fw_parse_ifname(lx, &n->ifindex);
    if (st == FW_OK)
        st = n->kind == FW_NAT_RDR ? parse_rdr(lx, n) : parse_snat(lx, n);
    return st == FW_OK ? fw_lex_end(lx) : st;
}

// ---- matching and binding ----

const struct fw_nat_rule *fw_nat_find(const struct fw_ruleset *rs, const struct fw_pkt *p,
                                      unsigned ifindex, unsigned dir)
{
    uint8_t kind = dir == FW_OUT ? FW_NAT_SNAT : FW_NAT_RDR;
    for (unsigned i = 0; i < rs->nnat; i++) {
        const struct fw_nat_rule *n = &rs->nat[i];
        if (n->kind != kind || n->ifindex != ifindex || (n->proto && n->proto != p->proto))
            continue;
        if (!fw_addr_matches(&n->src, p->src) || !fw_addr_matches(&n->dst, p->dst))
            continue;
        if (kind == FW_NAT_RDR &&
            ((p->flags & FW_PKT_LATER) || !fw_ports_match(&n->dport, p->dport)))
            continue;
        return n;
    }
    return NULL;
}

uint32_t fw_nat_addr(const struct fw_nat_rule *n, _Atomic uint32_t *if_addr)
{
    if (n->to_if == FW_IF_ANY)
        return n->to_addr;
    return atomic_load_explicit(&if_addr[n->to_if], memory_order_relaxed);
}

// True when a flow translated to x (created in dir) could be tracked: no
// entry already answers to its reply key.
static bool reply_free(struct fw_conn_table *t, unsigned dir, const struct fw_tuple *x,
                       uint64_t now_ms)
{
    struct fw_tuple k = fw_tuple_reverse(*x);
    unsigned side;
    return fw_conn_lookup(t, dir ^ 1, &k, &side, now_ms) == NULL;
}

// Where the port search starts: a keyed mix of the flow, so that ports are
// neither sequential nor predictable from outside.
static uint32_t start_of(const struct fw_conn_table *t, const struct fw_tuple *o)
{
    uint64_t h = t->key[1] ^ ((uint64_t)o->src << 32 | o->dst);
    h ^= (uint64_t)o->sport << 16 | o->dport;
    h *= 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(h >> 32);
}

static bool has_ports(const struct fw_tuple *o)
{
    return o->proto == FW_PROTO_TCP || o->proto == FW_PROTO_UDP || o->proto == FW_PROTO_ICMP;
}

enum fw_reason fw_nat_bind(struct fw_conn_table *t, const struct fw_nat_rule *n, uint32_t to,
                           unsigned dir, const struct fw_tuple *orig, struct fw_tuple *xlat,
                           uint64_t now_ms)
{
    *xlat = *orig;
    if (n->kind == FW_NAT_RDR) {
        xlat->dst = to;
        if (n->to_port)
            xlat->dport = n->to_port;
        return reply_free(t, dir, xlat, now_ms) ? FW_R_OK : FW_R_NAT_EXHAUSTED;
    }
    xlat->src = to;
    if (!has_ports(orig))
        return reply_free(t, dir, xlat, now_ms) ? FW_R_OK : FW_R_NAT_EXHAUSTED;
    uint32_t range = (uint32_t)n->port_hi - n->port_lo + 1;
    uint32_t start = start_of(t, orig) % range;
    for (uint32_t i = 0; i < range && i < FW_NAT_PROBES; i++) {
        xlat->sport = (uint16_t)(n->port_lo + (start + i) % range);
        if (reply_free(t, dir, xlat, now_ms))
            return FW_R_OK;
    }
    return FW_R_NAT_EXHAUSTED;
}

// ---- rewriting ----

static void set_addr(struct fw_pkt *p, unsigned off, uint32_t old, uint32_t new_, uint8_t *l4cs,
                     unsigned csflags)
{
    if (old == new_)
        return;
    fw_put32(p->ip + off, new_);
    fw_put16(p->ip + 10, fw_csum_update32(fw_get16(p->ip + 10), old, new_));
    if (l4cs)
        fw_l4_csum_fix(l4cs, old, new_, csflags | FW_CSUM_WIDE | FW_CSUM_PSEUDO);
}

static void set_port(uint8_t *field, uint16_t new_, uint8_t *l4cs, unsigned csflags)
{
    uint16_t old = fw_get16(field);
    if (old == new_)
        return;
    fw_put16(field, new_);
    fw_l4_csum_fix(l4cs, old, new_, csflags);
}

void fw_nat_rewrite(struct fw_pkt *p, const struct fw_tuple *to)
{
    uint8_t *l4cs = NULL; // the TCP or UDP checksum, which covers the addresses
    unsigned csflags = (p->flags & FW_PKT_CSUM_PART) ? FW_CSUM_PARTIAL : 0;
    if (p->l4 && p->proto == FW_PROTO_TCP)
        l4cs = p->l4 + 16;
    if (p->l4 && p->proto == FW_PROTO_UDP) {
        l4cs = p->l4 + 6;
        csflags |= FW_CSUM_UDP;
    }
    set_addr(p, 12, p->src, to->src, l4cs, csflags);
    set_addr(p, 16, p->dst, to->dst, l4cs, csflags);
    p->src = to->src;
    p->dst = to->dst;
    if (l4cs) {
        set_port(p->l4, to->sport, l4cs, csflags);
        set_port(p->l4 + 2, to->dport, l4cs, csflags);
    } else if (p->l4 && (p->flags & FW_PKT_ECHO)) {
        // The echo id sits in sport (request) or dport (reply); no pseudo-header.
        uint16_t id = p->icmp_type == FW_ICMP_ECHO ? to->sport : to->dport;
        set_port(p->l4 + 4, id, p->l4 + 2, 0);
    }
    if (p->l4) {
        p->sport = to->sport;
        p->dport = to->dport;
    }
}

// ---- ICMP errors about a translated flow ----

static bool is_icmp_error(const struct fw_pkt *p)
{
    return p->proto == FW_PROTO_ICMP && p->l4 &&
           (p->icmp_type == FW_ICMP_UNREACH || p->icmp_type == 4 ||
            p->icmp_type == FW_ICMP_TIMEXCEED || p->icmp_type == 12);
}

bool fw_nat_icmp_inner(const struct fw_pkt *p, struct fw_tuple *q)
{
    if (!is_icmp_error(p) || p->l4_len < 8 + 20 + 8)
        return false;
    const uint8_t *ip = p->l4 + 8;
    unsigned hlen = (ip[0] & 0xfu) * 4;
    if (ip[0] >> 4 != 4 || hlen < 20 || 8u + hlen + 8 > p->l4_len || (fw_get16(ip + 6) & 0x1fff))
        return false;
    const uint8_t *l4 = ip + hlen;
    *q = (struct fw_tuple){.src = fw_get32(ip + 12), .dst = fw_get32(ip + 16), .proto = ip[9]};
    if (q->proto == FW_PROTO_TCP || q->proto == FW_PROTO_UDP) {
        q->sport = fw_get16(l4);
        q->dport = fw_get16(l4 + 2);
    } else if (q->proto == FW_PROTO_ICMP && l4[0] == FW_ICMP_ECHO) {
        q->sport = fw_get16(l4 + 4);
    } else if (q->proto == FW_PROTO_ICMP) {
        return false; // errors about errors or replies are not followed
    }
    return true;
}

// Sets a 16-bit word of the quoted datagram, keeping the ICMP checksum.
static void quoted16(struct fw_pkt *p, uint8_t *field, uint16_t v)
{
    fw_put16(p->l4 + 2, fw_csum_update16(fw_get16(p->l4 + 2), fw_get16(field), v));
    fw_put16(field, v);
}

// Sets a quoted address, keeping the quoted header's checksum and the ICMP one.
static void quoted_addr(struct fw_pkt *p, uint8_t *ip, unsigned off, uint32_t v)
{
    uint32_t old = fw_get32(ip + off);
    if (old == v)
        return;
    quoted16(p, ip + 10, fw_csum_update32(fw_get16(ip + 10), old, v));
    quoted16(p, ip + off, (uint16_t)(v >> 16));
    quoted16(p, ip + off + 2, (uint16_t)v);
}

void fw_nat_rewrite_icmp(struct fw_pkt *p, const struct fw_tuple *q, const struct fw_tuple *reply)
{
    struct fw_tuple nq = fw_tuple_reverse(*reply), outer = fw_tuple_of(p);
    uint8_t *ip = p->l4 + 8, *l4 = ip + (ip[0] & 0xfu) * 4;
    quoted_addr(p, ip, 12, nq.src);
    quoted_addr(p, ip, 16, nq.dst);
    if (q->proto == FW_PROTO_TCP || q->proto == FW_PROTO_UDP) {
        if (fw_get16(l4) != nq.sport)
            quoted16(p, l4, nq.sport);
        if (fw_get16(l4 + 2) != nq.dport)
            quoted16(p, l4 + 2, nq.dport);
    } else if (q->proto == FW_PROTO_ICMP && fw_get16(l4 + 4) != nq.sport) {
        quoted16(p, l4 + 4, nq.sport);
    }
    if (outer.dst == q->src)
        outer.dst = nq.src;
    if (outer.src == q->dst)
        outer.src = nq.dst;
    fw_nat_rewrite(p, &outer);
}
