// SPDX-License-Identifier: MIT
// The router console's list commands (see rt_text.h): `show routes`, `show
// arp`, `show rules` and `show states`, each as a table a person reads or,
// with --json, one JSON object a script parses. Lines of the rule language
// come from the packet-filter library's formatters (net/fw/fw_fmt.h). Long
// lists stop before the answer overflows and say how much was left out, so
// the JSON always closes. Runs on the router's own thread: it reads the state
// table and counters without locks. Not the dispatcher (rt_cmd.c).
#include "apps/router/rt_text.h"

#include <stdatomic.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "net/fw/fw_fmt.h"

#define RT_SHOW_STATES_MAX 1024 // states listed by one answer
#define RT_LINE_MAX        320  // one formatted rule, state or route

const char *rt_if_name(const struct router *r, unsigned ifindex)
{
    return ifindex < r->nifs && r->ifnames[ifindex] ? r->ifnames[ifindex] : "-";
}

static struct fw_ifnames rt_ifnames(const struct router *r)
{
    return (struct fw_ifnames){r->ifnames, r->nifs};
}

static const char *rt_proto_name(uint8_t proto, char *buf)
{
    if (proto == FW_PROTO_TCP)
        return "tcp";
    if (proto == FW_PROTO_UDP)
        return "udp";
    if (proto == FW_PROTO_ICMP)
        return "icmp";
    fmt_snprintf(buf, 4, "%u", proto);
    return buf;
}

// Closes a list: how many there were and whether all are shown.
static void rt_list_end(struct rt_text *t, uint32_t shown, uint32_t total)
{
    if (t->json) {
        rt_jend(t);
        rt_jnum(t, "count", total);
        rt_jbool(t, "truncated", shown < total);
        rt_jend(t);
        rt_put(t, "\n");
    } else if (shown < total) {
        rt_put(t, "... %u more not shown\n", total - shown);
    }
}

static void rt_route_one(struct router *r, struct rt_text *t, const struct fw_route *rt)
{
    struct fw_ifnames ifs = rt_ifnames(r);
    char line[RT_LINE_MAX], ip[16];
    fw_route_format(rt, &ifs, line, sizeof(line));
    if (!t->json) {
        rt_put(t, "  %s\n", line);
        return;
    }
    rt_jobj(t, NULL);
    rt_jstr(t, "prefix", rt_ip_str(rt->prefix, ip));
    rt_jnum(t, "len", rt->len);
    if (rt->flags & FW_ROUTE_GATEWAY)
        rt_jstr(t, "gateway", rt_ip_str(rt->gw, ip));
    rt_jstr(t, "dev", rt_if_name(r, rt->ifindex));
    rt_jstr(t, "kind", (rt->flags & FW_ROUTE_CONNECTED) ? "connected" : "static");
    rt_jstr(t, "text", line);
    rt_jend(t);
}

void rt_show_routes(struct router *r, struct rt_text *t)
{
    uint32_t n = r->routes.n < FW_ROUTE_MAX ? r->routes.n : FW_ROUTE_MAX, i;
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jarr(t, "routes");
    } else {
        rt_put(t, "routes (%u, longest prefix first):\n", n);
    }
    for (i = 0; i < n && !rt_text_low(t); i++)
        rt_route_one(r, t, &r->routes.r[i]);
    rt_list_end(t, i, n);
}

// "reachable", "incomplete" (waiting for a reply) or "expired" (not yet reclaimed).
static const char *rt_arp_state(const struct router *r, const struct rt_arp *a)
{
    if (!a->resolved)
        return "incomplete";
    return a->expires_ms > r->now_ms ? "reachable" : "expired";
}

