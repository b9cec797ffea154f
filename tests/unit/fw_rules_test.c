// SPDX-License-Identifier: MIT
// Unit tests of the rule language (net/fw/fw_rules.c, fw_lex.c, the nat part
// of fw_nat.c) and of rule matching: every documented form parses to the
// expected rule, bad lines fail with their line number and message, the
// printer round-trips, and evaluation follows last-match, quick, negation,
// port lists, flags, ICMP types, interfaces, directions and policies.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/fw/fw_fmt.h"
#include "net/fw/fw_rules.h"
#include "tests/unit/fw_test.h"

static const char *const names[] = {"lan0", "wan0", "dmz-1"};
static const struct fw_ifnames ifs = {names, 3};
static struct fw_ruleset rs, rs2;
static struct fw_rule_counters counters[FW_RULES_MAX];
static struct fw_error err;
static uint8_t buf[256];
static struct fw_pkt pkt;

// Compiles rule lines (a NULL-terminated list), numbered from 10.
static int compile_kinds(const char *const *text, const uint8_t *kinds)
{
    struct fw_line lines[32];
    unsigned n = 0;
    for (; text[n]; n++)
        lines[n] = (struct fw_line){text[n], 10 + n, kinds ? kinds[n] : FW_LINE_RULE};
    return fw_rules_compile(lines, n, &ifs, &rs, counters, &err);
}

static int compile(const char *const *text)
{
    return compile_kinds(text, NULL);
}

static const struct fw_rule *one(const char *text)
{
    const char *t[] = {text, NULL};
    int st = compile(t);
    if (st)
        print_error("%s\n", err.msg);
    assert_int_equal(st, FW_OK);
    assert_int_equal(rs.nrules, 1);
    return &rs.rules[0];
}

static void expect_error(const char *text, int status, const char *msg)
{
    const char *t[] = {"pass all", text, NULL};
    int st = compile(t);
    if (st != status)
        print_error("got %d: %s\n", st, err.msg);
    assert_int_equal(st, status);
    assert_int_equal(err.line, 11);
    assert_string_equal(err.msg, msg);
    assert_int_equal(rs.magic, 0);
    assert_int_equal(rs.nrules, 0);
}

static void expect_nat_error(const char *text, int status, const char *msg)
{
    const char *t[] = {"pass all", text, NULL};
    const uint8_t kinds[] = {FW_LINE_RULE, FW_LINE_NAT};
    int st = compile_kinds(t, kinds);
    if (st != status)
        print_error("got %d: %s\n", st, err.msg);
    assert_int_equal(st, status);
    assert_int_equal(err.line, 11);
    assert_string_equal(err.msg, msg);
}

