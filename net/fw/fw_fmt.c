// SPDX-License-Identifier: MIT
// Console text for rules, NAT rules, states and routes (see fw_fmt.h). The
// rule printer writes the canonical form: every default that differs from
// what the parser would assume is spelled out, so a round trip is exact.
#include "net/fw/fw_fmt.h"

#include <stdarg.h>

#include "lib/fmt.h"

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    // Once the buffer is full, only the length is counted.
    size_t room = o->len < o->size ? o->size - o->len : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    o->len += n > 0 ? (size_t)n : 0;
}

static int done(struct out *o)
{
    if (o->size)
        o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
    return (int)o->len;
}

static void put_ip(struct out *o, uint32_t a)
{
    put(o, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static unsigned prefix_len(uint32_t mask)
{
    unsigned n = 0;
    while (n < 32 && (mask & (0x80000000u >> n)))
        n++;
    return n;
}

static void put_addr(struct out *o, const struct fw_addr *a)
{
    if (a->neg)
        put(o, "!");
    if (a->mask == 0) {
        put(o, "any");
        return;
    }
    put_ip(o, a->addr);
    if (a->mask != 0xffffffffu)
        put(o, "/%u", prefix_len(a->mask));
}

static void put_ports(struct out *o, const struct fw_ports *p)
{
    if (p->n > 1)
        put(o, " {");
    for (unsigned i = 0; i < p->n; i++) {
        put(o, "%s%u", i ? ", " : " ", p->r[i].lo);
        if (p->r[i].hi != p->r[i].lo)
            put(o, "-%u", p->r[i].hi);
    }
    if (p->n > 1)
        put(o, " }");
}

static void put_ifname(struct out *o, const struct fw_ifnames *ifs, unsigned i)
{
    if (ifs && i < ifs->n)
        put(o, "%s", ifs->name[i]);
    else
        put(o, "if%u", i);
}

static void put_proto(struct out *o, uint8_t proto)
{
    if (proto == FW_PROTO_TCP)
        put(o, "tcp");
    else if (proto == FW_PROTO_UDP)
        put(o, "udp");
    else if (proto == FW_PROTO_ICMP)
        put(o, "icmp");
    else
        put(o, "%u", proto);
}

static void put_host(struct out *o, const char *word, const struct fw_addr *a,
                     const struct fw_ports *p)
{
    put(o, " %s ", word);
    put_addr(o, a);
    if (p->n) {
        put(o, " port");
        put_ports(o, p);
    }
}

static void put_flags(struct out *o, const struct fw_rule *r)
{
    static const char letters[] = "FSRPAUEW";
    if ((r->flags & FW_RULE_PROTO) && r->proto != FW_PROTO_TCP)
        return; // the implicit S/SA of a stateful rule only concerns TCP
    if (r->tcp_mask == 0) {
        if (r->flags & FW_RULE_STATE)
            put(o, " flags any");
        return;
    }
    put(o, " flags ");
    for (int i = 0; i < 8; i++) {
        if (r->tcp_flags & (1u << i))
            put(o, "%c", letters[i]);
    }
    put(o, "/");
    for (int i = 0; i < 8; i++) {
        if (r->tcp_mask & (1u << i))
            put(o, "%c", letters[i]);
    }
}

int fw_rule_format(const struct fw_rule *r, const struct fw_ifnames *ifs, char *buf, size_t size)
{
    static const char *const actions[] = {"pass", "block", "reject"};
    struct out o = {buf, size, 0};
    put(&o, "%s", actions[r->action % 3]);
    if (r->dir != FW_DIR_ANY)
        put(&o, r->dir == FW_IN ? " in" : " out");
    if (r->flags & FW_RULE_LOG)
        put(&o, " log");
    if (r->flags & FW_RULE_QUICK)
        put(&o, " quick");
    if (r->ifindex != FW_IF_ANY) {
        put(&o, " on ");
        put_ifname(&o, ifs, r->ifindex);
    }
    if (r->flags & FW_RULE_PROTO) {
        put(&o, " proto ");
        put_proto(&o, r->proto);
    }
    if (r->flags & FW_RULE_ALL) {
        put(&o, " all");
    } else {
        put_host(&o, "from", &r->src, &r->sport);
        put_host(&o, "to", &r->dst, &r->dport);
    }
    if (r->icmp_type >= 0)
        put(&o, " icmp-type %d", r->icmp_type);
    if (r->icmp_code >= 0)
        put(&o, " code %d", r->icmp_code);
    put_flags(&o, r);
    if (r->action == FW_PASS)
        put(&o, (r->flags & FW_RULE_STATE) ? " keep state" : " no state");
    return done(&o);
}

int fw_nat_format(const struct fw_nat_rule *n, const struct fw_ifnames *ifs, char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    put(&o, n->kind == FW_NAT_RDR ? "rdr on " : "on ");
    put_ifname(&o, ifs, n->ifindex);
    if (n->proto) {
        put(&o, " proto ");
        put_proto(&o, n->proto);
    }
    if (n->kind == FW_NAT_RDR) {
        put(&o, " from ");
        put_addr(&o, &n->src);
        put_host(&o, "to", &n->dst, &n->dport);
        put(&o, " -> ");
        put_ip(&o, n->to_addr);
        if (n->to_port)
            put(&o, " port %u", n->to_port);
        return done(&o);
    }
    put(&o, " from ");
    put_addr(&o, &n->src);
    put(&o, " to ");
    put_addr(&o, &n->dst);
    put(&o, " -> ");
    if (n->to_if != FW_IF_ANY) {
        put(&o, "(");
        put_ifname(&o, ifs, n->to_if);
        put(&o, ")");
    } else {
        put_ip(&o, n->to_addr);
    }
    put(&o, " port %u-%u", n->port_lo, n->port_hi);
    return done(&o);
}

static void put_endpoint(struct out *o, uint32_t a, uint16_t port, uint8_t proto)
{
    put_ip(o, a);
    if (proto == FW_PROTO_TCP || proto == FW_PROTO_UDP || proto == FW_PROTO_ICMP)
        put(o, ":%u", port);
}

int fw_state_format(const struct fw_state *s, const struct fw_ifnames *ifs, uint64_t now_ms,
                    char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    put_proto(&o, s->orig.proto);
    put(&o, s->dir == FW_IN ? " in " : " out ");
    put_ifname(&o, ifs, s->ifindex);
    put(&o, " ");
    put_endpoint(&o, s->orig.src, s->orig.sport, s->orig.proto);
    put(&o, " -> ");
    put_endpoint(&o, s->orig.dst, s->orig.dport, s->orig.proto);
    if (s->nat == FW_NAT_SNAT) {
        put(&o, " nat ");
        put_endpoint(&o, s->xlat.src, s->xlat.sport, s->xlat.proto);
    } else if (s->nat == FW_NAT_RDR) {
        put(&o, " rdr ");
        put_endpoint(&o, s->xlat.dst, s->xlat.dport, s->xlat.proto);
    }
    uint64_t left = s->expire_ms > now_ms ? (s->expire_ms - now_ms + 999) / 1000 : 0;
    put(&o, " %s expires %llus pkts %llu:%llu bytes %llu:%llu", fw_conn_state_name(s->state),
        (unsigned long long)left, (unsigned long long)s->packets[0],
        (unsigned long long)s->packets[1], (unsigned long long)s->bytes[0],
        (unsigned long long)s->bytes[1]);
    if (s->rule >= 0)
        put(&o, " rule %d", s->rule);
    return done(&o);
}

int fw_route_format(const struct fw_route *r, const struct fw_ifnames *ifs, char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    put_ip(&o, r->prefix);
    put(&o, "/%u", r->len);
    if (r->flags & FW_ROUTE_GATEWAY) {
        put(&o, " via ");
        put_ip(&o, r->gw);
    }
    put(&o, " dev ");
    put_ifname(&o, ifs, r->ifindex);
    if (r->flags & FW_ROUTE_CONNECTED)
        put(&o, " connected");
    return done(&o);
}