static void rt_arp_one(struct router *r, struct rt_text *t, const struct rt_arp *a)
{
    char ip[16], mac[18];
    uint64_t left = a->expires_ms > r->now_ms ? a->expires_ms - r->now_ms : 0;
    uint64_t age = a->resolved && left <= RT_ARP_TTL_MS ? RT_ARP_TTL_MS - left : 0;
    rt_ip_str(a->ip, ip);
    if (a->resolved)
        rt_mac_str(a->mac, mac);
    else
        memcpy(mac, "(incomplete)", 13);
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jstr(t, "ip", ip);
        rt_jstr(t, "mac", a->resolved ? mac : "");
        rt_jstr(t, "interface", rt_if_name(r, a->ifindex));
        rt_jstr(t, "state", rt_arp_state(r, a));
        rt_jnum(t, "age_ms", age);
        rt_jnum(t, "expires_ms", left);
        rt_jnum(t, "tries", a->tries);
        rt_jend(t);
    } else if (a->resolved) {
        rt_put(t, "  %-15s  %-17s  %-8s  %-10s  age %llus\n", ip, mac, rt_if_name(r, a->ifindex),
               rt_arp_state(r, a), (unsigned long long)(age / 1000));
    } else {
        rt_put(t, "  %-15s  %-17s  %-8s  %-10s  tries %u\n", ip, mac, rt_if_name(r, a->ifindex),
               rt_arp_state(r, a), a->tries);
    }
}

void rt_show_arp(struct router *r, struct rt_text *t)
{
    uint32_t total = 0, shown = 0;
    for (uint32_t i = 0; i < RT_ARP_MAX; i++)
        total += r->arp[i].ip != 0;
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jarr(t, "arp");
    } else {
        rt_put(t, "arp cache (%u of %u entries):\n", total, RT_ARP_MAX);
        if (total)
            rt_put(t, "  %-15s  %-17s  %-8s  %-10s  %s\n", "address", "mac", "iface", "state",
                   "age");
    }
    for (uint32_t i = 0; i < RT_ARP_MAX && !rt_text_low(t); i++) {
        if (r->arp[i].ip != 0) {
            rt_arp_one(r, t, &r->arp[i]);
            shown++;
        }
    }
    rt_list_end(t, shown, total);
}

static uint64_t rt_load(_Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed); // counters: any value is fine
}

static void rt_rule_one(struct router *r, struct rt_text *t, const struct fw_ruleset *rs,
                        uint32_t i)
{
    struct fw_ifnames ifs = rt_ifnames(r);
    char line[RT_LINE_MAX];
    const struct fw_rule *ru = &rs->rules[i];
    struct fw_rule_counters *c = rs->counters ? &rs->counters[i] : &r->counters[r->live][i];
    uint64_t pk = rt_load(&c->packets), by = rt_load(&c->bytes), st = rt_load(&c->states);
    fw_rule_format(ru, &ifs, line, sizeof(line));
    if (!t->json) {
        rt_put(t, "  %3u %5u %10llu %12llu %7llu  %s\n", i, ru->line, (unsigned long long)pk,
               (unsigned long long)by, (unsigned long long)st, line);
        return;
    }
    rt_jobj(t, NULL);
    rt_jnum(t, "index", i);
    rt_jnum(t, "line", ru->line);
    rt_jstr(t, "rule", line);
    rt_jnum(t, "packets", pk);
    rt_jnum(t, "bytes", by);
    rt_jnum(t, "states", st);
    rt_jend(t);
}

static void rt_nat_one(struct router *r, struct rt_text *t, const struct fw_nat_rule *n)
{
    struct fw_ifnames ifs = rt_ifnames(r);
    char line[RT_LINE_MAX];
    fw_nat_format(n, &ifs, line, sizeof(line));
    if (!t->json) {
        rt_put(t, "  %5u  nat %s\n", n->line, line);
        return;
    }
    rt_jobj(t, NULL);
    rt_jnum(t, "line", n->line);
    rt_jstr(t, "nat", line);
    rt_jend(t);
}

static const char *rt_verdict_name(unsigned v)
{
    return v == FW_PASS ? "pass" : v == FW_REJECT ? "reject" : "block";
}

