// SPDX-License-Identifier: MIT
// Unit tests of connection tracking (net/fw/fw_conn.c): the TCP state machine
// through handshake, data, FIN/FIN/ACK, RST and port reuse; timeouts; UDP and
// ICMP echo pseudo-states; lookups from the reply direction only; eviction
// order when the table is full (expired, then embryonic or closing, never
// established; else fail closed and count); sweeping, iteration and the
// console line; and a randomized insert/lookup/remove run.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/fw/fw_conn.h"
#include "net/fw/fw_fmt.h"
#include "net/fw/fw_rules.h"
#include "tests/unit/fw_test.h"

#define CAP 4096
static struct fw_state states[CAP];
static uint32_t buckets[2 * CAP];
static struct fw_conn_table t;
static uint8_t buf[256];
static struct fw_pkt pkt;

#define A IP4(198, 18, 0, 2)
#define B IP4(192, 0, 2, 1)

static void setup_table(uint32_t cap)
{
    assert_int_equal(fw_conn_init(&t, states, cap, buckets, 2 * CAP, 0x1234, 0x5678), 0);
}

// A TCP packet from A:1000 to B:80 (side 0) or back (side 1).
static struct fw_pkt *tcp(unsigned side, uint8_t flags)
{
    size_t n = side ? t_tcp(buf, B, A, 80, 1000, flags, 0) : t_tcp(buf, A, B, 1000, 80, flags, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    return &pkt;
}

// Looks p up as seen in direction dir; returns the entry and checks the side.
static struct fw_state *find(unsigned dir, const struct fw_pkt *p, unsigned want_side, uint64_t now)
{
    struct fw_tuple k = fw_tuple_of(p);
    unsigned side = 9;
    struct fw_state *s = fw_conn_lookup(&t, dir, &k, &side, now);
    if (s)
        assert_int_equal(side, want_side);
    return s;
}

// Sends p on side at now: finds its state and tracks it.
static struct fw_state *step(unsigned side, uint8_t flags, uint64_t now)
{
    struct fw_pkt *p = tcp(side, flags);
    struct fw_state *s = find(FW_IN ^ side, p, side, now);
    assert_non_null(s);
    fw_conn_track(&t, s, side, p, now);
    return s;
}

static struct fw_state *new_tcp(uint8_t flags, uint64_t now)
{
    struct fw_pkt *p = tcp(0, flags);
    struct fw_tuple o = fw_tuple_of(p);
    return fw_conn_insert(&t, FW_IN, &o, &o, p, now);
}

static void test_tcp_lifecycle(void **state)
{
    (void)state;
    setup_table(CAP);
    struct fw_state *s = new_tcp(FW_TCP_SYN, 0);
    assert_non_null(s);
    assert_int_equal(s->state, FW_CS_SYN_SENT);
    assert_int_equal(s->expire_ms, FW_TO_TCP_EMBRYONIC);
    assert_ptr_equal(step(0, FW_TCP_SYN, 1), s); // a retransmitted SYN
    assert_int_equal(s->state, FW_CS_SYN_SENT);
    step(1, FW_TCP_SYN | FW_TCP_ACK, 2);
    assert_int_equal(s->state, FW_CS_SYN_RECEIVED);
    step(0, FW_TCP_ACK, 3);
    assert_int_equal(s->state, FW_CS_ESTABLISHED);
    assert_int_equal(s->expire_ms, 3 + FW_TO_TCP_ESTABLISHED);
    step(0, FW_TCP_ACK | FW_TCP_PSH, 4);
    step(1, FW_TCP_ACK, 5);
    assert_int_equal(s->state, FW_CS_ESTABLISHED);
    step(0, FW_TCP_FIN | FW_TCP_ACK, 6);
    assert_int_equal(s->state, FW_CS_FIN_WAIT);
    assert_int_equal(s->expire_ms, 6 + FW_TO_TCP_CLOSING);
    step(1, FW_TCP_ACK, 7);
    assert_int_equal(s->state, FW_CS_FIN_WAIT);
    step(1, FW_TCP_FIN | FW_TCP_ACK, 8);
    assert_int_equal(s->state, FW_CS_CLOSING);
    step(0, FW_TCP_ACK, 9);
    assert_int_equal(s->state, FW_CS_TIME_WAIT);
    assert_int_equal(s->expire_ms, 9 + FW_TO_TCP_TIME_WAIT);
    assert_int_equal(s->packets[0], 5); // the creating packet is counted by fw_filter()
    assert_int_equal(s->packets[1], 4);
    assert_int_equal(s->bytes[0], 5 * 40);
    // It lives until its timeout, then lookups no longer find it.
    assert_non_null(find(FW_IN, tcp(0, FW_TCP_ACK), 0, 9 + FW_TO_TCP_TIME_WAIT - 1));
    assert_null(find(FW_IN, tcp(0, FW_TCP_ACK), 0, 9 + FW_TO_TCP_TIME_WAIT));
    assert_int_equal(t.n, 0);
    assert_int_equal(t.expired, 1);
}

static void test_tcp_rst_and_reuse(void **state)
{
    (void)state;
    setup_table(CAP);
    struct fw_state *s = new_tcp(FW_TCP_SYN, 0);
    step(1, FW_TCP_SYN | FW_TCP_ACK, 1);
    step(0, FW_TCP_ACK, 2);
    step(1, FW_TCP_RST, 3);
    assert_int_equal(s->state, FW_CS_CLOSED);
    assert_int_equal(s->expire_ms, 3 + FW_TO_TCP_CLOSED);
    // A new SYN on the same ports starts over.
    step(0, FW_TCP_SYN, 4);
    assert_int_equal(s->state, FW_CS_SYN_SENT);
    // RST during the handshake closes too.
    step(0, FW_TCP_RST | FW_TCP_ACK, 5);
    assert_int_equal(s->state, FW_CS_CLOSED);
    // A flow picked up mid-stream starts established.
    fw_conn_remove(&t, s);
    s = new_tcp(FW_TCP_ACK, 10);
    assert_int_equal(s->state, FW_CS_ESTABLISHED);
}

static void test_timeouts(void **state)
{
    (void)state;
    setup_table(CAP);
    new_tcp(FW_TCP_SYN, 0);
    assert_non_null(find(FW_IN, tcp(0, FW_TCP_SYN), 0, FW_TO_TCP_EMBRYONIC - 1));
    assert_null(find(FW_IN, tcp(0, FW_TCP_SYN), 0, FW_TO_TCP_EMBRYONIC));
    struct fw_state *s = new_tcp(FW_TCP_SYN, 0);
    step(1, FW_TCP_SYN | FW_TCP_ACK, 0);
    step(0, FW_TCP_ACK, 0);
    uint64_t day = 24ull * 3600 * 1000;
    assert_ptr_equal(find(FW_OUT, tcp(1, FW_TCP_ACK), 1, day - 1), s);
    assert_null(find(FW_OUT, tcp(1, FW_TCP_ACK), 1, day));
}

static void test_reply_direction(void **state)
{
    (void)state;
    setup_table(CAP);
    new_tcp(FW_TCP_SYN, 0);
    // The original tuple in the other direction, and the reverse tuple in the
    // same direction, are not this flow.
    assert_null(find(FW_OUT, tcp(0, FW_TCP_SYN), 0, 1));
    assert_null(find(FW_IN, tcp(1, FW_TCP_SYN | FW_TCP_ACK), 1, 1));
    assert_non_null(find(FW_OUT, tcp(1, FW_TCP_SYN | FW_TCP_ACK), 1, 1));
    // Another source port is another flow.
    size_t n = t_tcp(buf, B, A, 80, 1001, FW_TCP_ACK, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_null(find(FW_OUT, &pkt, 1, 1));
}

static void test_udp_icmp(void **state)
{
    (void)state;
    setup_table(CAP);
    size_t n = t_udp(buf, A, B, 5000, 53, 10, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    struct fw_tuple o = fw_tuple_of(&pkt);
    struct fw_state *s = fw_conn_insert(&t, FW_OUT, &o, &o, &pkt, 0);
    assert_int_equal(s->state, FW_CS_UDP_SINGLE);
    assert_int_equal(s->expire_ms, FW_TO_UDP_SINGLE);
    fw_conn_track(&t, s, 0, &pkt, 10);
    assert_int_equal(s->state, FW_CS_UDP_SINGLE);
    n = t_udp(buf, B, A, 53, 5000, 30, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_ptr_equal(find(FW_IN, &pkt, 1, 20), s);
    fw_conn_track(&t, s, 1, &pkt, 20);
    assert_int_equal(s->state, FW_CS_UDP_MULTIPLE);
    assert_int_equal(s->expire_ms, 20 + FW_TO_UDP_MULTIPLE);
    assert_int_equal(s->bytes[1], 58);

    n = t_icmp(buf, A, B, FW_ICMP_ECHO, 0, 77, 1);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    o = fw_tuple_of(&pkt);
    s = fw_conn_insert(&t, FW_OUT, &o, &o, &pkt, 0);
    assert_int_equal(s->state, FW_CS_ICMP);
    assert_int_equal(s->expire_ms, FW_TO_ICMP);
    n = t_icmp(buf, B, A, FW_ICMP_ECHOREPLY, 0, 77, 1);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_ptr_equal(find(FW_IN, &pkt, 1, 5), s);
    n = t_icmp(buf, B, A, FW_ICMP_ECHOREPLY, 0, 78, 1); // another id
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_null(find(FW_IN, &pkt, 1, 5));
}

// Inserts a TCP flow with source port sp, established or embryonic.
static struct fw_state *flow(uint16_t sp, bool established, uint64_t now)
{
    size_t n = t_tcp(buf, A, B, sp, 80, established ? FW_TCP_ACK : FW_TCP_SYN, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    struct fw_tuple o = fw_tuple_of(&pkt);
    return fw_conn_insert(&t, FW_IN, &o, &o, &pkt, now);
}

static unsigned count_state(uint8_t st)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < t.cap; i++)
        n += states[i].state == st;
    return n;
}

static void test_full_evicts_embryonic_never_established(void **state)
{
    (void)state;
    setup_table(8);
    for (int i = 0; i < 4; i++)
        assert_non_null(flow((uint16_t)(100 + i), true, 0));
    for (int i = 0; i < 4; i++)
        assert_non_null(flow((uint16_t)(200 + i), false, 0));
    assert_int_equal(t.n, 8);
    for (int i = 0; i < 4; i++) {
        assert_non_null(flow((uint16_t)(300 + i), true, 1));
        assert_int_equal(count_state(FW_CS_ESTABLISHED), 5 + i);
    }
    assert_int_equal(t.evictions, 4);
    // All established: the next new flow fails closed and is counted.
    assert_null(flow(400, false, 2));
    assert_int_equal(t.full_drops, 1);
    assert_int_equal(t.n, 8);
    assert_int_equal(count_state(FW_CS_ESTABLISHED), 8);
    // Every established flow is still found.
    for (int i = 0; i < 4; i++) {
        size_t n = t_tcp(buf, A, B, (uint16_t)(100 + i), 80, FW_TCP_ACK, 0);
        assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
        assert_non_null(find(FW_IN, &pkt, 0, 3));
    }
}

static void test_full_evicts_expired_first(void **state)
{
    (void)state;
    setup_table(8);
    struct fw_state *old = flow(100, true, 0); // expires after a day
    for (int i = 0; i < 7; i++)
        flow((uint16_t)(200 + i), false, FW_TO_TCP_ESTABLISHED);
    uint64_t now = FW_TO_TCP_ESTABLISHED + 1;
    struct fw_state *s = flow(300, false, now);
    assert_ptr_equal(s, old); // the expired entry's slot was reused
    assert_int_equal(t.expired, 1);
    assert_int_equal(t.evictions, 0);
    assert_int_equal(count_state(FW_CS_SYN_SENT), 8);
}

static void test_expire_sweep_and_iterate(void **state)
{
    (void)state;
    setup_table(64);
    for (int i = 0; i < 10; i++)
        flow((uint16_t)(100 + i), i < 4, 0);
    uint32_t cursor = 0;
    unsigned seen = 0;
    while (fw_conn_next(&t, &cursor))
        seen++;
    assert_int_equal(seen, 10);
    assert_int_equal(fw_conn_expire(&t, FW_TO_TCP_EMBRYONIC, 64), 6);
    assert_int_equal(t.n, 4);
    assert_int_equal(fw_conn_expire(&t, FW_TO_TCP_EMBRYONIC, 64), 0);
    assert_int_equal(fw_conn_expire(&t, FW_TO_TCP_ESTABLISHED, 64), 4);
    assert_int_equal(t.n, 0);
    cursor = 0;
    assert_null(fw_conn_next(&t, &cursor));
}

static void test_format_state(void **state)
{
    (void)state;
    static const char *const names[] = {"lan0", "wan0"};
    struct fw_ifnames ifs = {names, 2};
    setup_table(CAP);
    struct fw_state *s = new_tcp(FW_TCP_SYN, 1000);
    s->ifindex = 0;
    s->rule = 3;
    char b[200];
    fw_state_format(s, &ifs, 1500, b, sizeof(b));
    assert_string_equal(b, "tcp in lan0 198.18.0.2:1000 -> 192.0.2.1:80 SYN_SENT expires 30s "
                           "pkts 0:0 bytes 0:0 rule 3");
    s->nat = FW_NAT_SNAT;
    s->xlat.src = IP4(203, 0, 113, 1);
    s->xlat.sport = 50000;
    s->dir = FW_OUT;
    s->ifindex = 1;
    s->rule = -1;
    fw_state_format(s, &ifs, 1000 + FW_TO_TCP_EMBRYONIC, b, sizeof(b));
    assert_string_equal(b, "tcp out wan0 198.18.0.2:1000 -> 192.0.2.1:80 nat 203.0.113.1:50000 "
                           "SYN_SENT expires 0s pkts 0:0 bytes 0:0");
}

static void test_random_churn(void **state)
{
    (void)state;
    setup_table(CAP);
    static struct fw_tuple live[CAP];
    static struct fw_state *ptr[CAP];
    unsigned n = 0;
    srand(99);
    for (int iter = 0; iter < 20000; iter++) {
        if (n < CAP - 1 && (n == 0 || rand() % 3)) {
            struct fw_tuple o = {(uint32_t)rand(), (uint32_t)rand(), (uint16_t)rand(),
                                 (uint16_t)rand(), FW_PROTO_UDP};
            struct fw_tuple r = fw_tuple_reverse(o);
            unsigned side;
            if (fw_conn_lookup(&t, FW_IN, &o, &side, 0) || fw_conn_lookup(&t, FW_OUT, &r, &side, 0))
                continue;
            pkt.proto = FW_PROTO_UDP;
            ptr[n] = fw_conn_insert(&t, FW_IN, &o, &o, &pkt, 0);
            assert_non_null(ptr[n]);
            live[n++] = o;
        } else {
            unsigned i = (unsigned)rand() % n;
            fw_conn_remove(&t, ptr[i]);
            live[i] = live[--n];
            ptr[i] = ptr[n];
        }
        if (iter % 1000 == 0) {
            for (unsigned i = 0; i < n; i++) {
                unsigned side;
                struct fw_tuple r = fw_tuple_reverse(live[i]);
                assert_ptr_equal(fw_conn_lookup(&t, FW_IN, &live[i], &side, 1), ptr[i]);
                assert_int_equal(side, 0);
                assert_ptr_equal(fw_conn_lookup(&t, FW_OUT, &r, &side, 1), ptr[i]);
                assert_int_equal(side, 1);
            }
            assert_int_equal(t.n, n);
        }
    }
}

static void test_bad_init(void **state)
{
    (void)state;
    assert_int_equal(fw_conn_init(&t, states, 8, buckets, 12, 0, 0), -1);
    assert_int_equal(fw_conn_init(&t, states, 0, buckets, 16, 0, 0), -1);
    assert_int_equal(fw_conn_init(&t, NULL, 8, buckets, 16, 0, 0), -1);
    assert_string_equal(fw_conn_state_name(FW_CS_ESTABLISHED), "ESTABLISHED");
    assert_string_equal(fw_conn_state_name(99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_lifecycle),
        cmocka_unit_test(test_tcp_rst_and_reuse),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_reply_direction),
        cmocka_unit_test(test_udp_icmp),
        cmocka_unit_test(test_full_evicts_embryonic_never_established),
        cmocka_unit_test(test_full_evicts_expired_first),
        cmocka_unit_test(test_expire_sweep_and_iterate),
        cmocka_unit_test(test_format_state),
        cmocka_unit_test(test_random_churn),
        cmocka_unit_test(test_bad_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