static void test_parse_forms(void **state)
{
    (void)state;
    const struct fw_rule *r = one("pass in on lan0 proto tcp to port 5201");
    assert_int_equal(r->action, FW_PASS);
    assert_int_equal(r->dir, FW_IN);
    assert_int_equal(r->ifindex, 0);
    assert_int_equal(r->proto, FW_PROTO_TCP);
    assert_int_equal(r->dport.n, 1);
    assert_int_equal(r->dport.r[0].lo, 5201);
    assert_int_equal(r->dst.mask, 0);
    assert_true(r->flags & FW_RULE_STATE);
    assert_int_equal(r->tcp_flags, FW_TCP_SYN); // default flags S/SA with state
    assert_int_equal(r->tcp_mask, FW_TCP_SYN | FW_TCP_ACK);
    assert_int_equal(r->line, 10);

    r = one("block log quick out on dmz-1 all");
    assert_int_equal(r->action, FW_BLOCK);
    assert_int_equal(r->dir, FW_OUT);
    assert_int_equal(r->ifindex, 2);
    assert_int_equal(r->flags & (FW_RULE_LOG | FW_RULE_QUICK | FW_RULE_STATE),
                     FW_RULE_LOG | FW_RULE_QUICK);
    assert_int_equal(r->tcp_mask, 0);

    r = one("reject proto udp from !10.0.0.0/8 port {53,1000-2000, 3000:3001} to 192.0.2.1");
    assert_int_equal(r->action, FW_REJECT);
    assert_true(r->src.neg);
    assert_int_equal(r->src.addr, IP4(10, 0, 0, 0));
    assert_int_equal(r->src.mask, 0xff000000u);
    assert_int_equal(r->sport.n, 3);
    assert_int_equal(r->sport.r[1].lo, 1000);
    assert_int_equal(r->sport.r[1].hi, 2000);
    assert_int_equal(r->sport.r[2].hi, 3001);
    assert_int_equal(r->dst.mask, 0xffffffffu);
    assert_int_equal(r->dir, FW_DIR_ANY);
    assert_int_equal(r->ifindex, FW_IF_ANY);

    r = one("pass proto icmp from any to ! 198.18.0.0/24 icmp-type echoreq code 0 no state");
    assert_int_equal(r->icmp_type, 8);
    assert_int_equal(r->icmp_code, 0);
    assert_true(r->dst.neg);
    assert_false(r->flags & FW_RULE_STATE);

    r = one(
        "pass proto tcp from any port 1024-65535 to any port { 22 80 } flags SA/SAF keep state");
    assert_int_equal(r->tcp_flags, FW_TCP_SYN | FW_TCP_ACK);
    assert_int_equal(r->tcp_mask, FW_TCP_SYN | FW_TCP_ACK | FW_TCP_FIN);
    assert_int_equal(r->dport.n, 2);
    r = one("pass proto tcp all flags any");
    assert_int_equal(r->tcp_mask, 0);
    assert_true(r->flags & FW_RULE_STATE);
    r = one("pass proto 47 all");
    assert_int_equal(r->proto, 47);
    r = one("pass proto icmp all icmp-type 3");
    assert_int_equal(r->icmp_type, 3);
    assert_int_equal(r->icmp_code, -1);
    r = one("block proto tcp all flags S");
    assert_int_equal(r->tcp_mask, 0xff);
    r = one("pass from 198.18.0.5");
    assert_int_equal(r->src.addr, IP4(198, 18, 0, 5));
    r = one("pass");
    assert_int_equal(r->src.mask | r->dst.mask, 0);
}

