// SPDX-License-Identifier: MIT
// The filter-rule parser, the ruleset compiler and rule matching (see
// fw_rules.h; the grammar is in README.md). Parsing is decode-only: a line is
// parsed into a local struct, checked, and only then copied into the ruleset,
// and the ruleset only gets its magic when every line has compiled. NAT lines
// are parsed by fw_nat.c; state and translation are not handled here.
#include "net/fw/fw_rules.h"

#include "lib/string.h"
#include "net/fw/fw_lex.h"

static const char tcp_flag_letters[] = "FSRPAUEW"; // bit i is letter i

static int parse_action(struct fw_lexer *lx, struct fw_rule *r)
{
    char b[32];
    struct fw_tok t = fw_lex_next(lx);
    if (fw_tok_is(t, "pass"))
        r->action = FW_PASS;
    else if (fw_tok_is(t, "block"))
        r->action = FW_BLOCK;
    else if (fw_tok_is(t, "reject"))
        r->action = FW_REJECT;
    else
        return fw_fail(lx, FW_ESYNTAX, "unknown action '%s'", fw_tok_show(t, b, sizeof(b)));
    return FW_OK;
}

// { in | out | log | quick }, each at most once.
static int parse_modifiers(struct fw_lexer *lx, struct fw_rule *r)
{
    for (;;) {
        struct fw_tok t = fw_lex_peek(lx);
        bool dir = fw_tok_is(t, "in") || fw_tok_is(t, "out");
        uint8_t flag = fw_tok_is(t, "log")     ? FW_RULE_LOG
                       : fw_tok_is(t, "quick") ? FW_RULE_QUICK
                                               : 0;
        if (!dir && !flag)
            return FW_OK;
        char b[16];
        if ((dir && r->dir != FW_DIR_ANY) || (r->flags & flag))
            return fw_fail(lx, FW_ESYNTAX, "'%s' given twice", fw_tok_show(t, b, sizeof(b)));
        fw_lex_next(lx);
        if (dir)
            r->dir = t.s[0] == 'i' ? FW_IN : FW_OUT;
        r->flags |= flag;
    }
}

// HOST = ADDR [ "port" PORTS ] | "port" PORTS, after "from" or "to".
static int parse_host(struct fw_lexer *lx, struct fw_addr *a, struct fw_ports *p)
{
    int st = FW_OK;
    if (!fw_tok_is(fw_lex_peek(lx), "port"))
        st = fw_parse_addr(lx, a);
    if (st == FW_OK && fw_lex_accept(lx, "port"))
        st = fw_parse_ports(lx, p);
    return st;
}

static int parse_endpoints(struct fw_lexer *lx, struct fw_rule *r)
{
    if (fw_lex_accept(lx, "all")) {
        r->flags |= FW_RULE_ALL;
        return FW_OK;
    }
    int st = FW_OK;
    if (fw_lex_accept(lx, "from"))
        st = parse_host(lx, &r->src, &r->sport);
    if (st == FW_OK && fw_lex_accept(lx, "to"))
        st = parse_host(lx, &r->dst, &r->dport);
    return st;
}

static int parse_tcp_flags(struct fw_lexer *lx, struct fw_rule *r)
{
    char b[32];
    struct fw_tok t = fw_lex_next(lx);
    if (fw_tok_is(t, "any")) {
        r->tcp_flags = r->tcp_mask = 0;
        return FW_OK;
    }
    uint8_t set = 0, mask = 0, *cur = &set;
    bool slash = false;
    for (size_t i = 0; i < t.n; i++) {
        const char *l = strchr(tcp_flag_letters, t.s[i]);
        if (t.s[i] == '/' && !slash) {
            slash = true;
            cur = &mask;
        } else if (l && t.s[i]) {
            *cur |= (uint8_t)(1u << (l - tcp_flag_letters));
        } else {
            return fw_fail(lx, FW_EVALUE, "bad TCP flags '%s'", fw_tok_show(t, b, sizeof(b)));
        }
    }
    if (!slash)
        mask = 0xff;
    if (t.n == 0 || mask == 0 || (set & ~mask))
        return fw_fail(lx, FW_EVALUE, "bad TCP flags '%s'", fw_tok_show(t, b, sizeof(b)));
    r->tcp_flags = set;
    r->tcp_mask = mask;
    return FW_OK;
}

static int parse_icmp_type(struct fw_lexer *lx, struct fw_rule *r)
{
    static const struct {
        const char *name;
        uint8_t type;
    } names[] = {{"echorep", 0}, {"unreach", 3}, {"echoreq", 8}, {"timex", 11}};
    char b[32];
    struct fw_tok t = fw_lex_next(lx);
    uint32_t v = 256;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (fw_tok_is(t, names[i].name))
            v = names[i].type;
    }
    if (v == 256 && !fw_tok_uint(t, 255, &v))
        return fw_fail(lx, FW_EVALUE, "bad ICMP type '%s'", fw_tok_show(t, b, sizeof(b)));
    r->icmp_type = (int16_t)v;
    if (!fw_lex_accept(lx, "code"))
        return FW_OK;
    t = fw_lex_next(lx);
    if (!fw_tok_uint(t, 255, &v))
        return fw_fail(lx, FW_EVALUE, "bad ICMP code '%s'", fw_tok_show(t, b, sizeof(b)));
    r->icmp_code = (int16_t)v;
    return FW_OK;
}

