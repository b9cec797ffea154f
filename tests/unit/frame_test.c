// SPDX-License-Identifier: MIT
// Host unit tests (cmocka) for the responder's frame logic, compiled from the
// real apps/responder/frame.c: ARP and ICMP echo replies built in place (every
// field and both checksums checked independently), each malformed kind
// classified with its reason, frames not for us ignored, the checksum helpers,
// address parsing, and a seeded fuzz run of random and mutated frames that must
// never read or write outside the frame. Not a test of the rings or the driver.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apps/responder/frame.h"

static const struct frame_if me = {{0x52, 0x54, 0, 0, 0, 0x0a}, {198, 18, 0, 1}};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 2};
static const uint8_t peer_ip[4] = {198, 18, 0, 2};

// Independent reference checksum: 16-bit words, end-around carry.
static uint16_t ref_csum(const uint8_t *p, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i += 2)
        s += (uint32_t)(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t build_arp(uint8_t *f, uint16_t op, const uint8_t *target_ip)
{
    memset(f, 0xff, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, ETHERTYPE_ARP);
    uint8_t *a = f + 14;
    put16(a, 1);
    put16(a + 2, 0x0800);
    a[4] = 6, a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, peer_mac, 6);
    memcpy(a + 14, peer_ip, 4);
    memset(a + 18, 0, 6);
    memcpy(a + 24, target_ip, 4);
    return 42;
}

// An echo request with `payload` bytes and `opt` bytes of IP options.
static uint32_t build_echo(uint8_t *f, uint32_t payload, uint32_t opt)
{
    memcpy(f, me.mac, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, ETHERTYPE_IPV4);
    uint8_t *ip = f + 14;
    uint32_t hl = 20 + opt, tl = hl + 8 + payload;
    memset(ip, 0, hl);
    ip[0] = (uint8_t)(0x40 | hl / 4);
    put16(ip + 2, (uint16_t)tl);
    put16(ip + 4, 0x1234);
    put16(ip + 6, 0x4000); // DF
    ip[8] = 63, ip[9] = 1;
    memcpy(ip + 12, peer_ip, 4);
    memcpy(ip + 16, me.ip, 4);
    for (uint32_t i = 20; i < hl; i++)
        ip[i] = 1; // NOP options
    put16(ip + 10, ref_csum(ip, hl));
    uint8_t *ic = ip + hl;
    ic[0] = 8, ic[1] = 0;
    put16(ic + 2, 0);
    put16(ic + 4, 0x77), put16(ic + 6, 3);
    for (uint32_t i = 0; i < payload; i++)
        ic[8 + i] = (uint8_t)(i * 7 + 1);
    put16(ic + 2, ref_csum(ic, 8 + payload));
    return 14 + tl;
}

static void test_arp_reply(void **state)
{
    (void)state;
    uint8_t f[64];
    uint32_t len = build_arp(f, 1, me.ip), out = 0;
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_REPLY_ARP);
    assert_int_equal(out, 42);
    assert_memory_equal(f, peer_mac, 6);
    assert_memory_equal(f + 6, me.mac, 6);
    uint8_t *a = f + 14;
    assert_int_equal(a[6] << 8 | a[7], 2);
    assert_memory_equal(a + 8, me.mac, 6);
    assert_memory_equal(a + 14, me.ip, 4);
    assert_memory_equal(a + 18, peer_mac, 6);
    assert_memory_equal(a + 24, peer_ip, 4);
}

static void test_arp_others(void **state)
{
    (void)state;
    uint8_t f[64], other[4] = {198, 18, 0, 9};
    uint32_t out;
    assert_int_equal(frame_respond(&me, f, build_arp(f, 1, other), &out), FRAME_IGNORED);
    assert_int_equal(frame_respond(&me, f, build_arp(f, 2, me.ip), &out), FRAME_IGNORED);
    build_arp(f, 1, me.ip);
    assert_int_equal(frame_respond(&me, f, 41, &out), FRAME_DROP_RUNT);
    f[14 + 4] = 8; // hardware address length
    assert_int_equal(frame_respond(&me, f, 42, &out), FRAME_DROP_BAD_ARP);
}

