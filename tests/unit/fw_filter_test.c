// SPDX-License-Identifier: MIT
// Unit tests of fw_filter() and ruleset publication (net/fw/fw.c): stateful
// filtering (replies pass through their state without rule evaluation,
// unsolicited packets meet the policy), verdicts, reasons, log and counters,
// state expiry, the table-full fail-closed path, non-first fragments, and
// atomic reload: a failed compile keeps the old ruleset, the epoch says when
// the old storage may be reused, and states survive a reload.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/fw/fw.h"
#include "net/fw/fw_icmp.h"
#include "tests/unit/fw_test.h"

#define LAN0   0
#define WAN0   1
#define HOST   IP4(198, 18, 0, 2)
#define SERVER IP4(192, 0, 2, 1)

#define CAP 256
static struct fw_state states[CAP];
static uint32_t buckets[2 * CAP];
static struct fw fw;
static struct fw_ruleset rs_a, rs_b;
static struct fw_rule_counters cnt_a[FW_RULES_MAX], cnt_b[FW_RULES_MAX];
static const char *const names[] = {"lan0", "wan0"};
static const struct fw_ifnames ifs = {names, 2};
static uint8_t buf[256];
static struct fw_pkt pkt;

static int compile_into(struct fw_ruleset *rs, struct fw_rule_counters *c, const char *const *rules)
{
    struct fw_line lines[16];
    unsigned n = 0;
    for (; rules[n]; n++)
        lines[n] = (struct fw_line){rules[n], n + 1, FW_LINE_RULE};
    struct fw_error err;
    return fw_rules_compile(lines, n, &ifs, rs, c, &err);
}

// The firewall of a small office: nothing comes in unless it answers.
static const char *const office[] = {
    "policy wan0 in block",
    "pass out on wan0 proto tcp",
    "pass out on wan0 proto udp",
    "pass out on wan0 proto icmp icmp-type echoreq",
    "reject log in on wan0 proto tcp to port 113",
    "pass in on wan0 proto tcp to port 22 no state",
    NULL,
};

static void setup_with(const char *const *rules, uint32_t cap)
{
    assert_int_equal(fw_init(&fw, states, cap, buckets, 2 * CAP, 1, 2), FW_OK);
    if (!rules)
        return;
    assert_int_equal(compile_into(&rs_a, cnt_a, rules), FW_OK);
    assert_int_equal(fw_publish(&fw, &rs_a, NULL, NULL), FW_OK);
}

static enum fw_verdict filter(size_t len, unsigned ifi, enum fw_dir dir, uint64_t now)
{
    assert_int_equal(fw_pkt_parse(&pkt, buf, len, 0), FW_R_OK);
    return fw_filter(&fw, &pkt, ifi, dir, now);
}

static enum fw_verdict out_tcp(uint16_t sp, uint8_t flags, uint64_t now)
{
    return filter(t_tcp(buf, HOST, SERVER, sp, 80, flags, 0), WAN0, FW_OUT, now);
}

static enum fw_verdict in_tcp(uint16_t dp, uint8_t flags, uint64_t now)
{
    return filter(t_tcp(buf, SERVER, HOST, 80, dp, flags, 0), WAN0, FW_IN, now);
}

static void test_no_ruleset_passes(void **state)
{
    (void)state;
    setup_with(NULL, CAP);
    assert_int_equal(in_tcp(1, FW_TCP_ACK, 0), FW_PASS);
    assert_int_equal(fw.conn.n, 0);
}

static void test_stateful_tcp(void **state)
{
    (void)state;
    setup_with(office, CAP);
    // Unsolicited: blocked by the policy.
    assert_int_equal(in_tcp(40000, FW_TCP_SYN | FW_TCP_ACK, 0), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_POLICY);
    assert_int_equal(pkt.rule, -1);
    // Out: rule 0 (the policy line is not a rule) creates a state.
    assert_int_equal(out_tcp(40000, FW_TCP_SYN, 1), FW_PASS);
    assert_int_equal(pkt.rule, 0);
    assert_int_equal(fw.conn.n, 1);
    assert_int_equal(atomic_load(&cnt_a[0].states), 1);
    // The answer passes through the state; the handshake and data follow.
    assert_int_equal(in_tcp(40000, FW_TCP_SYN | FW_TCP_ACK, 2), FW_PASS);
    assert_int_equal(pkt.rule, -1);
    assert_int_equal(out_tcp(40000, FW_TCP_ACK, 3), FW_PASS);
    assert_int_equal(in_tcp(40000, FW_TCP_ACK | FW_TCP_PSH, 4), FW_PASS);
    uint32_t cursor = 0;
    const struct fw_state *s = fw_conn_next(&fw.conn, &cursor);
    assert_int_equal(s->state, FW_CS_ESTABLISHED);
    assert_int_equal(s->rule, 0);
    // Packets of the state count on the rule that created it.
    assert_int_equal(atomic_load(&cnt_a[0].packets), 4);
    assert_int_equal(atomic_load(&cnt_a[0].bytes), 160);
    assert_int_equal(atomic_load(&fw.state_hits), 3);
    // A RST closes it; after the CLOSED timeout, answers are unsolicited again.
    assert_int_equal(in_tcp(40000, FW_TCP_RST, 5), FW_PASS);
    assert_int_equal(s->state, FW_CS_CLOSED);
    assert_int_equal(in_tcp(40000, FW_TCP_ACK, 5 + FW_TO_TCP_CLOSED), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_POLICY);
    // A mid-stream ACK going out matches no stateful rule (flags S/SA), so
    // the interface policy (pass) lets it out without a state.
    assert_int_equal(out_tcp(40001, FW_TCP_ACK, 10), FW_PASS);
    assert_int_equal(pkt.rule, -1);
    assert_int_equal(fw.conn.n, 0);
}

