// SPDX-License-Identifier: MIT
// Unit tests of the routing table (net/fw/fw_route.c): adding, refusing and
// deleting routes, connected and default routes, next hops, and longest-
// prefix match against a brute-force reference over random tables.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/fw/fw_fmt.h"
#include "net/fw/fw_route.h"
#include "tests/unit/fw_test.h"

static struct fw_route_table rt;

static void test_basic(void **state)
{
    (void)state;
    fw_route_init(&rt);
    struct fw_nexthop h;
    assert_int_equal(fw_route_lookup(&rt, IP4(1, 2, 3, 4), &h), FW_ROUTE_ENOENT);
    assert_int_equal(fw_route_add_connected(&rt, IP4(198, 18, 0, 1), 24, 0), FW_ROUTE_OK);
    assert_int_equal(fw_route_add_connected(&rt, IP4(203, 0, 113, 5), 24, 1), FW_ROUTE_OK);
    assert_int_equal(fw_route_add(&rt, 0, 0, IP4(203, 0, 113, 1), 1), FW_ROUTE_OK);
    assert_int_equal(fw_route_add(&rt, IP4(10, 0, 0, 0), 8, IP4(198, 18, 0, 254), 0), FW_ROUTE_OK);
    assert_int_equal(fw_route_add(&rt, IP4(10, 1, 0, 0), 16, 0, 2), FW_ROUTE_OK);

    assert_int_equal(fw_route_lookup(&rt, IP4(198, 18, 0, 77), &h), FW_ROUTE_OK);
    assert_int_equal(h.ifindex, 0);
    assert_int_equal(h.next_hop, IP4(198, 18, 0, 77)); // connected: the destination itself
    assert_int_equal(fw_route_lookup(&rt, IP4(8, 8, 8, 8), &h), FW_ROUTE_OK);
    assert_int_equal(h.ifindex, 1);
    assert_int_equal(h.next_hop, IP4(203, 0, 113, 1)); // default via gateway
    assert_int_equal(fw_route_lookup(&rt, IP4(10, 9, 9, 9), &h), FW_ROUTE_OK);
    assert_int_equal(h.next_hop, IP4(198, 18, 0, 254));
    assert_int_equal(fw_route_lookup(&rt, IP4(10, 1, 2, 3), &h), FW_ROUTE_OK);
    assert_int_equal(h.ifindex, 2); // the longer /16 wins over the /8
    assert_int_equal(h.next_hop, IP4(10, 1, 2, 3));

    assert_int_equal(fw_route_add(&rt, IP4(10, 0, 0, 0), 8, 0, 3), FW_ROUTE_EEXIST);
    assert_int_equal(fw_route_add(&rt, IP4(10, 0, 0, 1), 8, 0, 3), FW_ROUTE_EINVAL);
    assert_int_equal(fw_route_add(&rt, IP4(10, 0, 0, 0), 33, 0, 3), FW_ROUTE_EINVAL);
    assert_int_equal(fw_route_del(&rt, IP4(10, 1, 0, 0), 16), FW_ROUTE_OK);
    assert_int_equal(fw_route_del(&rt, IP4(10, 1, 0, 0), 16), FW_ROUTE_ENOENT);
    assert_int_equal(fw_route_lookup(&rt, IP4(10, 1, 2, 3), &h), FW_ROUTE_OK);
    assert_int_equal(h.ifindex, 0);
    assert_int_equal(fw_route_add(&rt, IP4(192, 0, 2, 7), 32, 0, 4), FW_ROUTE_OK);
    assert_int_equal(fw_route_lookup(&rt, IP4(192, 0, 2, 7), &h), FW_ROUTE_OK);
    assert_int_equal(h.ifindex, 4);
}

static void test_full(void **state)
{
    (void)state;
    fw_route_init(&rt);
    for (unsigned i = 0; i < FW_ROUTE_MAX; i++)
        assert_int_equal(fw_route_add(&rt, i << 8, 24, 0, 1), FW_ROUTE_OK);
    assert_int_equal(fw_route_add(&rt, 0xff000000u, 8, 0, 1), FW_ROUTE_EFULL);
}

// The reference: the longest covering prefix, by looking at every route.
static int brute(const struct fw_route *rs, unsigned n, uint32_t dst)
{
    int best = -1;
    for (unsigned i = 0; i < n; i++) {
        if ((dst & fw_mask(rs[i].len)) == rs[i].prefix && (best < 0 || rs[i].len > rs[best].len))
            best = (int)i;
    }
    return best;
}

static void test_random_against_reference(void **state)
{
    (void)state;
    srand(12345);
    for (int round = 0; round < 50; round++) {
        struct fw_route ref[64];
        unsigned n = 0;
        fw_route_init(&rt);
        while (n < 40) {
            unsigned len = (unsigned)(rand() % 33);
            // Few distinct top bits, so prefixes nest often.
            uint32_t a = ((uint32_t)rand() << 1 ^ (uint32_t)rand()) & 0xc3ff00ffu;
            uint32_t prefix = a & fw_mask(len);
            uint32_t gw = rand() % 2 ? (uint32_t)rand() | 1 : 0;
            unsigned ifi = (unsigned)(rand() % 8);
            int st = fw_route_add(&rt, prefix, len, gw, ifi);
            bool dup = false;
            for (unsigned i = 0; i < n; i++)
                dup |= ref[i].len == len && ref[i].prefix == prefix;
            if (dup) {
                assert_int_equal(st, FW_ROUTE_EEXIST);
                continue;
            }
            assert_int_equal(st, FW_ROUTE_OK);
            ref[n++] = (struct fw_route){
                .prefix = prefix, .len = (uint8_t)len, .gw = gw, .ifindex = (uint8_t)ifi};
        }
        for (int q = 0; q < 2000; q++) {
            uint32_t dst = ((uint32_t)rand() << 1 ^ (uint32_t)rand()) & 0xc3ff00ffu;
            if (q % 3 == 0)
                dst ^= (uint32_t)rand(); // and some arbitrary ones
            struct fw_nexthop h;
            int want = brute(ref, n, dst);
            int st = fw_route_lookup(&rt, dst, &h);
            if (want < 0) {
                assert_int_equal(st, FW_ROUTE_ENOENT);
                continue;
            }
            assert_int_equal(st, FW_ROUTE_OK);
            assert_int_equal(h.ifindex, ref[want].ifindex);
            assert_int_equal(h.next_hop, ref[want].gw ? ref[want].gw : dst);
        }
    }
}

static void test_format(void **state)
{
    (void)state;
    static const char *const names[] = {"lan0", "wan0"};
    struct fw_ifnames ifs = {names, 2};
    char b[96];
    fw_route_init(&rt);
    fw_route_add(&rt, IP4(10, 0, 0, 0), 8, IP4(198, 18, 0, 254), 0);
    fw_route_add_connected(&rt, IP4(203, 0, 113, 5), 24, 1);
    fw_route_add(&rt, 0, 0, 0, 1);
    fw_route_format(&rt.r[0], &ifs, b, sizeof(b));
    assert_string_equal(b, "203.0.113.0/24 dev wan0 connected");
    fw_route_format(&rt.r[1], &ifs, b, sizeof(b));
    assert_string_equal(b, "10.0.0.0/8 via 198.18.0.254 dev lan0");
    fw_route_format(&rt.r[2], &ifs, b, sizeof(b));
    assert_string_equal(b, "0.0.0.0/0 dev wan0");
    assert_int_equal(fw_route_format(&rt.r[2], &ifs, b, 5), 18);
    assert_string_equal(b, "0.0.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