// [ icmp-type ... ] [ flags ... ] [ keep state | no state ], in any order.
static int parse_options(struct fw_lexer *lx, struct fw_rule *r, bool *flags_given,
                         bool *state_given)
{
    bool icmp = false;
    for (;;) {
        int st = FW_OK;
        struct fw_tok t = fw_lex_peek(lx);
        char b[32];
        bool *seen = fw_tok_is(t, "icmp-type")                    ? &icmp
                     : fw_tok_is(t, "flags")                      ? flags_given
                     : fw_tok_is(t, "keep") || fw_tok_is(t, "no") ? state_given
                                                                  : NULL;
        if (!seen)
            return fw_lex_end(lx);
        if (*seen)
            return fw_fail(lx, FW_ESYNTAX, "'%s' given twice", fw_tok_show(t, b, sizeof(b)));
        *seen = true;
        fw_lex_next(lx);
        if (seen == &icmp) {
            st = parse_icmp_type(lx, r);
        } else if (seen == flags_given) {
            st = parse_tcp_flags(lx, r);
        } else {
            if (!fw_lex_accept(lx, "state"))
                return fw_fail_expected(lx, "'state'");
            r->flags =
                (uint8_t)(t.s[0] == 'k' ? r->flags | FW_RULE_STATE : r->flags & ~FW_RULE_STATE);
        }
        if (st != FW_OK)
            return st;
    }
}

// The combinations the grammar allows but that mean nothing.
static int check_rule(struct fw_lexer *lx, struct fw_rule *r, bool flags_given, bool state_given)
{
    bool has_proto = r->flags & FW_RULE_PROTO;
    bool tcpudp = has_proto && (r->proto == FW_PROTO_TCP || r->proto == FW_PROTO_UDP);
    if ((r->sport.n || r->dport.n) && !tcpudp)
        return fw_fail(lx, FW_EVALUE, "port needs proto tcp or udp");
    if (r->icmp_type >= 0 && !(has_proto && r->proto == FW_PROTO_ICMP))
        return fw_fail(lx, FW_EVALUE, "icmp-type needs proto icmp");
    if (flags_given && r->tcp_mask && has_proto && r->proto != FW_PROTO_TCP)
        return fw_fail(lx, FW_EVALUE, "flags needs proto tcp");
    if (state_given && (r->flags & FW_RULE_STATE) && r->action != FW_PASS)
        return fw_fail(lx, FW_EVALUE, "keep state on a rule that does not pass");
    if (r->action == FW_PASS && !state_given)
        r->flags |= FW_RULE_STATE; // the default, as in pf
    if ((r->flags & FW_RULE_STATE) && !flags_given) {
        r->tcp_flags = FW_TCP_SYN; // states start on a SYN: flags S/SA
        r->tcp_mask = FW_TCP_SYN | FW_TCP_ACK;
    }
    return FW_OK;
}

static int parse_rule(struct fw_lexer *lx, struct fw_rule *r)
{
    *r = (struct fw_rule){.dir = FW_DIR_ANY,
                          .ifindex = FW_IF_ANY,
                          .icmp_type = -1,
                          .icmp_code = -1,
                          .line = lx->line};
    bool flags_given = false, state_given = false;
    int st = parse_action(lx, r);
    if (st == FW_OK)
        st = parse_modifiers(lx, r);
    if (st == FW_OK && fw_lex_accept(lx, "on"))
        st = fw_parse_ifname(lx, &r->ifindex);
    if (st == FW_OK && fw_lex_accept(lx, "proto")) {
        r->flags |= FW_RULE_PROTO;
        st = fw_parse_proto(lx, &r->proto);
    }
    if (st == FW_OK)
        st = parse_endpoints(lx, r);
    if (st == FW_OK)
        st = parse_options(lx, r, &flags_given, &state_given);
    if (st == FW_OK)
        st = check_rule(lx, r, flags_given, state_given);
    return st;
}

// policy ( IFNAME | any ) ( in | out ) ( pass | block )
static int parse_policy(struct fw_lexer *lx, struct fw_ruleset *rs)
{
    uint8_t ifindex = FW_IF_ANY;
    int st = FW_OK;
    if (!fw_lex_accept(lx, "any"))
        st = fw_parse_ifname(lx, &ifindex);
    if (st != FW_OK)
        return st;
    int dir = fw_lex_accept(lx, "in") ? FW_IN : fw_lex_accept(lx, "out") ? FW_OUT : -1;
    if (dir < 0)
        return fw_fail_expected(lx, "'in' or 'out'");
    int v = fw_lex_accept(lx, "pass") ? FW_PASS : fw_lex_accept(lx, "block") ? FW_BLOCK : -1;
    if (v < 0)
        return fw_fail_expected(lx, "'pass' or 'block'");
    if ((st = fw_lex_end(lx)) != FW_OK)
        return st;
    for (unsigned i = 0; i < FW_IF_MAX; i++) {
        if (ifindex == FW_IF_ANY || ifindex == i)
            rs->policy[i][dir] = (uint8_t)v;
    }
    return FW_OK;
}