static void test_policy(void **state)
{
    (void)state;
    const char *t[] = {"policy wan0 in block", "policy any out block", "policy lan0 out pass",
                       NULL};
    assert_int_equal(compile(t), FW_OK);
    assert_int_equal(rs.nrules, 0);
    assert_int_equal(rs.policy[1][FW_IN], FW_BLOCK);
    assert_int_equal(rs.policy[0][FW_IN], FW_PASS); // the default
    assert_int_equal(rs.policy[0][FW_OUT], FW_PASS);
    assert_int_equal(rs.policy[1][FW_OUT], FW_BLOCK);
    assert_int_equal(rs.policy[2][FW_OUT], FW_BLOCK);
    assert_int_equal(rs.magic, FW_RULESET_MAGIC);
    assert_ptr_equal(rs.counters, counters);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("pass proto tcpp all", FW_EVALUE, "line 11: unknown protocol 'tcpp'");
    expect_error("allow all", FW_ESYNTAX, "line 11: unknown action 'allow'");
    expect_error("pass on eth9 all", FW_EVALUE, "line 11: unknown interface 'eth9'");
    expect_error("pass on", FW_ESYNTAX, "line 11: expected an interface name, got end of line");
    expect_error("pass from 10.0.0.256", FW_EVALUE, "line 11: bad address '10.0.0.256'");
    expect_error("pass from 10.0.0.1/8", FW_EVALUE, "line 11: host bits set in '10.0.0.1/8'");
    expect_error("pass from 10.0.0.0/33", FW_EVALUE, "line 11: bad address '10.0.0.0/33'");
    expect_error("pass from", FW_ESYNTAX, "line 11: expected an address, got end of line");
    expect_error("pass from lan0", FW_ESYNTAX, "line 11: expected an address, got 'lan0'");
    expect_error("pass proto tcp to port 70000", FW_EVALUE, "line 11: bad port '70000'");
    expect_error("pass proto tcp to port 90-80", FW_EVALUE, "line 11: empty port range '90-80'");
    expect_error("pass proto tcp to port { 1 2", FW_ESYNTAX,
                 "line 11: expected '}', got end of line");
    expect_error("pass proto tcp to port {1 2 3 4 5 6 7 8 9}", FW_ELIMIT,
                 "line 11: more than 8 ports in a list");
    expect_error("pass to port 80", FW_EVALUE, "line 11: port needs proto tcp or udp");
    expect_error("pass proto icmp to port 80", FW_EVALUE, "line 11: port needs proto tcp or udp");
    expect_error("pass all icmp-type 8", FW_EVALUE, "line 11: icmp-type needs proto icmp");
    expect_error("pass proto icmp all icmp-type echo", FW_EVALUE, "line 11: bad ICMP type 'echo'");
    expect_error("pass proto icmp all icmp-type 3 code x", FW_EVALUE, "line 11: bad ICMP code 'x'");
    expect_error("pass proto udp all flags S/SA", FW_EVALUE, "line 11: flags needs proto tcp");
    expect_error("pass proto tcp all flags SX/SA", FW_EVALUE, "line 11: bad TCP flags 'SX/SA'");
    expect_error("pass proto tcp all flags SA/S", FW_EVALUE, "line 11: bad TCP flags 'SA/S'");
    expect_error("block all keep state", FW_EVALUE,
                 "line 11: keep state on a rule that does not pass");
    expect_error("pass all keep", FW_ESYNTAX, "line 11: expected 'state', got end of line");
    expect_error("pass in in all", FW_ESYNTAX, "line 11: 'in' given twice");
    expect_error("pass in out all", FW_ESYNTAX, "line 11: 'out' given twice");
    expect_error("pass all no state no state", FW_ESYNTAX, "line 11: 'no' given twice");
    expect_error("pass all extra", FW_ESYNTAX, "line 11: unexpected 'extra'");
    expect_error("pass all from any", FW_ESYNTAX, "line 11: unexpected 'from'");
    expect_error("policy wan0 sideways block", FW_ESYNTAX,
                 "line 11: expected 'in' or 'out', got 'sideways'");
    expect_error("policy wan0 in drop", FW_ESYNTAX,
                 "line 11: expected 'pass' or 'block', got 'drop'");
    expect_error("policy wan9 in drop", FW_EVALUE, "line 11: unknown interface 'wan9'");
    expect_error("pass proto tcp from any to any port 22 extra-long-word-that-is-cut-off-here",
                 FW_ESYNTAX, "line 11: unexpected 'extra-long-word-that-is-cut-...'");
}