static void rt_policies(struct router *r, struct rt_text *t, const struct fw_ruleset *rs)
{
    if (t->json)
        rt_jarr(t, "policy");
    for (unsigned i = 0; i < r->nifs && i < FW_IF_MAX; i++) {
        const char *in = rt_verdict_name(rs->policy[i][FW_IN]);
        const char *out = rt_verdict_name(rs->policy[i][FW_OUT]);
        if (!t->json) {
            rt_put(t, "policy %s in %s, out %s\n", rt_if_name(r, i), in, out);
            continue;
        }
        rt_jobj(t, NULL);
        rt_jstr(t, "interface", rt_if_name(r, i));
        rt_jstr(t, "in", in);
        rt_jstr(t, "out", out);
        rt_jend(t);
    }
    if (t->json)
        rt_jend(t);
}

void rt_show_rules(struct router *r, struct rt_text *t)
{
    const struct fw_ruleset *rs = &r->rulesets[r->live & 1];
    bool ok = rs->magic == FW_RULESET_MAGIC;
    uint32_t n = ok ? (rs->nrules < FW_RULES_MAX ? rs->nrules : FW_RULES_MAX) : 0, i;
    uint32_t nn = ok ? (rs->nnat < FW_NAT_MAX ? rs->nnat : FW_NAT_MAX) : 0, k;
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jbool(t, "loaded", ok);
        rt_jnum(t, "generation", ok ? rs->gen : 0);
        if (ok)
            rt_policies(r, t, rs);
        rt_jarr(t, "nat");
    } else if (!ok) {
        rt_put(t, "no ruleset loaded: every packet passes, nothing is tracked\n");
    } else {
        rt_put(t, "ruleset generation %u: %u rules, %u nat rules (last match wins)\n", rs->gen, n,
               nn);
        rt_policies(r, t, rs);
        if (nn)
            rt_put(t, "nat rules (first match applies):\n  %5s  %s\n", "line", "rule");
    }
    for (k = 0; k < nn && !rt_text_low(t); k++)
        rt_nat_one(r, t, &rs->nat[k]);
    if (t->json) {
        rt_jend(t);
        rt_jarr(t, "rules");
    } else if (n) {
        rt_put(t, "rules:\n  %3s %5s %10s %12s %7s  %s\n", "#", "line", "packets", "bytes",
               "states", "rule");
    }
    for (i = 0; i < n && !rt_text_low(t); i++)
        rt_rule_one(r, t, rs, i);
    if (!t->json && k < nn)
        rt_put(t, "... %u nat rules not shown\n", nn - k);
    rt_list_end(t, i, n);
}

static void rt_state_json(struct router *r, struct rt_text *t, const struct fw_state *s)
{
    char ip[16], pn[4];
    uint64_t left = s->expire_ms > r->now_ms ? s->expire_ms - r->now_ms : 0;
    rt_jobj(t, NULL);
    rt_jstr(t, "proto", rt_proto_name(s->orig.proto, pn));
    rt_jstr(t, "dir", s->dir == FW_IN ? "in" : "out");
    rt_jstr(t, "interface", rt_if_name(r, s->ifindex));
    rt_jstr(t, "src", rt_ip_str(s->orig.src, ip));
    rt_jnum(t, "sport", s->orig.sport);
    rt_jstr(t, "dst", rt_ip_str(s->orig.dst, ip));
    rt_jnum(t, "dport", s->orig.dport);
    rt_jstr(t, "nat", s->nat == FW_NAT_SNAT ? "nat" : s->nat == FW_NAT_RDR ? "rdr" : "");
    if (s->nat) {
        rt_jstr(t, "xsrc", rt_ip_str(s->xlat.src, ip));
        rt_jnum(t, "xsport", s->xlat.sport);
        rt_jstr(t, "xdst", rt_ip_str(s->xlat.dst, ip));
        rt_jnum(t, "xdport", s->xlat.dport);
    }
    rt_jstr(t, "state", fw_conn_state_name(s->state));
    rt_jnum(t, "expires_ms", left);
    rt_jnum(t, "packets_out", s->packets[0]);
    rt_jnum(t, "packets_in", s->packets[1]);
    rt_jnum(t, "bytes_out", s->bytes[0]);
    rt_jnum(t, "bytes_in", s->bytes[1]);
    if (s->rule >= 0)
        rt_jnum(t, "rule", (uint64_t)s->rule);
    rt_jend(t);
}

