// SPDX-License-Identifier: MIT
// Unit tests of IPv4 validation (net/fw/fw_pkt.c), the checksum helpers
// (net/fw/fw_csum.c) and the RST and ICMP error builders (net/fw/fw_icmp.c):
// every malformed-packet reason, fragments and options, incremental updates
// checked against full recomputation, and replies that verify and quote the
// right bytes, or are refused.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/fw/fw_csum.h"
#include "net/fw/fw_icmp.h"
#include "net/fw/fw_pkt.h"
#include "tests/unit/fw_test.h"

static uint8_t buf[2048], out[256];
static struct fw_pkt pkt;

#define A IP4(10, 0, 0, 2)
#define B IP4(192, 0, 2, 9)

static void test_parse_tcp(void **state)
{
    (void)state;
    size_t n = t_tcp(buf, A, B, 40000, 80, FW_TCP_SYN, 10);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(pkt.hlen, 20);
    assert_int_equal(pkt.tot_len, n);
    assert_int_equal(pkt.proto, FW_PROTO_TCP);
    assert_int_equal(pkt.src, A);
    assert_int_equal(pkt.dst, B);
    assert_int_equal(pkt.ttl, 64);
    assert_int_equal(pkt.sport, 40000);
    assert_int_equal(pkt.dport, 80);
    assert_int_equal(pkt.tcp_flags, FW_TCP_SYN);
    assert_int_equal(pkt.tcp_hlen, 20);
    assert_int_equal(pkt.tcp_seq, 1000);
    assert_ptr_equal(pkt.l4, buf + 20);
    assert_int_equal(pkt.l4_len, 30);
    assert_int_equal(pkt.flags, 0);
}

static void test_parse_udp_icmp(void **state)
{
    (void)state;
    size_t n = t_udp(buf, A, B, 5353, 53, 4, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n + 100, 0), FW_R_OK); // trailing padding is fine
    assert_int_equal(pkt.tot_len, n);
    assert_int_equal(pkt.sport, 5353);
    assert_int_equal(pkt.dport, 53);
    n = t_icmp(buf, A, B, FW_ICMP_ECHO, 0, 0x4242, 1);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(pkt.icmp_type, FW_ICMP_ECHO);
    assert_int_equal(pkt.sport, 0x4242);
    assert_int_equal(pkt.dport, 0);
    assert_true(pkt.flags & FW_PKT_ECHO);
    n = t_icmp(buf, B, A, FW_ICMP_ECHOREPLY, 0, 0x4242, 1);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(pkt.sport, 0);
    assert_int_equal(pkt.dport, 0x4242);
    n = t_icmp(buf, B, A, FW_ICMP_UNREACH, 3, 0, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(pkt.icmp_code, 3);
    assert_false(pkt.flags & FW_PKT_ECHO);
    // Another protocol: only the IP fields.
    n = t_ip(buf, 47, A, B, 8);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, FW_PKT_CSUM_PART), FW_R_OK);
    assert_int_equal(pkt.proto, 47);
    assert_true(pkt.flags & FW_PKT_CSUM_PART);
}

// Rewrites the header checksum after a test changed the header.
static void refix_ip(void)
{
    t_put16(buf + 10, 0);
    t_put16(buf + 10, (uint16_t)~t_sum(0, buf, (buf[0] & 0xf) * 4u));
}

static void test_options_skipped(void **state)
{
    (void)state;
    // 8 bytes of options (NOP NOP NOP EOL ...), then UDP.
    size_t n = t_udp(buf + 8, A, B, 1, 2, 0, true);
    memmove(buf, buf + 8, 20);
    memset(buf + 20, 0, 8);
    buf[20] = buf[21] = buf[22] = 1;
    buf[0] = 0x47;
    t_put16(buf + 2, (uint16_t)(n + 8));
    refix_ip();
    assert_int_equal(fw_pkt_parse(&pkt, buf, n + 8, 0), FW_R_OK);
    assert_int_equal(pkt.hlen, 28);
    assert_true(pkt.flags & FW_PKT_OPTIONS);
    assert_int_equal(pkt.sport, 1);
    assert_int_equal(pkt.dport, 2);
}

static void expect_reason(size_t len, enum fw_reason r)
{
    assert_int_equal(fw_pkt_parse(&pkt, buf, len, 0), r);
}