static void test_nat_parse(void **state)
{
    (void)state;
    const char *t[] = {"on wan0 from 198.18.0.0/24 -> (wan0)",
                       "on wan0 proto udp from any to 192.0.2.0/24 -> 203.0.113.9 port 50000-50003",
                       "rdr on wan0 proto tcp to port 8080 -> 198.18.0.2 port 80",
                       "rdr on wan0 proto udp from 192.0.2.0/24 to 203.0.113.5 port {53, 5353} -> "
                       "198.18.0.3",
                       NULL};
    const uint8_t kinds[] = {FW_LINE_NAT, FW_LINE_NAT, FW_LINE_NAT, FW_LINE_NAT};
    assert_int_equal(compile_kinds(t, kinds), FW_OK);
    assert_int_equal(rs.nnat, 4);
    assert_int_equal(rs.nrules, 0);
    const struct fw_nat_rule *n = &rs.nat[0];
    assert_int_equal(n->kind, FW_NAT_SNAT);
    assert_int_equal(n->ifindex, 1);
    assert_int_equal(n->to_if, 1);
    assert_int_equal(n->src.addr, IP4(198, 18, 0, 0));
    assert_int_equal(n->port_lo, FW_NAT_PORT_LO);
    assert_int_equal(n->port_hi, FW_NAT_PORT_HI);
    n = &rs.nat[1];
    assert_int_equal(n->proto, FW_PROTO_UDP);
    assert_int_equal(n->to_if, FW_IF_ANY);
    assert_int_equal(n->to_addr, IP4(203, 0, 113, 9));
    assert_int_equal(n->dst.addr, IP4(192, 0, 2, 0));
    assert_int_equal(n->port_lo, 50000);
    assert_int_equal(n->port_hi, 50003);
    n = &rs.nat[2];
    assert_int_equal(n->kind, FW_NAT_RDR);
    assert_int_equal(n->proto, FW_PROTO_TCP);
    assert_int_equal(n->dport.r[0].lo, 8080);
    assert_int_equal(n->to_addr, IP4(198, 18, 0, 2));
    assert_int_equal(n->to_port, 80);
    n = &rs.nat[3];
    assert_int_equal(n->dport.n, 2);
    assert_int_equal(n->dst.addr, IP4(203, 0, 113, 5));
    assert_int_equal(n->to_port, 0);

    expect_nat_error("nat on wan0 -> (wan0)", FW_ESYNTAX,
                     "line 11: expected 'on' or 'rdr', got 'nat'");
    expect_nat_error("on wan0 from any", FW_ESYNTAX, "line 11: expected '->', got end of line");
    expect_nat_error("on wan0 from any -> (wan7)", FW_EVALUE, "line 11: unknown interface 'wan7'");
    expect_nat_error("on wan0 from any -> (wan0", FW_ESYNTAX,
                     "line 11: expected ')', got end of line");
    expect_nat_error("on wan0 -> 1.2.3", FW_EVALUE, "line 11: bad address '1.2.3'");
    expect_nat_error("on wan0 -> (wan0) port {1,2}", FW_EVALUE,
                     "line 11: nat port range must be one range without port 0");
    expect_nat_error("rdr on wan0 proto icmp to port 1 -> 1.2.3.4", FW_EVALUE,
                     "line 11: rdr needs proto tcp or udp");
    expect_nat_error("rdr on wan0 proto tcp to 1.2.3.4 -> 1.2.3.4", FW_ESYNTAX,
                     "line 11: expected 'port', got '->'");
    expect_nat_error("rdr on wan0 proto tcp port 80 -> 1.2.3.4", FW_ESYNTAX,
                     "line 11: expected 'to', got 'port'");
    expect_nat_error("rdr on wan0 proto tcp to port 80 -> (wan0)", FW_EVALUE,
                     "line 11: bad address '('");
    expect_nat_error("rdr on wan0 proto tcp to port 80 -> 1.2.3.4 port 0", FW_EVALUE,
                     "line 11: bad port '0'");
    expect_nat_error("on wan0 -> (wan0) junk", FW_ESYNTAX, "line 11: unexpected 'junk'");
}

static void test_limits_and_bad_calls(void **state)
{
    (void)state;
    static struct fw_line lines[FW_RULES_MAX + 1];
    for (unsigned i = 0; i <= FW_RULES_MAX; i++)
        lines[i] = (struct fw_line){"block all", i + 1, FW_LINE_RULE};
    assert_int_equal(fw_rules_compile(lines, FW_RULES_MAX, &ifs, &rs, counters, &err), FW_OK);
    assert_int_equal(rs.nrules, FW_RULES_MAX);
    assert_int_equal(fw_rules_compile(lines, FW_RULES_MAX + 1, &ifs, &rs, counters, &err),
                     FW_ELIMIT);
    assert_string_equal(err.msg, "line 257: more than 256 rules");
    assert_int_equal(rs.magic, 0);
    assert_int_equal(fw_rules_compile(lines, 1, &ifs, NULL, counters, &err), FW_EINVAL);
    assert_int_equal(fw_rules_compile(NULL, 1, &ifs, &rs, counters, &err), FW_EINVAL);
    lines[0].kind = 9;
    assert_int_equal(fw_rules_compile(lines, 1, &ifs, &rs, counters, &err), FW_EINVAL);
    // No interface table: any interface name is unknown.
    struct fw_line l = {"pass on lan0 all", 3, FW_LINE_RULE};
    assert_int_equal(fw_rules_compile(&l, 1, NULL, &rs, counters, &err), FW_EVALUE);
    assert_string_equal(err.msg, "line 3: unknown interface 'lan0'");
    // An empty ruleset compiles.
    assert_int_equal(fw_rules_compile(NULL, 0, &ifs, &rs, counters, &err), FW_OK);
}