static int compile_line(const struct fw_line *l, const struct fw_ifnames *ifs,
                        struct fw_ruleset *rs, struct fw_error *err)
{
    struct fw_lexer lx;
    fw_lex_init(&lx, l->text, l->line, ifs, err);
    if (l->kind == FW_LINE_NAT) {
        if (rs->nnat == FW_NAT_MAX)
            return fw_fail(&lx, FW_ELIMIT, "more than %d nat rules", FW_NAT_MAX);
        struct fw_nat_rule n;
        int st = fw_nat_parse(&lx, &n);
        if (st == FW_OK)
            rs->nat[rs->nnat++] = n;
        return st;
    }
    if (l->kind != FW_LINE_RULE)
        return fw_fail(&lx, FW_EINVAL, "unknown line kind %u", l->kind);
    if (fw_lex_accept(&lx, "policy"))
        return parse_policy(&lx, rs);
    if (rs->nrules == FW_RULES_MAX)
        return fw_fail(&lx, FW_ELIMIT, "more than %d rules", FW_RULES_MAX);
    struct fw_rule r;
    int st = parse_rule(&lx, &r);
    if (st == FW_OK)
        rs->rules[rs->nrules++] = r;
    return st;
}

int fw_rules_compile(const struct fw_line *lines, unsigned n, const struct fw_ifnames *ifs,
                     struct fw_ruleset *out, struct fw_rule_counters *counters,
                     struct fw_error *err)
{
    if (!out || !err || !counters || (n && !lines) || (ifs && ifs->n > FW_IF_MAX))
        return FW_EINVAL;
    memset(err, 0, sizeof(*err));
    memset(out, 0, sizeof(*out)); // policy: every interface passes both ways
    for (unsigned i = 0; i < n; i++) {
        int st = lines[i].text ? compile_line(&lines[i], ifs, out, err) : FW_EINVAL;
        if (st != FW_OK) {
            memset(out, 0, sizeof(*out));
            err->status = st;
            return st;
        }
    }
    out->nifs = (uint8_t)(ifs ? ifs->n : 0);
    memset(counters, 0, FW_RULES_MAX * sizeof(*counters));
    out->counters = counters;
    out->magic = FW_RULESET_MAGIC;
    return FW_OK;
}

bool fw_addr_matches(const struct fw_addr *a, uint32_t ip)
{
    return ((ip & a->mask) == a->addr) != a->neg;
}

bool fw_ports_match(const struct fw_ports *ps, uint16_t port)
{
    if (ps->n == 0)
        return true;
    for (unsigned i = 0; i < ps->n; i++) {
        if (port >= ps->r[i].lo && port <= ps->r[i].hi)
            return true;
    }
    return false;
}

// The L4 part of a match. A non-first fragment has no L4 header: rules that
// look at ports or ICMP types never match it, and TCP flags are not checked.
static bool l4_matches(const struct fw_rule *r, const struct fw_pkt *p)
{
    if (p->flags & FW_PKT_LATER)
        return !r->sport.n && !r->dport.n && r->icmp_type < 0;
    if (!fw_ports_match(&r->sport, p->sport) || !fw_ports_match(&r->dport, p->dport))
        return false;
    if (r->icmp_type >= 0 &&
        (p->icmp_type != r->icmp_type || (r->icmp_code >= 0 && p->icmp_code != r->icmp_code)))
        return false;
    return p->proto != FW_PROTO_TCP || (p->tcp_flags & r->tcp_mask) == r->tcp_flags;
}

bool fw_rule_matches(const struct fw_rule *r, const struct fw_pkt *p, unsigned ifindex,
                     enum fw_dir dir)
{
    if ((r->dir != FW_DIR_ANY && r->dir != dir) ||
        (r->ifindex != FW_IF_ANY && r->ifindex != ifindex))
        return false;
    if ((r->flags & FW_RULE_PROTO) && r->proto != p->proto)
        return false;
    if (!fw_addr_matches(&r->src, p->src) || !fw_addr_matches(&r->dst, p->dst))
        return false;
    return l4_matches(r, p);
}

struct fw_match fw_rules_eval(const struct fw_ruleset *rs, const struct fw_pkt *p, unsigned ifindex,
                              enum fw_dir dir)
{
    struct fw_match m = {.verdict = FW_PASS, .rule = -1};
    if (ifindex < FW_IF_MAX)
        m.verdict = rs->policy[ifindex][dir];
    for (unsigned i = 0; i < rs->nrules; i++) {
        const struct fw_rule *r = &rs->rules[i];
        if (!fw_rule_matches(r, p, ifindex, dir))
            continue;
        m.verdict = r->action;
        m.state = r->action == FW_PASS && (r->flags & FW_RULE_STATE);
        m.log = r->flags & FW_RULE_LOG;
        m.rule = (int16_t)i;
        if (r->flags & FW_RULE_QUICK)
            break;
    }
    return m;
}
