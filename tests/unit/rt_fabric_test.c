// SPDX-License-Identifier: MIT
// Unit tests of the router-instance plumbing: the fabric descriptor flags
// (shm/fabric.h: kind and egress interface packed beside the frame's own
// flags, and every bit outside them refused), the fabric layout (rings of
// every ordered pair inside the region and apart, a region too small
// refused), a frame crossing a fabric ring and an instance that restarts
// attaching to its rings as they are, and interface ownership from an
// instance's args (apps/router/rt_own.c).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "apps/router/rt_own.h"
#include "shm/fabric.h"
#include "shm/netif.h"

static void flags_round_trip(void **state)
{
    (void)state;
    const uint32_t frames[] = {0, RING_F_CSUM_NEEDED | RING_F_TSO4, NETIF_F_MORE,
                               RING_F_CSUM_VALID | NETIF_F_MORE};
    for (unsigned k = FABRIC_FWD; k <= FABRIC_RETURN; k++) {
        for (uint32_t ifx = 0; ifx < 16; ifx++) {
            for (unsigned f = 0; f < 4; f++) {
                uint32_t v = fabric_flags_make((enum fabric_kind)k, ifx, frames[f]);
                assert_true(fabric_flags_ok(v));
                assert_int_equal(fabric_flags_kind(v), k);
                assert_int_equal(fabric_flags_ifindex(v), ifx);
                assert_int_equal(fabric_flags_frame(v), frames[f]);
            }
        }
    }
}

static void flags_refused(void **state)
{
    (void)state;
    assert_false(fabric_flags_ok(0));           // no kind
    assert_false(fabric_flags_ok(RING_F_TSO4)); // no kind
    uint32_t v = fabric_flags_make(FABRIC_FWD, 3, 0);
    assert_false(fabric_flags_ok(v | 1u << 18)); // between kind and ifindex
    assert_false(fabric_flags_ok(v | 1u << 24)); // above ifindex
    assert_false(fabric_flags_ok(v | 0x80000000u));
    // Bits of the frame beyond 16 never leak into the fabric fields.
    assert_int_equal(fabric_flags_kind(fabric_flags_make(FABRIC_XMIT, 0, 0xffffffffu)),
                     FABRIC_XMIT);
    assert_int_equal(fabric_flags_ifindex(fabric_flags_make(FABRIC_XMIT, 2, 0xffffffffu)), 2);
}

static void layout(void **state)
{
    (void)state;
    struct fabric_layout l;
    assert_false(fabric_layout(512 * 1024, 1, &l));
    assert_false(fabric_layout(512 * 1024, FABRIC_MAX_INST + 1, &l));
    assert_false(fabric_layout(8192, 2, &l)); // not even the smallest rings
    for (uint32_t n = 2; n <= FABRIC_MAX_INST; n++) {
        uint64_t size = 512 * 1024;
        assert_true(fabric_layout(size, n, &l));
        assert_true(l.bytes <= size);
        assert_true(l.slots >= FABRIC_MIN_SLOTS && (l.slots & (l.slots - 1)) == 0);
        assert_true(l.ring_bytes >= ring_shared_bytes(l.slots));
        // Doubling the slots would not fit: the largest that does is chosen.
        if (l.slots < FABRIC_MAX_SLOTS)
            assert_true(FABRIC_RINGS_OFF + n * (n - 1) * fabric_ring_bytes(l.slots * 2) > size);
        uint64_t seen[FABRIC_MAX_INST * FABRIC_MAX_INST];
        unsigned k = 0;
        for (uint32_t a = 0; a < n; a++) {
            for (uint32_t b = 0; b < n; b++) {
                if (a == b)
                    continue;
                uint64_t off = fabric_ring_off(&l, a, b);
                assert_true(off >= FABRIC_RINGS_OFF && off + l.ring_bytes <= l.bytes);
                assert_int_equal(off % FABRIC_PAGE, 0);
                for (unsigned j = 0; j < k; j++)
                    assert_true(off != seen[j]);
                seen[k++] = off;
            }
        }
        assert_int_equal(k, n * (n - 1));
    }
    // Two instances and 512 KiB: room for every buffer of two 4 MiB NIC pools.
    assert_true(fabric_layout(512 * 1024, 2, &l));
    assert_true(l.slots >= 2048);
}