// Every form round-trips through the printer to the same compiled rule.
static void test_round_trip(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "pass in on lan0 proto tcp to port 5201",
        "block log quick out on dmz-1 all",
        "reject proto udp from !10.0.0.0/8 port {53,1000-2000, 3000:3001} to 192.0.2.1",
        "pass proto icmp from any to ! 198.18.0.0/24 icmp-type echoreq code 0 no state",
        "pass in on wan0 proto icmp to 198.19.0.1 icmp-type echoreq",
        "pass proto udp to port 53",
        "pass proto tcp from any port 1024-65535 to any port { 22 80 } flags SA/SAF keep state",
        "pass proto tcp all flags any",
        "pass proto 47 all no state",
        "block proto tcp all flags S",
        "pass",
        "pass out from 198.18.0.5 to 0.0.0.0/0",
    };
    char text[256], text2[256];
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct fw_rule a = *one(forms[i]);
        fw_rule_format(&a, &ifs, text, sizeof(text));
        struct fw_rule b = *one(text);
        fw_rule_format(&b, &ifs, text2, sizeof(text2));
        assert_string_equal(text, text2);
        b.line = a.line;
        b.flags = (uint8_t)((b.flags & ~FW_RULE_ALL) | (a.flags & FW_RULE_ALL));
        assert_memory_equal(&a, &b, sizeof(a));
    }
    fw_rule_format(one("pass in on lan0 proto tcp to port 5201"), &ifs, text, sizeof(text));
    assert_string_equal(
        text, "pass in on lan0 proto tcp from any to any port 5201 flags S/SA keep state");
    fw_rule_format(one("reject proto udp to port {1, 2-3}"), &ifs, text, sizeof(text));
    assert_string_equal(text, "reject proto udp from any to any port { 1, 2-3 }");
}

static void test_nat_round_trip(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "on wan0 from 198.18.0.0/24 -> (wan0)",
        "on wan0 proto udp from any to 192.0.2.0/24 -> 203.0.113.9 port 50000-50003",
        "rdr on wan0 proto tcp to port 8080 -> 198.18.0.2 port 80",
        "rdr on wan0 proto udp from 192.0.2.0/24 to 203.0.113.5 port {53, 5353} -> 198.18.0.3",
    };
    const uint8_t kinds[] = {FW_LINE_NAT};
    char text[256];
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        const char *t[] = {forms[i], NULL};
        assert_int_equal(compile_kinds(t, kinds), FW_OK);
        struct fw_nat_rule a = rs.nat[0];
        fw_nat_format(&a, &ifs, text, sizeof(text));
        const char *t2[] = {text, NULL};
        assert_int_equal(compile_kinds(t2, kinds), FW_OK);
        assert_memory_equal(&a, &rs.nat[0], sizeof(a));
    }
    fw_nat_format(&rs.nat[0], &ifs, text, sizeof(text));
    assert_string_equal(text, "rdr on wan0 proto udp from 192.0.2.0/24 to 203.0.113.5 port { 53, "
                              "5353 } -> 198.18.0.3");
}

// ---- matching ----

#define LAN IP4(198, 18, 0, 2)
#define NET IP4(192, 0, 2, 1)

