// SPDX-License-Identifier: MIT
// Unit tests of NAT (net/fw/fw_nat.c) through fw_filter(), as a router sees
// it: masquerade of TCP, UDP (with and without checksum, and with checksum
// offload pending) and ICMP echo, replies translated back, checksums verified
// by recomputing them from scratch, unique port allocation, an exhausted range
// failing closed, port forwarding (rdr) both ways, address-only NAT of other
// protocols and fragments, and an interface without an address.
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
#include "net/fw/fw_nat.h"
#include "tests/unit/fw_test.h"

#define LAN0     0
#define WAN0     1
#define HOST     IP4(198, 18, 0, 2)
#define WAN_ADDR IP4(203, 0, 113, 5)
#define SERVER   IP4(192, 0, 2, 1)

#define CAP 1024
static struct fw_state states[CAP];
static uint32_t buckets[2 * CAP];
static struct fw fw;
static struct fw_ruleset rs;
static struct fw_rule_counters counters[FW_RULES_MAX];
static const char *const names[] = {"lan0", "wan0"};
static const struct fw_ifnames ifs = {names, 2};
static uint8_t buf[256];
static struct fw_pkt pkt;

// Sets up fw with rule lines then nat lines (NULL-terminated lists).
static void setup(const char *const *rules, const char *const *nats)
{
    struct fw_line lines[16];
    unsigned n = 0;
    for (; rules && *rules; rules++, n++)
        lines[n] = (struct fw_line){*rules, n + 1, FW_LINE_RULE};
    for (; nats && *nats; nats++, n++)
        lines[n] = (struct fw_line){*nats, n + 1, FW_LINE_NAT};
    assert_int_equal(fw_init(&fw, states, CAP, buckets, 2 * CAP, 11, 22), FW_OK);
    struct fw_error err;
    int st = fw_rules_compile(lines, n, &ifs, &rs, counters, &err);
    if (st)
        print_error("%s\n", err.msg);
    assert_int_equal(st, FW_OK);
    assert_int_equal(fw_publish(&fw, &rs, NULL, NULL), FW_OK);
    fw_set_if_addr(&fw, LAN0, IP4(198, 18, 0, 1));
    fw_set_if_addr(&fw, WAN0, WAN_ADDR);
}

static const char *const masq[] = {"on wan0 from 198.18.0.0/24 -> (wan0)", NULL};

// Forwards buf (len bytes, parse flags pflags) from in_if to out_if: both
// filter passes. Returns the verdict of the first pass that does not pass.
static enum fw_verdict forward(size_t len, unsigned in_if, unsigned out_if, unsigned pflags)
{
    assert_int_equal(fw_pkt_parse(&pkt, buf, len, pflags), FW_R_OK);
    enum fw_verdict v = fw_filter(&fw, &pkt, in_if, FW_IN, 1000);
    if (v != FW_PASS)
        return v;
    v = fw_filter(&fw, &pkt, out_if, FW_OUT, 1000);
    if (v == FW_PASS) {
        assert_true(t_ip_csum_ok(buf));
        assert_true(t_l4_csum_ok(buf));
    }
    return v;
}

static void test_masquerade_tcp(void **state)
{
    (void)state;
    setup(NULL, masq);
    size_t n = t_tcp(buf, HOST, SERVER, 40000, 80, FW_TCP_SYN, 12);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    assert_int_equal(t_get32(buf + 16), SERVER);
    uint16_t ext = t_get16(buf + 20);
    assert_true(ext >= FW_NAT_PORT_LO);
    assert_int_equal(t_get16(buf + 22), 80);
    assert_int_equal(pkt.src, WAN_ADDR);
    assert_int_equal(pkt.sport, ext);
    // No rule keeps state, so the only state is the NAT binding out on wan0.
    assert_int_equal(fw.conn.n, 1);
    // The reply comes back to the translated address and is translated back.
    n = t_tcp(buf, SERVER, WAN_ADDR, 80, ext, FW_TCP_SYN | FW_TCP_ACK, 0);
    assert_int_equal(forward(n, WAN0, LAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 16), HOST);
    assert_int_equal(t_get16(buf + 22), 40000);
    assert_int_equal(t_get32(buf + 12), SERVER);
    // More data, the same binding.
    n = t_tcp(buf, HOST, SERVER, 40000, 80, FW_TCP_ACK, 100);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    assert_int_equal(t_get16(buf + 20), ext);
    assert_int_equal(fw.conn.n, 1);
    assert_int_equal(atomic_load(&fw.states_created), 1);
    // A packet to the external port from elsewhere is not translated.
    n = t_tcp(buf, IP4(192, 0, 2, 99), WAN_ADDR, 80, ext, FW_TCP_ACK, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_IN, 1000), FW_PASS);
    assert_int_equal(t_get32(buf + 16), WAN_ADDR);
}