static void test_reject_log_and_no_state(void **state)
{
    (void)state;
    setup_with(office, CAP);
    assert_int_equal(in_tcp(113, FW_TCP_SYN, 0), FW_REJECT);
    assert_int_equal(pkt.reason, FW_R_REJECT);
    assert_int_equal(pkt.rule, 3);
    assert_true(pkt.log);
    assert_int_equal(atomic_load(&fw.drops[FW_R_REJECT]), 1);
    assert_int_equal(in_tcp(22, FW_TCP_SYN, 0), FW_PASS);
    assert_false(pkt.log);
    assert_int_equal(fw.conn.n, 0); // no state
    assert_int_equal(in_tcp(22, FW_TCP_ACK, 0), FW_PASS);
    assert_int_equal(atomic_load(&cnt_a[4].packets), 2);
}

static void test_udp_and_icmp(void **state)
{
    (void)state;
    setup_with(office, CAP);
    assert_int_equal(filter(t_udp(buf, HOST, SERVER, 5353, 53, 8, true), WAN0, FW_OUT, 0), FW_PASS);
    assert_int_equal(filter(t_udp(buf, SERVER, HOST, 53, 5353, 8, true), WAN0, FW_IN, 1000),
                     FW_PASS);
    // Two-way UDP lives 120 s after the last packet.
    assert_int_equal(
        filter(t_udp(buf, SERVER, HOST, 53, 5353, 8, true), WAN0, FW_IN, 1000 + 119999), FW_PASS);
    assert_int_equal(filter(t_udp(buf, SERVER, HOST, 53, 5353, 8, true), WAN0, FW_IN,
                            1000 + 119999 + FW_TO_UDP_MULTIPLE),
                     FW_BLOCK);
    // Echo: the reply with the same id passes, another id does not.
    assert_int_equal(filter(t_icmp(buf, HOST, SERVER, FW_ICMP_ECHO, 0, 9, 1), WAN0, FW_OUT, 0),
                     FW_PASS);
    assert_int_equal(filter(t_icmp(buf, SERVER, HOST, FW_ICMP_ECHOREPLY, 0, 9, 1), WAN0, FW_IN, 1),
                     FW_PASS);
    assert_int_equal(filter(t_icmp(buf, SERVER, HOST, FW_ICMP_ECHOREPLY, 0, 10, 1), WAN0, FW_IN, 1),
                     FW_BLOCK);
    // Nor does an echo request from outside.
    assert_int_equal(filter(t_icmp(buf, SERVER, HOST, FW_ICMP_ECHO, 0, 9, 1), WAN0, FW_IN, 1),
                     FW_BLOCK);
}

static void test_related_icmp_error(void **state)
{
    (void)state;
    setup_with(office, CAP);
    uint8_t err[FW_REPLY_MAX];
    assert_int_equal(out_tcp(40000, FW_TCP_SYN, 0), FW_PASS);
    int len = fw_build_icmp_time_exceeded(&pkt, IP4(192, 0, 2, 254), err, sizeof(err));
    assert_int_equal(len, 56);
    memcpy(buf, err, (size_t)len);
    assert_int_equal(filter((size_t)len, WAN0, FW_IN, 1), FW_PASS); // related to the state
    assert_memory_equal(buf, err, (size_t)len);                     // no NAT: untouched
    assert_int_equal(out_tcp(40001, FW_TCP_ACK, 0), FW_PASS);       // no state
    len = fw_build_icmp_time_exceeded(&pkt, IP4(192, 0, 2, 254), err, sizeof(err));
    memcpy(buf, err, (size_t)len);
    assert_int_equal(filter((size_t)len, WAN0, FW_IN, 1), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_POLICY);
}

