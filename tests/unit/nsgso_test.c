// SPDX-License-Identifier: MIT
// Unit tests of the stack's TSO frame joining (servers/netstack/nsgso.c):
// a run of full segments and a short PSH one becomes one frame whose headers
// (total length, IPv4 checksum, PSH, pseudo-header sum) are checked against
// sums computed here from scratch; and every segment that must not join
// (another flow, a gap, other flags, ACK or window, too long, past the size
// limit) is refused.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "servers/netstack/nsgso.h"

#define MSS 1460u
#define HL  (14u + 20u + 20u)

static uint8_t first[2048], seg[2048];

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

// A TCP/IPv4 frame as lwIP makes it: payload bytes at sequence seq.
static uint32_t make(uint8_t *f, uint32_t seq, uint32_t payload, uint8_t flags)
{
    memset(f, 0, HL);
    memcpy(f, "\x52\x54\x00\x00\x00\x0a\x52\x54\x00\x00\x00\x0b\x08\x00", 14);
    uint8_t *ip = f + 14, *tcp = f + 34;
    ip[0] = 0x45;
    put16(ip + 2, 40 + payload);
    put16(ip + 6, 0x4000);
    ip[8] = 255;
    ip[9] = 6;
    put32(ip + 12, 0xc6120001);
    put32(ip + 16, 0xc6120002);
    put16(ip + 10, ~sum16(0, ip, 20) & 0xffff);
    put16(tcp, 5201);
    put16(tcp + 2, 40000);
    put32(tcp + 4, seq);
    put32(tcp + 8, 777);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 4096);
    for (uint32_t i = 0; i < payload; i++)
        f[HL + i] = (uint8_t)(seq + i);
    return HL + payload;
}

static void test_run_becomes_one_frame(void **state)
{
    (void)state;
    struct nsgso g;
    uint32_t len = make(first, 1000, MSS, 0x10);
    assert_true(nsgso_open(&g, first, len, len));
    assert_int_equal(g.mss, MSS);
    for (uint32_t k = 1; k < 4; k++) {
        uint32_t n = make(seg, 1000 + k * MSS, MSS, 0x10);
        assert_true(nsgso_fits(&g, seg, n, n));
        assert_int_equal(nsgso_join(&g, first, seg, n), 34);
        assert_true(g.open);
    }
    uint32_t n = make(seg, 1000 + 4 * MSS, 100, 0x18); // short, PSH: the last
    assert_true(nsgso_fits(&g, seg, n, n));
    nsgso_join(&g, first, seg, n);
    assert_false(g.open);
    assert_int_equal(g.segs, 5);
    uint32_t total = HL + 4 * MSS + 100;
    assert_int_equal(g.len, total);
    assert_int_equal(get16(first + 16), total - 14);
    assert_int_equal(sum16(0, first + 14, 20), 0xffff); // IPv4 checksum verifies
    assert_int_equal(first[34 + 13], 0x18);
    uint32_t pseudo = 6 + (total - 34) + 0xc612 + 0x0001 + 0xc612 + 0x0002;
    while (pseudo >> 16)
        pseudo = (pseudo & 0xffff) + (pseudo >> 16);
    assert_int_equal(get16(first + 34 + 16), pseudo);
    n = make(seg, 1000 + 4 * MSS + 100, MSS, 0x10);
    assert_false(nsgso_fits(&g, seg, n, n)); // closed
}

static void test_short_segment_closes(void **state)
{
    (void)state;
    struct nsgso g;
    uint32_t len = make(first, 1, MSS, 0x10);
    assert_true(nsgso_open(&g, first, len, len));
    uint32_t n = make(seg, 1 + MSS, 500, 0x10);
    nsgso_join(&g, first, seg, n);
    assert_false(g.open); // only the last segment may be short
}

static void test_refused(void **state)
{
    (void)state;
    struct nsgso g;
    uint32_t len = make(first, 5000, MSS, 0x10), n;
    assert_false(nsgso_open(&g, first, HL, HL)); // no payload
    make(seg, 5000, MSS, 0x18);
    assert_false(nsgso_open(&g, seg, len, len)); // PSH already: nothing may follow
    make(seg, 5000, MSS, 0x12);
    assert_false(nsgso_open(&g, seg, len, len));  // SYN
    assert_false(nsgso_open(&g, first, 40, len)); // headers not all there
    assert_true(nsgso_open(&g, first, len, len));

    n = make(seg, 5000 + MSS + 1, MSS, 0x10);
    assert_false(nsgso_fits(&g, seg, n, n)); // a gap
    n = make(seg, 5000 + MSS, MSS, 0x11);
    assert_false(nsgso_fits(&g, seg, n, n)); // FIN
    n = make(seg, 5000 + MSS, MSS + 1, 0x10);
    assert_false(nsgso_fits(&g, seg, n, n)); // longer than the first
    n = make(seg, 5000 + MSS, MSS, 0x10);
    put16(seg + 34 + 2, 40001);
    assert_false(nsgso_fits(&g, seg, n, n)); // another flow
    n = make(seg, 5000 + MSS, MSS, 0x10);
    put32(seg + 34 + 8, 778);
    assert_false(nsgso_fits(&g, seg, n, n)); // a newer ACK
    n = make(seg, 5000 + MSS, MSS, 0x10);
    put16(seg + 34 + 14, 4097);
    assert_false(nsgso_fits(&g, seg, n, n)); // another window
    n = make(seg, 5000 + MSS, MSS, 0x10);
    assert_false(nsgso_fits(&g, seg, n, n - 1)); // IPv4 length disagrees
    assert_true(nsgso_fits(&g, seg, n, n));

    g.len = NSGSO_FRAME_MAX - 100; // nearly full
    assert_false(nsgso_fits(&g, seg, n, n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_becomes_one_frame),
        cmocka_unit_test(test_short_segment_closes),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