static void test_masquerade_udp(void **state)
{
    (void)state;
    setup(NULL, masq);
    size_t n = t_udp(buf, HOST, SERVER, 5353, 53, 21, true);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    uint16_t ext = t_get16(buf + 20);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    assert_int_not_equal(t_get16(buf + 26), 0);
    n = t_udp(buf, SERVER, WAN_ADDR, 53, ext, 40, true);
    assert_int_equal(forward(n, WAN0, LAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 16), HOST);
    assert_int_equal(t_get16(buf + 22), 5353);
    // Without a checksum: it stays 0 both ways.
    n = t_udp(buf, HOST, SERVER, 5354, 53, 21, false);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    assert_int_equal(t_get16(buf + 26), 0);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    ext = t_get16(buf + 20);
    n = t_udp(buf, SERVER, WAN_ADDR, 53, ext, 3, false);
    assert_int_equal(forward(n, WAN0, LAN0, 0), FW_PASS);
    assert_int_equal(t_get16(buf + 26), 0);
    assert_int_equal(t_get16(buf + 22), 5354);
}

// The folded, uncomplemented pseudo-header sum, as a NIC expects it in the
// checksum field when it is to finish the checksum.
static uint16_t pseudo_sum(const uint8_t *ip)
{
    return t_sum(t_pseudo(ip), NULL, 0);
}

static void test_partial_checksum(void **state)
{
    (void)state;
    setup(NULL, masq);
    size_t n = t_tcp(buf, HOST, SERVER, 40000, 80, FW_TCP_SYN, 10);
    t_put16(buf + 36, pseudo_sum(buf));
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, FW_PKT_CSUM_PART), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, LAN0, FW_IN, 0), FW_PASS);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    assert_int_not_equal(t_get16(buf + 20), 40000);
    assert_true(t_ip_csum_ok(buf));
    // The field is the pseudo-header sum of the new addresses; ports do not count.
    assert_int_equal(t_get16(buf + 36), pseudo_sum(buf));
    // The same for UDP, where a field of 0 is no special case.
    n = t_udp(buf, HOST, SERVER, 7000, 53, 10, false);
    t_put16(buf + 26, pseudo_sum(buf));
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, FW_PKT_CSUM_PART), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 0), FW_PASS);
    assert_int_equal(t_get16(buf + 26), pseudo_sum(buf));
}

static void test_masquerade_icmp_echo(void **state)
{
    (void)state;
    setup(NULL, masq);
    size_t n = t_icmp(buf, HOST, SERVER, FW_ICMP_ECHO, 0, 0x1234, 1);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    uint16_t id = t_get16(buf + 24);
    assert_true(id >= FW_NAT_PORT_LO);
    n = t_icmp(buf, SERVER, WAN_ADDR, FW_ICMP_ECHOREPLY, 0, id, 1);
    assert_int_equal(forward(n, WAN0, LAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 16), HOST);
    assert_int_equal(t_get16(buf + 24), 0x1234);
    // An ICMP error from inside is not tracked, but its source is still hidden.
    n = t_icmp(buf, HOST, SERVER, FW_ICMP_UNREACH, 3, 0, 0);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
}

static void test_ports_unique(void **state)
{
    (void)state;
    setup(NULL, masq);
    static uint8_t seen[65536];
    memset(seen, 0, sizeof(seen));
    for (unsigned i = 0; i < 300; i++) {
        // Many hosts, one source port, one server: every flow needs its own port.
        size_t n = t_udp(buf, HOST + i % 200, SERVER, (uint16_t)(1000 + i / 200), 53, 0, true);
        assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
        uint16_t ext = t_get16(buf + 20);
        assert_int_equal(seen[ext], 0);
        seen[ext] = 1;
    }
}