static void test_echo_reply(void **state)
{
    (void)state;
    uint8_t f[1600], orig[1600];
    for (uint32_t payload = 0; payload <= 1472; payload += 184) {
        uint32_t len = build_echo(f, payload, 0), out = 0;
        memcpy(orig, f, len);
        assert_int_equal(frame_respond(&me, f, len, &out), FRAME_REPLY_ECHO);
        assert_int_equal(out, len);
        uint8_t *ip = f + 14, *ic = ip + 20;
        assert_memory_equal(f, peer_mac, 6);
        assert_memory_equal(f + 6, me.mac, 6);
        assert_memory_equal(ip + 12, me.ip, 4);
        assert_memory_equal(ip + 16, peer_ip, 4);
        assert_int_equal(ip[8], FRAME_TTL);
        assert_int_equal(ref_csum(ip, 20), 0);
        assert_int_equal(ic[0], 0);
        assert_int_equal(ref_csum(ic, 8 + payload), 0);
        assert_memory_equal(ic + 4, orig + 14 + 20 + 4, 4 + payload); // id, seq, data
    }
}

static void test_echo_options_and_padding(void **state)
{
    (void)state;
    uint8_t f[256];
    uint32_t len = build_echo(f, 16, 8), out = 0;
    memset(f + len, 0xee, 20); // Ethernet padding after the datagram
    assert_int_equal(frame_respond(&me, f, len + 20, &out), FRAME_REPLY_ECHO);
    assert_int_equal(out, len);
    assert_int_equal(ref_csum(f + 14, 28), 0);
    assert_int_equal(ref_csum(f + 14 + 28, 24), 0);
}

static void test_malformed(void **state)
{
    (void)state;
    uint8_t f[2048];
    uint32_t out, len;
    assert_int_equal(frame_respond(&me, f, 13, &out), FRAME_DROP_RUNT);
    assert_int_equal(frame_respond(&me, f, 1515, &out), FRAME_DROP_OVERSIZE);
    len = build_echo(f, 56, 0);
    assert_int_equal(frame_respond(&me, f, 34, &out), FRAME_DROP_RUNT); // header only
    assert_int_equal(frame_respond(&me, f, 30, &out), FRAME_DROP_RUNT);
    assert_int_equal(frame_respond(&me, f, len - 1, &out), FRAME_DROP_RUNT);
    f[14 + 10] ^= 1;
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_DROP_IP_CSUM);
    len = build_echo(f, 56, 0);
    f[14 + 20 + 2] ^= 1;
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_DROP_ICMP_CSUM);
    len = build_echo(f, 56, 0);
    f[14] = 0x65; // version 6 inside an IPv4 ethertype
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_DROP_BAD_IP);
    f[14] = 0x44; // header length 16
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_DROP_BAD_IP);
    len = build_echo(f, 56, 0);
    put16(f + 16, 19); // total length shorter than the header
    put16(f + 24, 0), put16(f + 24, ref_csum(f + 14, 20));
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_DROP_BAD_IP);
    len = build_echo(f, 0, 0);
    put16(f + 16, 24); // ICMP of 4 bytes
    put16(f + 24, 0), put16(f + 24, ref_csum(f + 14, 20));
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_DROP_RUNT);
    put16(f + 12, 0xbeef);
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_DROP_ETHERTYPE);
    put16(f + 12, ETHERTYPE_IPV6);
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_IGNORED);
}

static void test_not_for_us(void **state)
{
    (void)state;
    uint8_t f[256];
    uint32_t out, len = build_echo(f, 8, 0);
    f[0] = 0x66; // another MAC
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_IGNORED);
    len = build_echo(f, 8, 0);
    f[14 + 9] = 17; // UDP
    put16(f + 24, 0), put16(f + 24, ref_csum(f + 14, 20));
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_IGNORED);
    len = build_echo(f, 8, 0);
    put16(f + 20, 0x2000); // a fragment (MF)
    put16(f + 24, 0), put16(f + 24, ref_csum(f + 14, 20));
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_IGNORED);
    len = build_echo(f, 8, 0);
    f[34] = 0; // an echo reply, not a request
    put16(f + 36, 0), put16(f + 36, ref_csum(f + 34, 16));
    assert_int_equal(frame_respond(&me, f, len, &out), FRAME_IGNORED);
}