void rt_show_states(struct router *r, struct rt_text *t)
{
    const struct fw_conn_table *ct = &r->fw.conn;
    struct fw_ifnames ifs = rt_ifnames(r);
    uint32_t cursor = 0, shown = 0, total = 0;
    char line[RT_LINE_MAX];
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jnum(t, "capacity", ct->s ? ct->cap : 0);
        rt_jarr(t, "states");
    } else {
        rt_put(t, "states (%u in use of %u):\n", ct->s ? ct->n : 0, ct->s ? ct->cap : 0);
    }
    for (const struct fw_state *s; ct->s && (s = fw_conn_next(ct, &cursor)) != NULL; total++) {
        if (shown == total && shown < RT_SHOW_STATES_MAX && !rt_text_low(t)) {
            shown++;
            if (t->json) {
                rt_state_json(r, t, s);
            } else {
                fw_state_format(s, &ifs, r->now_ms, line, sizeof(line));
                rt_put(t, "  %s\n", line);
            }
        }
    }
    rt_list_end(t, shown, total);
}

// The log ring, oldest first.
void rt_show_log(struct router *r, struct rt_text *t)
{
    static const char *const verdicts[] = {"pass", "block", "reject"};
    uint64_t n = r->nlog < RT_LOG_MAX ? r->nlog : RT_LOG_MAX;
    char a[16], b[16], pr[8];
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jnum(t, "logged", r->nlog);
        rt_jnum(t, "not_printed", r->log_suppressed);
        rt_jarr(t, "entries");
    } else {
        rt_put(t, "log (%llu packets logged, %llu not printed by the rate limit; latest %llu):\n",
               (unsigned long long)r->nlog, (unsigned long long)r->log_suppressed,
               (unsigned long long)n);
    }
    for (uint64_t i = r->nlog - n; i < r->nlog && !rt_text_low(t); i++) {
        const struct rt_logent *e = &r->log[i % RT_LOG_MAX];
        const char *v = verdicts[e->verdict < 3 ? e->verdict : 1];
        const char *dir = e->dir == FW_IN ? "in" : "out";
        rt_ip_str(e->src, a);
        rt_ip_str(e->dst, b);
        if (t->json) {
            rt_jobj(t, NULL);
            rt_jnum(t, "age_ms", r->now_ms - e->ms);
            rt_jstr(t, "action", v);
            rt_jstr(t, "dir", dir);
            rt_jstr(t, "interface", rt_if_name(r, e->ifindex));
            rt_jstr(t, "proto", rt_proto_name(e->proto, pr));
            rt_jstr(t, "src", a);
            rt_jnum(t, "sport", e->sport);
            rt_jstr(t, "dst", b);
            rt_jnum(t, "dport", e->dport);
            rt_jnum(t, "rule", (uint64_t)(e->rule < 0 ? 0 : e->rule));
            rt_jend(t);
        } else {
            rt_put(t, "  %6llus ago  rule %-3d %-6s %-3s %-6s %-4s %s:%u -> %s:%u\n",
                   (unsigned long long)((r->now_ms - e->ms) / 1000), e->rule, v, dir,
                   rt_if_name(r, e->ifindex), rt_proto_name(e->proto, pr), a, e->sport, b,
                   e->dport);
        }
    }
    if (t->json) {
        rt_jend(t);
        rt_jend(t);
        rt_put(t, "\n");
    }
}