static void test_malformed(void **state)
{
    (void)state;
    size_t n = t_tcp(buf, A, B, 1, 2, FW_TCP_SYN, 0);
    expect_reason(19, FW_R_TRUNCATED);
    expect_reason(0, FW_R_TRUNCATED);
    buf[0] = 0x65;
    expect_reason(n, FW_R_BAD_VERSION);
    buf[0] = 0x44;
    expect_reason(n, FW_R_BAD_IHL);
    buf[0] = 0x4f; // 60 bytes: beyond a 40-byte buffer
    expect_reason(n, FW_R_BAD_IHL);
    buf[0] = 0x45;
    t_put16(buf + 2, (uint16_t)(n + 1));
    refix_ip();
    expect_reason(n, FW_R_BAD_LENGTH);
    t_put16(buf + 2, 19);
    refix_ip();
    expect_reason(n, FW_R_BAD_LENGTH);
    buf[0] = 0x46; // 24-byte header, total length 22
    t_put16(buf + 2, 22);
    refix_ip();
    expect_reason(n, FW_R_BAD_LENGTH);
    n = t_tcp(buf, A, B, 1, 2, FW_TCP_SYN, 0);
    buf[10] ^= 1;
    expect_reason(n, FW_R_BAD_CHECKSUM);
    // L4 truncated: total length cuts the TCP header; bad data offset.
    n = t_tcp(buf, A, B, 1, 2, FW_TCP_SYN, 0);
    t_put16(buf + 2, 39);
    refix_ip();
    expect_reason(n, FW_R_L4_TRUNCATED);
    n = t_tcp(buf, A, B, 1, 2, FW_TCP_SYN, 0);
    buf[32] = 6 << 4;
    expect_reason(n, FW_R_L4_TRUNCATED);
    buf[32] = 4 << 4;
    expect_reason(n, FW_R_L4_TRUNCATED);
    n = t_udp(buf, A, B, 1, 2, 0, true);
    t_put16(buf + 2, 27);
    refix_ip();
    expect_reason(n, FW_R_L4_TRUNCATED);
    n = t_icmp(buf, A, B, 8, 0, 1, 1);
    t_put16(buf + 2, 27);
    refix_ip();
    expect_reason(n, FW_R_L4_TRUNCATED);
}

static void test_fragments(void **state)
{
    (void)state;
    // First fragment: MF set, parsed normally.
    size_t n = t_tcp(buf, A, B, 1000, 22, FW_TCP_ACK, 16);
    t_put16(buf + 6, 0x2000);
    refix_ip();
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_true(pkt.flags & FW_PKT_FRAG);
    assert_false(pkt.flags & FW_PKT_LATER);
    assert_int_equal(pkt.dport, 22);
    // Non-first fragment: no L4, ports zero, even if the bytes look like TCP.
    t_put16(buf + 6, 3);
    refix_ip();
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_true(pkt.flags & FW_PKT_LATER);
    assert_null(pkt.l4);
    assert_int_equal(pkt.sport, 0);
    assert_int_equal(pkt.dport, 0);
    assert_int_equal(pkt.frag_off, 3);
    // A later fragment too short for any L4 header is still fine.
    t_put16(buf + 2, 21);
    refix_ip();
    assert_int_equal(fw_pkt_parse(&pkt, buf, 21, 0), FW_R_OK);
    // TCP at offset 8 bytes: RFC 1858 overlap.
    t_put16(buf + 6, 1);
    refix_ip();
    expect_reason(21, FW_R_BAD_FRAGMENT);
    // A first fragment too short for the TCP header.
    n = t_tcp(buf, A, B, 1000, 22, FW_TCP_ACK, 0);
    t_put16(buf + 6, 0x2000);
    t_put16(buf + 2, 28);
    refix_ip();
    expect_reason(n, FW_R_L4_TRUNCATED);
}

static void test_reason_names(void **state)
{
    (void)state;
    for (unsigned r = 0; r < FW_R_COUNT; r++) {
        assert_non_null(fw_reason_name(r));
        assert_string_not_equal(fw_reason_name(r), "?");
    }
    assert_string_equal(fw_reason_name(FW_R_BAD_CHECKSUM), "bad-checksum");
    assert_string_equal(fw_reason_name(FW_R_COUNT), "?");
}