static void test_csum_helpers(void **state)
{
    (void)state;
    uint8_t buf[301];
    uint32_t seed = 1;
    for (int round = 0; round < 1000; round++) {
        for (uint32_t i = 0; i < sizeof(buf); i++) {
            seed = seed * 1103515245 + 12345;
            buf[i] = (uint8_t)(seed >> 16);
        }
        uint32_t n = 2 + (seed % 299);
        assert_int_equal(frame_fold(frame_sum(buf, n, 0)), ref_csum(buf, n));
        // incremental update of the first word == full recompute
        uint16_t hc = ref_csum(buf, n & ~1u);
        uint16_t m = (uint16_t)(buf[0] << 8 | buf[1]), m2 = (uint16_t)(seed >> 3);
        put16(buf, m2);
        uint16_t full = ref_csum(buf, n & ~1u), inc = frame_csum_update(hc, m, m2);
        assert_true(inc == full || (inc == 0xffff && full == 0) || (inc == 0 && full == 0xffff));
    }
}

static void test_parse_ip(void **state)
{
    (void)state;
    uint8_t ip[4];
    assert_int_equal(frame_parse_ip("198.18.0.1", 10, ip), 0);
    assert_int_equal(ip[0], 198);
    assert_int_equal(ip[3], 1);
    assert_int_equal(frame_parse_ip("198.18.0", 8, ip), -1);
    assert_int_equal(frame_parse_ip("198.18.0.256", 12, ip), -1);
    assert_int_equal(frame_parse_ip("198..0.1", 8, ip), -1);
    assert_int_equal(frame_parse_ip("1.2.3.4.5", 9, ip), -1);
    assert_int_equal(frame_parse_ip("1.2.3.4x", 8, ip), -1);
    assert_int_equal(frame_parse_ip("", 0, ip), -1);
}

// Random and mutated frames inside a guarded buffer: the verdict is always one
// of the enum, nothing outside the frame changes, replies fit in the frame.
static void test_fuzz(void **state)
{
    (void)state;
    static uint8_t area[64 + 2048 + 64];
    uint8_t *f = area + 64;
    uint32_t seed = 7;
    for (int round = 0; round < 200000; round++) {
        memset(area, 0x5a, sizeof(area));
        seed = seed * 1103515245 + 12345;
        uint32_t len = (seed >> 8) % 1600;
        if (round & 1) {
            uint32_t l = round & 2 ? build_echo(f, (seed >> 4) % 1400, (seed >> 12) % 3 * 4)
                                   : build_arp(f, 1, me.ip);
            len = (seed >> 20) % 4 ? l : len;
            f[(seed >> 6) % (l + 1)] ^= (uint8_t)(1u << (seed % 8)); // one flipped bit
        } else {
            for (uint32_t i = 0; i < len; i++) {
                seed = seed * 1103515245 + 12345;
                f[i] = (uint8_t)(seed >> 16);
            }
            f[12] = 0x08, f[13] = (seed & 64) ? 0x06 : 0x00;
        }
        uint32_t out = 0;
        enum frame_verdict v = frame_respond(&me, f, len, &out);
        assert_true(v < FRAME_VERDICTS);
        if (v == FRAME_REPLY_ARP || v == FRAME_REPLY_ECHO)
            assert_true(out <= len);
        for (int i = 0; i < 64; i++)
            assert_int_equal(area[i], 0x5a);
        for (uint32_t i = 64 + 2048; i < sizeof(area); i++)
            assert_int_equal(area[i], 0x5a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_reply),    cmocka_unit_test(test_arp_others),
        cmocka_unit_test(test_echo_reply),   cmocka_unit_test(test_echo_options_and_padding),
        cmocka_unit_test(test_malformed),    cmocka_unit_test(test_not_for_us),
        cmocka_unit_test(test_csum_helpers), cmocka_unit_test(test_parse_ip),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