static struct fw_match eval_tcp(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t flags,
                                unsigned ifi, enum fw_dir dir)
{
    size_t n = t_tcp(buf, src, dst, sp, dp, flags, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    return fw_rules_eval(&rs, &pkt, ifi, dir);
}

static void load(const char *const *t)
{
    int st = compile(t);
    if (st)
        print_error("%s\n", err.msg);
    assert_int_equal(st, FW_OK);
}

static void test_last_match_and_quick(void **state)
{
    (void)state;
    const char *t[] = {"block all",
                       "pass proto tcp to port 22",
                       "block proto tcp to port 22 no state",
                       "pass quick proto tcp from 198.18.0.0/24 to port 22",
                       "block proto tcp from 198.18.0.0/24",
                       NULL};
    load(t);
    // From outside to 22: rule 1 passes, rule 2 blocks later: last match wins.
    struct fw_match m = eval_tcp(NET, LAN, 1000, 22, FW_TCP_SYN, 0, FW_IN);
    assert_int_equal(m.verdict, FW_BLOCK);
    assert_int_equal(m.rule, 2);
    // From the LAN: the quick rule 3 stops the search before rule 4.
    m = eval_tcp(LAN, NET, 1000, 22, FW_TCP_SYN, 0, FW_IN);
    assert_int_equal(m.verdict, FW_PASS);
    assert_int_equal(m.rule, 3);
    assert_true(m.state);
    // From the LAN to port 80: rule 4.
    m = eval_tcp(LAN, NET, 1000, 80, FW_TCP_SYN, 0, FW_IN);
    assert_int_equal(m.verdict, FW_BLOCK);
    assert_int_equal(m.rule, 4);
    // UDP from outside: only rule 0.
    size_t n = t_udp(buf, NET, LAN, 1, 22, 0, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    m = fw_rules_eval(&rs, &pkt, 0, FW_IN);
    assert_int_equal(m.rule, 0);
    assert_false(m.state);
}

static void test_match_criteria(void **state)
{
    (void)state;
    const char *t[] = {"block all",
                       "pass in on wan0 proto tcp from !192.0.2.0/24 to any port {80, 8000-8080}",
                       "pass out on lan0 proto tcp all flags A/SA no state",
                       "pass log proto icmp all icmp-type echoreq",
                       "pass proto icmp all icmp-type unreach code 4",
                       NULL};
    load(t);
    // Negation: from 192.0.2.x is excluded.
    assert_int_equal(eval_tcp(NET, LAN, 1, 80, FW_TCP_SYN, 1, FW_IN).rule, 0);
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 80, FW_TCP_SYN, 1, FW_IN).rule, 1);
    // Port list and range bounds.
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 7999, FW_TCP_SYN, 1, FW_IN).rule, 0);
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 8000, FW_TCP_SYN, 1, FW_IN).rule, 1);
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 8080, FW_TCP_SYN, 1, FW_IN).rule, 1);
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 8081, FW_TCP_SYN, 1, FW_IN).rule, 0);
    // Interface and direction.
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 80, FW_TCP_SYN, 0, FW_IN).rule, 0);
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 80, FW_TCP_SYN, 1, FW_OUT).rule, 0);
    // Default flags S/SA of a stateful rule: a SYN+ACK or an ACK does not match.
    assert_int_equal(
        eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 80, FW_TCP_SYN | FW_TCP_ACK, 1, FW_IN).rule, 0);
    assert_int_equal(eval_tcp(IP4(203, 0, 113, 1), LAN, 1, 80, FW_TCP_ACK, 1, FW_IN).rule, 0);
    // flags A/SA: ACK without SYN, PSH and FIN ignored.
    assert_int_equal(eval_tcp(LAN, NET, 1, 2, FW_TCP_ACK | FW_TCP_PSH, 0, FW_OUT).rule, 2);
    assert_int_equal(eval_tcp(LAN, NET, 1, 2, FW_TCP_ACK | FW_TCP_SYN, 0, FW_OUT).rule, 0);
    // ICMP type and code.
    size_t n = t_icmp(buf, NET, LAN, FW_ICMP_ECHO, 0, 1, 1);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    struct fw_match m = fw_rules_eval(&rs, &pkt, 1, FW_IN);
    assert_int_equal(m.rule, 3);
    assert_true(m.log);
    n = t_icmp(buf, NET, LAN, FW_ICMP_UNREACH, 4, 0, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_rules_eval(&rs, &pkt, 1, FW_IN).rule, 4);
    n = t_icmp(buf, NET, LAN, FW_ICMP_UNREACH, 3, 0, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_rules_eval(&rs, &pkt, 1, FW_IN).rule, 0);
}