static void test_range_exhausted(void **state)
{
    (void)state;
    const char *const small[] = {"on wan0 from 198.18.0.0/24 -> 203.0.113.9 port 50000-50003",
                                 NULL};
    setup(NULL, small);
    unsigned used = 0;
    for (unsigned i = 0; i < 4; i++) {
        size_t n = t_tcp(buf, HOST, SERVER, (uint16_t)(2000 + i), 443, FW_TCP_SYN, 0);
        assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
        uint16_t ext = t_get16(buf + 20);
        assert_true(ext >= 50000 && ext <= 50003);
        assert_int_equal(t_get32(buf + 12), IP4(203, 0, 113, 9));
        used |= 1u << (ext - 50000);
    }
    assert_int_equal(used, 0xf);
    size_t n = t_tcp(buf, HOST, SERVER, 3000, 443, FW_TCP_SYN, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 1000), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_NAT_EXHAUSTED);
    assert_int_equal(atomic_load(&fw.drops[FW_R_NAT_EXHAUSTED]), 1);
    assert_int_equal(t_get32(buf + 12), HOST); // not rewritten
    // Once the bindings expire, the ports are free again.
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 1000 + FW_TO_TCP_EMBRYONIC), FW_PASS);
}

static void test_rdr(void **state)
{
    (void)state;
    const char *const rdr[] = {"rdr on wan0 proto tcp to port 8080 -> 198.18.0.2 port 80", NULL};
    const char *const rules[] = {"policy wan0 in block", "pass in on wan0 proto tcp to port 8080",
                                 NULL};
    setup(rules, rdr);
    size_t n = t_tcp(buf, SERVER, WAN_ADDR, 5555, 8080, FW_TCP_SYN, 4);
    assert_int_equal(forward(n, WAN0, LAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 16), HOST);
    assert_int_equal(t_get16(buf + 22), 80);
    assert_int_equal(t_get32(buf + 12), SERVER);
    assert_int_equal(t_get16(buf + 20), 5555);
    // The reply leaves from the forwarding address and port.
    n = t_tcp(buf, HOST, SERVER, 80, 5555, FW_TCP_SYN | FW_TCP_ACK, 0);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    assert_int_equal(t_get16(buf + 20), 8080);
    assert_int_equal(t_get32(buf + 16), SERVER);
    // The handshake completes through the state, despite the block policy.
    n = t_tcp(buf, SERVER, WAN_ADDR, 5555, 8080, FW_TCP_ACK, 0);
    assert_int_equal(forward(n, WAN0, LAN0, 0), FW_PASS);
    assert_int_equal(t_get16(buf + 22), 80);
    // Another port is neither redirected nor let in.
    n = t_tcp(buf, SERVER, WAN_ADDR, 5555, 8081, FW_TCP_SYN, 0);
    assert_int_equal(forward(n, WAN0, LAN0, 0), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_POLICY);
}

static void test_other_protocols_and_fragments(void **state)
{
    (void)state;
    setup(NULL, masq);
    size_t n = t_ip(buf, 47, HOST, SERVER, 8);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    assert_true(t_ip_csum_ok(buf));
    n = t_ip(buf, 47, SERVER, WAN_ADDR, 8);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_IN, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 16), HOST);
    // A later fragment going out gets the outside source address.
    n = t_udp(buf, HOST, SERVER, 1, 2, 30, true);
    t_put16(buf + 6, 5);
    t_put16(buf + 10, 0);
    t_put16(buf + 10, (uint16_t)~t_sum(0, buf, 20));
    uint8_t before[64];
    memcpy(before, buf + 20, 38);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), WAN_ADDR);
    assert_true(t_ip_csum_ok(buf));
    assert_memory_equal(buf + 20, before, 38); // the payload is untouched
}

static void test_no_interface_address(void **state)
{
    (void)state;
    setup(NULL, masq);
    fw_set_if_addr(&fw, WAN0, 0); // DHCP has not answered yet
    size_t n = t_tcp(buf, HOST, SERVER, 40000, 80, FW_TCP_SYN, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 0), FW_BLOCK);
    assert_int_equal(pkt.reason, FW_R_NAT_NO_ADDRESS);
    fw_set_if_addr(&fw, WAN0, IP4(203, 0, 113, 77));
    assert_int_equal(fw_filter(&fw, &pkt, WAN0, FW_OUT, 0), FW_PASS);
    assert_int_equal(t_get32(buf + 12), IP4(203, 0, 113, 77));
}

// The ICMP checksum covers the quote; the quoted header's checksum verifies.
static void check_icmp_error(const uint8_t *ip)
{
    assert_true(t_ip_csum_ok(ip));
    assert_true(t_l4_csum_ok(ip));
    assert_true(t_ip_csum_ok(ip + 28));
}

