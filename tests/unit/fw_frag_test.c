// SPDX-License-Identifier: MIT
// Unit tests of IPv4 fragmentation (net/fw/fw_frag.c): each packet is cut,
// every fragment is checked on its own (size within the MTU, 8-byte pieces,
// header checksum, fields kept) and the pieces are reassembled here, the
// slow obvious way, into the original payload with its L4 checksum still
// valid. Also: a fragment cut again, copied and dropped options, and each
// refusal.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/fw/fw_frag.h"
#include "tests/unit/fw_test.h"

static uint8_t pkt[2048], frag[2048], whole[65536];

#define A IP4(10, 0, 0, 2)
#define B IP4(192, 0, 2, 9)

struct cut {
    unsigned count;
    uint32_t first_off, end; // bytes: offset of the first piece, end of the last
    uint16_t last_flags;     // flags field of the last fragment (MF or 0)
    uint16_t hlen[8];        // header length of each fragment
};

// Cuts pkt for mtu and reassembles the payload into whole (at its offset).
static struct cut cut_and_join(size_t len, uint32_t mtu)
{
    struct fw_frag f;
    struct cut c = {0};
    assert_int_equal(fw_frag_plan(&f, pkt, len, mtu), FW_FRAG_OK);
    int n;
    while ((n = fw_frag_next(&f, pkt, frag, sizeof(frag))) > 0) {
        unsigned hl = (frag[0] & 0xf) * 4u;
        uint16_t field = t_get16(frag + 6);
        uint32_t off = (field & 0x1fffu) * 8, plen = (uint32_t)n - hl;
        assert_true((uint32_t)n <= mtu);
        assert_int_equal(t_get16(frag + 2), n);
        assert_true(t_ip_csum_ok(frag));
        assert_int_equal(field & 0x4000, 0);
        assert_memory_equal(frag + 4, pkt + 4, 2);   // identification
        assert_memory_equal(frag + 8, pkt + 8, 2);   // TTL, protocol
        assert_memory_equal(frag + 12, pkt + 12, 8); // addresses
        if (field & 0x2000)
            assert_int_equal(plen % 8, 0);
        if (c.count == 0)
            c.first_off = off;
        assert_true(c.count < 8);
        c.hlen[c.count++] = (uint16_t)hl;
        memcpy(whole + off, frag + hl, plen);
        c.end = off + plen;
        c.last_flags = field & 0x2000;
    }
    assert_int_equal(n, FW_FRAG_DONE);
    assert_int_equal(c.count, f.count);
    return c;
}

static void test_udp_for_two_mtus(void **state)
{
    (void)state;
    size_t len = t_udp(pkt, A, B, 4000, 53, 1472, true);
    struct cut c = cut_and_join(len, 1400);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.last_flags, 0);
    assert_int_equal(c.end, len - 20);
    assert_memory_equal(whole, pkt + 20, len - 20);

    c = cut_and_join(len, 576); // pieces of 552, 552 and 376 bytes
    assert_int_equal(c.count, 3);
    assert_memory_equal(whole, pkt + 20, len - 20);
    // The reassembled datagram still checks.
    memcpy(frag, pkt, 20);
    memcpy(frag + 20, whole, len - 20);
    assert_true(t_l4_csum_ok(frag));
}

static void test_fragment_cut_again(void **state)
{
    (void)state;
    size_t len = t_tcp(pkt, A, B, 4000, 80, FW_TCP_ACK, 1004); // 1024 bytes after the header
    t_put16(pkt + 6, 0x2000 | 100); // MF, offset 800 bytes: a middle piece
    t_put16(pkt + 10, 0);
    t_put16(pkt + 10, (uint16_t)~t_sum(0, pkt, 20));
    struct cut c = cut_and_join(len, 500);
    assert_int_equal(c.count, 3);
    assert_int_equal(c.first_off, 800);
    assert_int_equal(c.end, 800 + len - 20);
    assert_int_equal(c.last_flags, 0x2000); // more pieces still follow the original
    assert_memory_equal(whole + 800, pkt + 20, len - 20);
}

// A header with a copied option (router alert) and one that is not (record
// route): later fragments carry the first only, padded to 4 bytes.
static void test_options_copied_or_dropped(void **state)
{
    (void)state;
    size_t len = t_udp(pkt, A, B, 4000, 53, 600, false);
    memmove(pkt + 28, pkt + 20, len - 20);
    static const uint8_t opts[8] = {0x07, 0x04, 0x04, 0x00, 0x94, 0x04, 0x00, 0x00};
    memcpy(pkt + 20, opts, 8);
    pkt[0] = 0x47;
    len += 8;
    t_put16(pkt + 2, (uint16_t)len);
    t_put16(pkt + 10, 0);
    t_put16(pkt + 10, (uint16_t)~t_sum(0, pkt, 28));
    struct fw_frag f;
    assert_int_equal(fw_frag_plan(&f, pkt, len, 300), FW_FRAG_OK);
    assert_int_equal(fw_frag_next(&f, pkt, frag, sizeof(frag)), 28 + 272);
    assert_memory_equal(frag + 20, opts, 8);
    int n = fw_frag_next(&f, pkt, frag, sizeof(frag));
    assert_int_equal(frag[0], 0x46);
    assert_int_equal(n, 24 + 272);
    static const uint8_t later[4] = {0x94, 0x04, 0x00, 0x00};
    assert_memory_equal(frag + 20, later, 4);
    assert_true(t_ip_csum_ok(frag));
    assert_memory_equal(frag + 24, pkt + 28 + 272, 272);

    struct cut c = cut_and_join(len, 300);
    assert_int_equal(c.hlen[0], 28);
    assert_int_equal(c.hlen[1], 24);
    assert_memory_equal(whole, pkt + 28, len - 28);
}

static void test_refusals(void **state)
{
    (void)state;
    struct fw_frag f;
    size_t len = t_udp(pkt, A, B, 4000, 53, 1000, true);
    assert_int_equal(fw_frag_plan(&f, pkt, len, 1500), FW_FRAG_FITS);
    assert_int_equal(fw_frag_plan(&f, pkt, len, 60), FW_FRAG_MTU);
    assert_int_equal(fw_frag_plan(&f, pkt, len - 1, 500), FW_FRAG_BAD); // truncated
    t_put16(pkt + 6, 0x4000);
    assert_int_equal(fw_frag_plan(&f, pkt, len, 500), FW_FRAG_DF);
    t_put16(pkt + 6, 8100); // would end past 65535 bytes
    assert_int_equal(fw_frag_plan(&f, pkt, len, 500), FW_FRAG_BAD);
    t_put16(pkt + 6, 0);
    pkt[0] = 0x46; // an option whose length runs past the header
    memcpy(pkt + 20, "\x94\x09\x00\x00", 4);
    assert_int_equal(fw_frag_plan(&f, pkt, len, 500), FW_FRAG_BAD);
    pkt[0] = 0x45;
    assert_int_equal(fw_frag_plan(&f, pkt, len, 500), FW_FRAG_OK);
    assert_int_equal(fw_frag_next(&f, pkt, frag, 100), FW_FRAG_NOSPACE);
    assert_int_equal(fw_frag_plan(&f, pkt, len, FW_FRAG_MIN_MTU), FW_FRAG_OK);
    assert_int_equal(f.count, (len - 20 + 47) / 48);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_for_two_mtus),
        cmocka_unit_test(test_fragment_cut_again),
        cmocka_unit_test(test_options_copied_or_dropped),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