static void test_fragments_match_l3_only(void **state)
{
    (void)state;
    const char *t[] = {"pass all no state", "block proto tcp to port 22",
                       "block proto tcp from 192.0.2.0/24 flags S/SA", NULL};
    load(t);
    size_t n = t_tcp(buf, IP4(203, 0, 113, 1), LAN, 1, 22, FW_TCP_SYN, 8);
    t_put16(buf + 6, 2); // a non-first fragment
    t_put16(buf + 10, 0);
    t_put16(buf + 10, (uint16_t)~t_sum(0, buf, 20));
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    // The port rule cannot match it; the flags rule matches on addresses alone.
    struct fw_match m = fw_rules_eval(&rs, &pkt, 0, FW_IN);
    assert_int_equal(m.rule, 0);
    t_put32(buf + 12, NET);
    t_put16(buf + 10, 0);
    t_put16(buf + 10, (uint16_t)~t_sum(0, buf, 20));
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_rules_eval(&rs, &pkt, 0, FW_IN).rule, 2);
}

static void test_policy_defaults(void **state)
{
    (void)state;
    const char *t[] = {"policy wan0 in block", "pass in on wan0 proto tcp to port 80", NULL};
    load(t);
    struct fw_match m = eval_tcp(NET, LAN, 1, 443, FW_TCP_SYN, 1, FW_IN);
    assert_int_equal(m.verdict, FW_BLOCK);
    assert_int_equal(m.rule, -1);
    assert_int_equal(eval_tcp(NET, LAN, 1, 80, FW_TCP_SYN, 1, FW_IN).verdict, FW_PASS);
    // Other interfaces and directions keep the default: pass.
    m = eval_tcp(NET, LAN, 1, 443, FW_TCP_SYN, 0, FW_IN);
    assert_int_equal(m.verdict, FW_PASS);
    assert_int_equal(m.rule, -1);
    assert_false(m.state);
    assert_int_equal(eval_tcp(NET, LAN, 1, 443, FW_TCP_SYN, 1, FW_OUT).verdict, FW_PASS);
}

static void test_failed_compile_keeps_other_storage(void **state)
{
    (void)state;
    struct fw_line good = {"block all", 1, FW_LINE_RULE};
    static struct fw_rule_counters c2[FW_RULES_MAX];
    assert_int_equal(fw_rules_compile(&good, 1, &ifs, &rs2, c2, &err), FW_OK);
    struct fw_line bad[] = {{"pass all", 1, FW_LINE_RULE},
                            {"pass proto tcpp all", 2, FW_LINE_RULE}};
    assert_int_equal(fw_rules_compile(bad, 2, &ifs, &rs, counters, &err), FW_EVALUE);
    assert_int_equal(err.line, 2);
    assert_int_equal(rs.magic, 0);
    assert_int_equal(rs.nrules, 0);
    assert_int_equal(rs2.magic, FW_RULESET_MAGIC);
    assert_int_equal(rs2.nrules, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nat_parse),
        cmocka_unit_test(test_limits_and_bad_calls),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_nat_round_trip),
        cmocka_unit_test(test_last_match_and_quick),
        cmocka_unit_test(test_match_criteria),
        cmocka_unit_test(test_fragments_match_l3_only),
        cmocka_unit_test(test_policy_defaults),
        cmocka_unit_test(test_failed_compile_keeps_other_storage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