static void test_related_icmp_errors(void **state)
{
    (void)state;
    const char *const rules[] = {"policy wan0 in block", NULL};
    setup(rules, masq);
    size_t n = t_tcp(buf, HOST, SERVER, 40000, 80, FW_TCP_SYN, 100);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    uint16_t ext = t_get16(buf + 20);
    // A router on the path answers the translated packet: fragmentation needed.
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    uint8_t err[FW_REPLY_MAX];
    int len = fw_build_icmp_frag_needed(&pkt, 1280, IP4(192, 0, 2, 254), err, sizeof(err));
    assert_int_equal(len, 56);
    memcpy(buf, err, (size_t)len);
    assert_int_equal(forward((size_t)len, WAN0, LAN0, 0), FW_PASS);
    check_icmp_error(buf);
    assert_int_equal(t_get32(buf + 12), IP4(192, 0, 2, 254));
    assert_int_equal(t_get32(buf + 16), HOST);
    assert_int_equal(t_get32(buf + 28 + 12), HOST); // the quote shows the inside packet
    assert_int_equal(t_get32(buf + 28 + 16), SERVER);
    assert_int_equal(t_get16(buf + 48), 40000);
    assert_int_equal(t_get16(buf + 50), 80);
    assert_int_equal(t_get16(buf + 26), 1280);
    // The same error about another port is not related: the policy blocks it.
    n = t_tcp(buf, WAN_ADDR, SERVER, (uint16_t)(ext + 1), 80, FW_TCP_SYN, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    len = fw_build_icmp_frag_needed(&pkt, 1280, IP4(192, 0, 2, 254), err, sizeof(err));
    memcpy(buf, err, (size_t)len);
    assert_int_equal(forward((size_t)len, WAN0, LAN0, 0), FW_BLOCK);
    // UDP through NAT: the port unreachable comes from the server itself.
    n = t_udp(buf, HOST, SERVER, 7777, 9, 10, true);
    assert_int_equal(forward(n, LAN0, WAN0, 0), FW_PASS);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    len = fw_build_icmp_unreach(&pkt, FW_ICMP_UNREACH_PORT, 0, err, sizeof(err));
    memcpy(buf, err, (size_t)len);
    assert_int_equal(forward((size_t)len, WAN0, LAN0, 0), FW_PASS);
    check_icmp_error(buf);
    assert_int_equal(t_get32(buf + 12), SERVER);
    assert_int_equal(t_get32(buf + 16), HOST);
    assert_int_equal(t_get16(buf + 48), 7777);
}

static void test_rewrite_random(void **state)
{
    (void)state;
    // Random packets and random target tuples: every rewrite keeps valid checksums.
    srand(4242);
    for (int i = 0; i < 3000; i++) {
        uint32_t s = (uint32_t)rand() * 7u, d = (uint32_t)rand() * 13u;
        uint16_t sp = (uint16_t)rand(), dp = (uint16_t)rand();
        size_t n = i % 3 == 0   ? t_tcp(buf, s, d, sp, dp, FW_TCP_ACK, (size_t)(rand() % 50))
                   : i % 3 == 1 ? t_udp(buf, s, d, sp, dp, (size_t)(rand() % 50), true)
                                : t_icmp(buf, s, d, FW_ICMP_ECHO, 0, sp, dp);
        assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
        struct fw_tuple to = {(uint32_t)rand() * 3u, (uint32_t)rand() * 5u, (uint16_t)rand(),
                              pkt.proto == FW_PROTO_ICMP ? 0 : (uint16_t)rand(), pkt.proto};
        fw_nat_rewrite(&pkt, &to);
        assert_true(t_ip_csum_ok(buf));
        assert_true(t_l4_csum_ok(buf));
        assert_int_equal(t_get32(buf + 12), to.src);
        assert_int_equal(t_get32(buf + 16), to.dst);
        assert_int_equal(t_get16(buf + (pkt.proto == FW_PROTO_ICMP ? 24 : 20)), to.sport);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masquerade_tcp),
        cmocka_unit_test(test_masquerade_udp),
        cmocka_unit_test(test_partial_checksum),
        cmocka_unit_test(test_masquerade_icmp_echo),
        cmocka_unit_test(test_ports_unique),
        cmocka_unit_test(test_range_exhausted),
        cmocka_unit_test(test_rdr),
        cmocka_unit_test(test_other_protocols_and_fragments),
        cmocka_unit_test(test_no_interface_address),
        cmocka_unit_test(test_related_icmp_errors),
        cmocka_unit_test(test_rewrite_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