static void test_csum_full_and_incremental(void **state)
{
    (void)state;
    srand(7);
    for (int iter = 0; iter < 2000; iter++) {
        uint8_t d[64];
        for (size_t i = 0; i < sizeof(d); i++)
            d[i] = (uint8_t)rand();
        t_put16(d + 10, 0);
        uint16_t c = (uint16_t)~t_sum(0, d, sizeof(d));
        assert_int_equal(fw_csum_fold(fw_csum_add(0, d, sizeof(d))), t_sum(0, d, sizeof(d)));
        unsigned off = 12 + (unsigned)(rand() % 13) * 4; // clear of the checksum at 10
        if (iter & 1) {
            uint16_t old = t_get16(d + off), nw = (uint16_t)rand();
            t_put16(d + off, nw);
            c = fw_csum_update16(c, old, nw);
        } else {
            uint32_t old = t_get32(d + off), nw = (uint32_t)rand() * 2654435761u;
            t_put32(d + off, nw);
            c = fw_csum_update32(c, old, nw);
        }
        t_put16(d + 10, c);
        assert_int_equal(t_sum(0, d, sizeof(d)), 0xffff);
    }
    uint8_t odd[3] = {1, 2, 3};
    assert_int_equal(fw_csum_fold(fw_csum_add(0, odd, 3)), 0x0102 + 0x0300);
}

static void test_l4_fix_modes(void **state)
{
    (void)state;
    uint8_t f[2];
    // UDP: zero stays zero.
    t_put16(f, 0);
    fw_l4_csum_fix(f, 1, 2, FW_CSUM_UDP | FW_CSUM_PSEUDO | FW_CSUM_WIDE);
    assert_int_equal(t_get16(f), 0);
    // UDP: a result of zero becomes 0xffff. ~(~hc + ~old + new) = 0 when
    // ~hc + ~old + new folds to 0xffff: hc 1, old 0, new 1.
    t_put16(f, 1);
    fw_l4_csum_fix(f, 0, 1, FW_CSUM_UDP);
    assert_int_equal(t_get16(f), 0xffff);
    // Partial: ports leave the field alone; addresses add to the sum.
    t_put16(f, 0x1234);
    fw_l4_csum_fix(f, 80, 8080, FW_CSUM_PARTIAL);
    assert_int_equal(t_get16(f), 0x1234);
    fw_l4_csum_fix(f, 0x0a000002, 0x0a000003, FW_CSUM_PARTIAL | FW_CSUM_PSEUDO | FW_CSUM_WIDE);
    assert_int_equal(t_get16(f), 0x1235);
}