// A frame of two buffers from instance 0 to 1, then instance 0 "restarts"
// (fresh handles on the same memory) and goes on where it left off.
static void ring_and_restart(void **state)
{
    (void)state;
    struct fabric_layout l;
    uint64_t size = 128 * 1024;
    uint8_t *mem = aligned_alloc(4096, size);
    memset(mem, 0, size); // a region arrives zeroed: empty rings, nobody formats
    assert_true(fabric_layout(size, 2, &l));
    struct ring_handle tx, rx;
    assert_int_equal(ring_attach(&tx, mem + fabric_ring_off(&l, 0, 1), l.slots, RING_PRODUCER),
                     RING_OK);
    assert_int_equal(ring_attach(&rx, mem + fabric_ring_off(&l, 0, 1), l.slots, RING_CONSUMER),
                     RING_OK);
    struct ring_desc d[2] = {
        {netif_desc_make(5, 4096), 1514,
         fabric_flags_make(FABRIC_FWD, 1, RING_F_CSUM_NEEDED | NETIF_F_MORE)},
        {netif_desc_make(5, 8192), 900, fabric_flags_make(FABRIC_FWD, 1, 0)},
    };
    assert_int_equal(ring_enqueue_batch(&tx, d, 2), 2);
    struct ring_handle tx2; // the restarted producer
    assert_int_equal(ring_attach(&tx2, mem + fabric_ring_off(&l, 0, 1), l.slots, RING_PRODUCER),
                     RING_OK);
    struct ring_desc r = {netif_desc_make(6, 2048), 0, fabric_flags_make(FABRIC_RETURN, 0, 0)};
    assert_int_equal(ring_enqueue_batch(&tx2, &r, 1), 1);
    struct ring_desc got[4];
    assert_int_equal(ring_dequeue_batch(&rx, got, 4), 3);
    assert_int_equal(netif_desc_pool(got[0].offset), 5);
    assert_int_equal(netif_desc_off(got[1].offset), 8192);
    assert_int_equal(fabric_flags_kind(got[0].flags), FABRIC_FWD);
    assert_true(fabric_flags_frame(got[0].flags) & NETIF_F_MORE);
    assert_false(fabric_flags_frame(got[1].flags) & NETIF_F_MORE);
    assert_int_equal(fabric_flags_kind(got[2].flags), FABRIC_RETURN);
    assert_int_equal(netif_desc_pool(got[2].offset), 6);
    // The other direction is a different ring: still empty.
    struct ring_handle back;
    assert_int_equal(ring_attach(&back, mem + fabric_ring_off(&l, 1, 0), l.slots, RING_CONSUMER),
                     RING_OK);
    assert_int_equal(ring_dequeue_batch(&back, got, 4), 0);
    free(mem);
}

static const char *const ifn[] = {"lan0", "wan0", "dmz0"};

static void own_default_all(void **state)
{
    (void)state;
    uint32_t m = 7;
    assert_int_equal(rt_own_parse("", ifn, 3, &m, 0, 0), RT_OWN_OK);
    assert_int_equal(m, 7);
    assert_int_equal(rt_own_parse(0, ifn, 2, &m, 0, 0), RT_OWN_OK);
    assert_int_equal(m, 3);
    assert_int_equal(rt_own_parse("verbose=1 ifx=lan0", ifn, 3, &m, 0, 0), RT_OWN_OK);
    assert_int_equal(m, 7); // "ifx=" is not "if="
}

static void own_lists(void **state)
{
    (void)state;
    uint32_t m;
    assert_int_equal(rt_own_parse("if=lan0", ifn, 3, &m, 0, 0), RT_OWN_OK);
    assert_int_equal(m, 1);
    assert_int_equal(rt_own_parse("if=wan0,dmz0", ifn, 3, &m, 0, 0), RT_OWN_OK);
    assert_int_equal(m, 6);
    assert_int_equal(rt_own_parse("  other=x  if=dmz0\tif=lan0 ", ifn, 3, &m, 0, 0), RT_OWN_OK);
    assert_int_equal(m, 5);
}

static void own_errors(void **state)
{
    (void)state;
    uint32_t m = 99;
    char bad[RT_OWN_NAME_MAX];
    assert_int_equal(rt_own_parse("if=lan0,wan1", ifn, 3, &m, bad, sizeof(bad)), RT_OWN_EUNKNOWN);
    assert_int_equal(m, 0);
    assert_string_equal(bad, "wan1");
    assert_int_equal(rt_own_parse("if=lan", ifn, 3, &m, bad, sizeof(bad)), RT_OWN_EUNKNOWN);
    assert_string_equal(bad, "lan");
    assert_int_equal(rt_own_parse("if=", ifn, 3, &m, bad, sizeof(bad)), RT_OWN_EEMPTY);
    assert_int_equal(rt_own_parse("if=lan0,", ifn, 3, &m, bad, sizeof(bad)), RT_OWN_EEMPTY);
    assert_int_equal(rt_own_parse("if=,lan0", ifn, 3, &m, bad, sizeof(bad)), RT_OWN_EEMPTY);
    assert_int_equal(rt_own_parse("if=a-very-long-interface-name", ifn, 3, &m, bad, sizeof(bad)),
                     RT_OWN_EUNKNOWN);
    assert_int_equal(strlen(bad), sizeof(bad) - 1); // cut to fit, NUL-terminated
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flags_round_trip), cmocka_unit_test(flags_refused),
        cmocka_unit_test(layout),           cmocka_unit_test(ring_and_restart),
        cmocka_unit_test(own_default_all),  cmocka_unit_test(own_lists),
        cmocka_unit_test(own_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