static void test_table_full_fails_closed(void **state)
{
    (void)state;
    static const char *const all[] = {"policy any in block", "pass out proto tcp flags any", NULL};
    setup_with(all, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(out_tcp((uint16_t)(100 + i), FW_TCP_ACK, 0), FW_PASS); // established
    assert_int_equal(fw.conn.n, 4);
    assert_int_equal(out_tcp(200, FW_TCP_SYN, 1), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_STATE_FULL);
    assert_int_equal(atomic_load(&fw.drops[FW_R_STATE_FULL]), 1);
    assert_int_equal(fw.conn.full_drops, 1);
    // The established flows are intact and still answered.
    for (int i = 0; i < 4; i++)
        assert_int_equal(in_tcp((uint16_t)(100 + i), FW_TCP_ACK, 2), FW_PASS);
}

static void test_fragments(void **state)
{
    (void)state;
    static const char *const rules[] = {"policy wan0 in block",
                                        "pass in on wan0 proto udp from 192.0.2.0/24 no state",
                                        "pass in on wan0 proto udp to port 53", NULL};
    setup_with(rules, CAP);
    size_t n = t_udp(buf, SERVER, HOST, 1, 53, 40, true);
    t_put16(buf + 6, 4);
    t_put16(buf + 10, 0);
    t_put16(buf + 10, (uint16_t)~t_sum(0, buf, 20));
    assert_int_equal(filter(n, WAN0, FW_IN, 0), FW_PASS); // by rule 0, on addresses
    assert_int_equal(pkt.rule, 0);
    assert_int_equal(fw.conn.n, 0);
    t_put32(buf + 12, IP4(203, 0, 113, 1)); // another source: the port rule cannot match
    t_put16(buf + 10, 0);
    t_put16(buf + 10, (uint16_t)~t_sum(0, buf, 20));
    assert_int_equal(filter(n, WAN0, FW_IN, 0), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_POLICY);
}

static void test_reload(void **state)
{
    (void)state;
    setup_with(office, CAP);
    assert_int_equal(out_tcp(40000, FW_TCP_SYN, 0), FW_PASS); // a state under ruleset A
    // A failed compile into the spare storage cannot be published.
    static const char *const bad[] = {"pass all", "pass proto tcpp all", NULL};
    assert_int_equal(compile_into(&rs_b, cnt_b, bad), FW_EVALUE);
    struct fw_ruleset *old = NULL;
    uint64_t epoch = 0;
    assert_int_equal(fw_publish(&fw, &rs_b, &old, &epoch), FW_EINVAL);
    assert_ptr_equal(atomic_load(&fw.rules), &rs_a);
    assert_int_equal(in_tcp(9999, FW_TCP_SYN, 1), FW_BLOCK); // A still decides
    // A good one replaces it: everything is let in now.
    static const char *const open[] = {"pass in all no state", NULL};
    assert_int_equal(compile_into(&rs_b, cnt_b, open), FW_OK);
    fw_quiescent(&fw);
    assert_int_equal(fw_publish(&fw, &rs_b, &old, &epoch), FW_OK);
    assert_ptr_equal(old, &rs_a);
    assert_int_equal(epoch, 1);
    assert_false(fw_reclaimable(&fw, epoch)); // the data path may still hold A
    assert_int_equal(in_tcp(9999, FW_TCP_SYN, 2), FW_PASS);
    assert_int_equal(pkt.rule, 0);
    fw_quiescent(&fw); // end of the batch
    assert_true(fw_reclaimable(&fw, epoch));
    // The state made under A survives, and its packets do not count on B's rules.
    assert_int_equal(in_tcp(40000, FW_TCP_SYN | FW_TCP_ACK, 3), FW_PASS);
    assert_int_equal(pkt.rule, -1);
    assert_int_equal(atomic_load(&cnt_b[0].packets), 1);
    assert_int_equal(rs_b.gen, rs_a.gen + 1);
}

static void test_bad_calls(void **state)
{
    (void)state;
    assert_int_equal(fw_init(NULL, states, CAP, buckets, CAP, 0, 0), FW_EINVAL);
    assert_int_equal(fw_init(&fw, states, CAP, buckets, 3, 0, 0), FW_EINVAL);
    fw_count_drop(&fw, FW_R_COUNT); // ignored
    fw_count_drop(&fw, FW_R_BAD_CHECKSUM);
    assert_int_equal(atomic_load(&fw.drops[FW_R_BAD_CHECKSUM]), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_ruleset_passes),
        cmocka_unit_test(test_stateful_tcp),
        cmocka_unit_test(test_reject_log_and_no_state),
        cmocka_unit_test(test_udp_and_icmp),
        cmocka_unit_test(test_related_icmp_error),
        cmocka_unit_test(test_table_full_fails_closed),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_bad_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