static void test_dec_ttl(void **state)
{
    (void)state;
    size_t n = t_udp(buf, A, B, 1, 2, 0, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_true(fw_pkt_dec_ttl(&pkt));
    assert_int_equal(buf[8], 63);
    assert_true(t_ip_csum_ok(buf));
    buf[8] = 1;
    refix_ip();
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_false(fw_pkt_dec_ttl(&pkt));
    assert_int_equal(buf[8], 1);
}

// Checks an ICMP error in out: valid checksums, addresses, type and quote.
static void check_icmp_error(int len, uint8_t type, uint8_t code, uint32_t src, size_t quote)
{
    assert_int_equal(len, 28 + quote);
    assert_true(t_ip_csum_ok(out));
    assert_true(t_l4_csum_ok(out));
    assert_int_equal(out[9], FW_PROTO_ICMP);
    assert_int_equal(t_get16(out + 2), len);
    assert_int_equal(t_get32(out + 12), src);
    assert_int_equal(t_get32(out + 16), A);
    assert_int_equal(out[20], type);
    assert_int_equal(out[21], code);
    assert_memory_equal(out + 28, buf, quote);
}

static void test_icmp_errors(void **state)
{
    (void)state;
    size_t n = t_udp(buf, A, B, 5000, 53, 40, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    check_icmp_error(fw_build_icmp_unreach(&pkt, 3, 0, out, sizeof(out)), 3, 3, B, 28);
    check_icmp_error(fw_build_reject(&pkt, 0, out, sizeof(out)), 3, 3, B, 28);
    uint32_t rtr = IP4(10, 0, 0, 1);
    check_icmp_error(fw_build_icmp_time_exceeded(&pkt, rtr, out, sizeof(out)), 11, 0, rtr, 28);
    check_icmp_error(fw_build_icmp_frag_needed(&pkt, 1400, rtr, out, sizeof(out)), 3, 4, rtr, 28);
    assert_int_equal(t_get16(out + 26), 1400);
    assert_int_equal(fw_build_icmp_unreach(&pkt, 3, 0, out, 55), FW_BUILD_NOSPACE);
    // A short datagram is quoted whole: an ICMP echo (8 header + 8 data) quotes 8.
    n = t_icmp(buf, A, B, FW_ICMP_ECHO, 0, 7, 7);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    check_icmp_error(fw_build_icmp_time_exceeded(&pkt, rtr, out, sizeof(out)), 11, 0, rtr, 28);
    n = t_ip(buf, 47, A, B, 3);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    check_icmp_error(fw_build_icmp_unreach(&pkt, 2, 0, out, sizeof(out)), 3, 2, B, 23);
}

static void test_icmp_refusals(void **state)
{
    (void)state;
    size_t n = t_icmp(buf, A, B, FW_ICMP_UNREACH, 3, 0, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_icmp_time_exceeded(&pkt, 0, out, sizeof(out)), FW_BUILD_REFUSED);
    n = t_icmp(buf, A, B, FW_ICMP_TIMEXCEED, 0, 0, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_icmp_unreach(&pkt, 3, 0, out, sizeof(out)), FW_BUILD_REFUSED);
    n = t_udp(buf, A, IP4(255, 255, 255, 255), 68, 67, 0, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_icmp_unreach(&pkt, 3, 0, out, sizeof(out)), FW_BUILD_REFUSED);
    n = t_udp(buf, A, IP4(224, 0, 0, 251), 5353, 5353, 0, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_icmp_unreach(&pkt, 3, 0, out, sizeof(out)), FW_BUILD_REFUSED);
    n = t_udp(buf, 0, B, 68, 67, 0, true);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_icmp_unreach(&pkt, 3, 0, out, sizeof(out)), FW_BUILD_REFUSED);
    n = t_udp(buf, A, B, 1, 2, 40, true);
    t_put16(buf + 6, 10); // non-first fragment
    refix_ip();
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_icmp_time_exceeded(&pkt, 0, out, sizeof(out)), FW_BUILD_REFUSED);
}

static void test_rst(void **state)
{
    (void)state;
    // A SYN with 5 bytes of data: RST|ACK, seq 0, ack = seq + 5 + 1.
    size_t n = t_tcp(buf, A, B, 40000, 23, FW_TCP_SYN, 5);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_rst(&pkt, out, sizeof(out)), 40);
    assert_true(t_ip_csum_ok(out));
    assert_true(t_l4_csum_ok(out));
    assert_int_equal(t_get32(out + 12), B);
    assert_int_equal(t_get32(out + 16), A);
    assert_int_equal(t_get16(out + 20), 23);
    assert_int_equal(t_get16(out + 22), 40000);
    assert_int_equal(t_get32(out + 24), 0);
    assert_int_equal(t_get32(out + 28), 1006);
    assert_int_equal(out[33], FW_TCP_RST | FW_TCP_ACK);
    // An ACK: RST with seq = its ack.
    n = t_tcp(buf, A, B, 40000, 23, FW_TCP_ACK, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_reject(&pkt, 0, out, sizeof(out)), 40);
    assert_true(t_l4_csum_ok(out));
    assert_int_equal(t_get32(out + 24), 5000);
    assert_int_equal(out[33], FW_TCP_RST);
    // Never a RST for a RST, and not into a small buffer.
    n = t_tcp(buf, A, B, 40000, 23, FW_TCP_RST, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_rst(&pkt, out, sizeof(out)), FW_BUILD_REFUSED);
    n = t_tcp(buf, A, B, 40000, 23, FW_TCP_SYN, 0);
    assert_int_equal(fw_pkt_parse(&pkt, buf, n, 0), FW_R_OK);
    assert_int_equal(fw_build_rst(&pkt, out, 39), FW_BUILD_NOSPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_tcp),
        cmocka_unit_test(test_parse_udp_icmp),
        cmocka_unit_test(test_options_skipped),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_csum_full_and_incremental),
        cmocka_unit_test(test_l4_fix_modes),
        cmocka_unit_test(test_dec_ttl),
        cmocka_unit_test(test_icmp_errors),
        cmocka_unit_test(test_icmp_refusals),
        cmocka_unit_test(test_rst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
