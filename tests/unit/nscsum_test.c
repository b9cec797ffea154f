// SPDX-License-Identifier: MIT
// Host tests of the network stack's checksum decisions (servers/netstack/
// nscsum.c): which received frames skip lwIP's TCP/UDP check, completing a
// partial checksum over a frame split across buffers (odd lengths included),
// and the pseudo-header sum written for transmit offload. Sums are checked
// against a plain reference implementation over the whole frame.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "servers/netstack/nscsum.h"
#include "shm/ring.h"

// An Ethernet + IPv4 + TCP (or UDP) frame with n payload bytes.
static uint32_t mk(uint8_t *f, uint8_t proto, uint32_t n, uint16_t frag)
{
    uint32_t l4 = proto == 6 ? 20 : 8, tot = 20 + l4 + n;
    memset(f, 0, 14 + tot);
    f[12] = 0x08;
    f[14] = 0x45;
    f[16] = (uint8_t)(tot >> 8);
    f[17] = (uint8_t)tot;
    f[20] = (uint8_t)(frag >> 8);
    f[21] = (uint8_t)frag;
    f[23] = proto;
    memcpy(f + 26, (uint8_t[]){198, 18, 0, 2, 198, 18, 0, 1}, 8);
    if (proto == 6)
        f[34 + 12] = 0x50;
    else
        f[34 + 5] = (uint8_t)(8 + n), f[34 + 4] = (uint8_t)((8 + n) >> 8);
    for (uint32_t k = 0; k < n; k++)
        f[34 + l4 + k] = (uint8_t)(k * 7 + 3);
    return 14 + tot;
}

// Reference: the L4 checksum with pseudo-header over a whole frame; 0 = valid.
static uint32_t verify(const uint8_t *f, uint32_t len)
{
    uint64_t sum = f[23] + (len - 34);
    for (uint32_t k = 26; k < 34; k += 2)
        sum += (uint32_t)f[k] << 8 | f[k + 1];
    for (uint32_t k = 34; k < len; k += 2)
        sum += (uint32_t)f[k] << 8 | (k + 1 < len ? f[k + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

static void test_rx_class(void **state)
{
    (void)state;
    uint8_t f[256];
    uint32_t n = mk(f, 6, 100, 0);
    assert_int_equal(nscsum_rx_class(f, n, 0, 0, 0), NSCSUM_RX_CHECK);
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_VALID, 0, 0), NSCSUM_RX_TRUSTED);
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_NEEDED, 34, 16), NSCSUM_RX_TRUSTED);
    // Partial at an unexpected place: completed, not trusted.
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_NEEDED, 34, 6), NSCSUM_RX_COMPLETE);
    // Headers split from the first buffer: never trusted.
    assert_int_equal(nscsum_rx_class(f, 40, RING_F_CSUM_VALID, 0, 0), NSCSUM_RX_CHECK);
    n = mk(f, 17, 50, 0);
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_VALID, 0, 0), NSCSUM_RX_TRUSTED);
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_NEEDED, 34, 6), NSCSUM_RX_TRUSTED);
    // Fragments (more-fragments, or an offset) are checked after reassembly.
    n = mk(f, 17, 50, 0x2000);
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_VALID, 0, 0), NSCSUM_RX_CHECK);
    n = mk(f, 17, 50, 0x0010);
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_VALID, 0, 0), NSCSUM_RX_CHECK);
    // ICMP: checked; a partial one is completed.
    n = mk(f, 17, 50, 0);
    f[23] = 1;
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_VALID, 0, 0), NSCSUM_RX_CHECK);
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_NEEDED, 34, 2), NSCSUM_RX_COMPLETE);
    f[12] = 0x86; // not IPv4
    assert_int_equal(nscsum_rx_class(f, n, RING_F_CSUM_VALID, 0, 0), NSCSUM_RX_CHECK);
}

// tx_prepare leaves the pseudo-header sum; completing it gives a valid sum,
// whether the frame is one buffer or split at odd places.
static void test_tx_then_complete(void **state)
{
    (void)state;
    static const uint32_t cuts[][3] = {{0, 0, 0}, {35, 1, 0}, {51, 3, 0}, {60, 61, 9}};
    for (int proto = 6; proto <= 17; proto += 11) {
        for (unsigned c = 0; c < 4; c++) {
            uint8_t f[2048];
            uint16_t start, off;
            uint32_t len = mk(f, (uint8_t)proto, 1001, 0);
            assert_true(nscsum_tx_prepare(f, len, &start, &off));
            assert_int_equal(start, 34);
            assert_int_equal(off, proto == 6 ? 16 : 6);
            struct nscsum_seg seg[4];
            uint32_t n = 0, at = 0;
            for (unsigned k = 0; k < 3 && cuts[c][k]; k++) {
                seg[n++] = (struct nscsum_seg){f + at, cuts[c][k]};
                at += cuts[c][k];
            }
            seg[n++] = (struct nscsum_seg){f + at, len - at};
            assert_true(nscsum_complete(seg, n, start, off));
            assert_int_equal(verify(f, len), 0);
        }
    }
}

static void test_refusals(void **state)
{
    (void)state;
    uint8_t f[256];
    uint16_t start = 1, off = 1;
    uint32_t len = mk(f, 17, 40, 0x2000);
    assert_false(nscsum_tx_prepare(f, len, &start, &off)); // a fragment
    len = mk(f, 6, 40, 0);
    assert_false(nscsum_tx_prepare(f, len - 1, &start, &off)); // shorter than IPv4 says
    struct nscsum_seg seg = {f, len};
    assert_false(nscsum_complete(&seg, 1, len - 1, 0)); // field past the end
    assert_false(nscsum_complete(&seg, 1, len, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rx_class),
        cmocka_unit_test(test_tx_then_complete),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
