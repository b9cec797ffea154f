// SPDX-License-Identifier: MIT
// Host unit tests (cmocka) for the block contract shm/blk.h: request
// validation at every boundary (last block, largest length, pool end,
// wrap-around of LBA and offset, op and flags), the region layout and
// formatting, the request and completion rings (order, full, wrap of the
// free-running counters, a corrupt peer index, dropping after a restart) and
// the signal handshake.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shm/blk.h"

static const struct blk_geom G = {512, 256, 1000, 65536};

static int chk(uint16_t op, uint64_t lba, uint32_t n, uint64_t off, uint16_t flags)
{
    struct blk_req r = {.id = 1, .lba = lba, .offset = off, .nblocks = n, .op = op, .flags = flags};
    return blk_req_check(&r, &G, false);
}

static void t_check_good(void **st)
{
    (void)st;
    assert_int_equal(chk(BLK_OP_READ, 0, 1, 0, 0), BLK_S_OK);
    assert_int_equal(chk(BLK_OP_WRITE, 999, 1, 4, BLK_F_FUA), BLK_S_OK); // last block
    assert_int_equal(chk(BLK_OP_READ, 1000 - 128, 128, 0, 0), BLK_S_OK); // ends at the end
    assert_int_equal(chk(BLK_OP_READ, 0, 128, 65536 - 65536, 0), BLK_S_OK);
    assert_int_equal(chk(BLK_OP_READ, 0, 1, 65536 - 512, 0), BLK_S_OK); // ends at pool end
    assert_int_equal(chk(BLK_OP_FLUSH, 0, 0, 0, 0), BLK_S_OK);
}

static void t_check_bad(void **st)
{
    (void)st;
    assert_int_equal(chk(BLK_OP_READ, 1000, 1, 0, 0), BLK_S_ERANGE);
    assert_int_equal(chk(BLK_OP_READ, 999, 2, 0, 0), BLK_S_ERANGE);
    assert_int_equal(chk(BLK_OP_READ, UINT64_MAX - 1, 8, 0, 0), BLK_S_ERANGE);
    assert_int_equal(chk(BLK_OP_READ, 0, 0, 0, 0), BLK_S_ELEN);
    assert_int_equal(chk(BLK_OP_READ, 0, 257, 0, 0), BLK_S_ELEN);
    assert_int_equal(chk(BLK_OP_READ, 0, UINT32_MAX, 0, 0), BLK_S_ELEN);
    assert_int_equal(chk(BLK_OP_READ, 0, 1, 65536, 0), BLK_S_EOFFSET);
    assert_int_equal(chk(BLK_OP_READ, 0, 2, 65536 - 512, 0), BLK_S_EOFFSET);
    assert_int_equal(chk(BLK_OP_READ, 0, 1, 2, 0), BLK_S_EOFFSET);
    assert_int_equal(chk(BLK_OP_READ, 0, 1, UINT64_MAX - 3, 0), BLK_S_EOFFSET);
    assert_int_equal(chk(0, 0, 1, 0, 0), BLK_S_EINVAL);
    assert_int_equal(chk(BLK_OP_TEST_BADCMD, 0, 1, 0, 0), BLK_S_EINVAL); // not a test driver
    assert_int_equal(chk(BLK_OP_READ, 0, 1, 0, 2), BLK_S_EINVAL);
    assert_int_equal(chk(BLK_OP_FLUSH, 0, 1, 0, 0), BLK_S_EINVAL);
    struct blk_req r = {.op = BLK_OP_TEST_BADCMD, .nblocks = 1};
    assert_int_equal(blk_req_check(&r, &G, true), BLK_S_OK);
}

static void *region(size_t size)
{
    void *m = aligned_alloc(4096, size);
    memset(m, 0, size);
    return m;
}

static void t_format_attach(void **st)
{
    (void)st;
    struct blk_side s;
    void *m = region(BLK_MIN_REGION);
    assert_false(blk_format(m, BLK_MIN_REGION - 4096)); // too small
    assert_false(blk_attach(&s, m, BLK_MIN_REGION));    // not formatted
    assert_true(blk_format(m, BLK_MIN_REGION));
    assert_true(blk_format(m, BLK_MIN_REGION)); // idempotent
    assert_true(blk_attach(&s, m, BLK_MIN_REGION));
    assert_ptr_equal(s.pool, (uint8_t *)m + BLK_POOL_OFF);
    assert_int_equal(s.pool_size, BLK_MIN_REGION - BLK_POOL_OFF);
    free(m);
}

static void t_rings(void **st)
{
    (void)st;
    struct blk_side drv, cli;
    void *m = region(BLK_MIN_REGION);
    struct blk_ring_shared *rs = (struct blk_ring_shared *)((uint8_t *)m + BLK_REQ_OFF);
    rs->head = rs->tail = UINT32_MAX - 5; // cross the counter wrap
    assert_true(blk_format(m, BLK_MIN_REGION));
    assert_true(blk_attach(&cli, m, BLK_MIN_REGION));
    assert_true(blk_attach(&drv, m, BLK_MIN_REGION));
    for (uint32_t i = 0; i < BLK_RING_SIZE; i++) {
        struct blk_req r = {.id = i, .nblocks = 1, .op = BLK_OP_READ};
        assert_true(blk_put(&cli.req, &r));
    }
    struct blk_req extra = {.id = 999};
    assert_false(blk_put(&cli.req, &extra)); // full
    struct blk_req got;
    assert_false(blk_get(&drv.req, &got)); // not published yet
    blk_publish(&cli.req);
    for (uint32_t i = 0; i < BLK_RING_SIZE; i++) {
        assert_true(blk_get(&drv.req, &got));
        assert_int_equal(got.id, i);
    }
    assert_false(blk_get(&drv.req, &got));
    assert_int_equal(blk_room(&cli.req), BLK_RING_SIZE);
    // completions the other way
    struct blk_cpl c = {.id = 7, .status = BLK_S_EIO, .dev_status = 0x281}, c2;
    assert_true(blk_put(&drv.cpl, &c));
    blk_publish(&drv.cpl);
    assert_true(blk_get(&cli.cpl, &c2));
    assert_memory_equal(&c, &c2, sizeof(c));
    free(m);
}

static void t_corrupt_and_drop(void **st)
{
    (void)st;
    struct blk_side drv, cli;
    void *m = region(BLK_MIN_REGION);
    assert_true(blk_format(m, BLK_MIN_REGION));
    assert_true(blk_attach(&cli, m, BLK_MIN_REGION));
    assert_true(blk_attach(&drv, m, BLK_MIN_REGION));
    struct blk_req r = {.id = 1}, got;
    blk_put(&cli.req, &r);
    blk_put(&cli.req, &r);
    blk_publish(&cli.req);
    // a restarted driver drops what is queued
    struct blk_side drv2;
    assert_true(blk_attach(&drv2, m, BLK_MIN_REGION));
    blk_drop_all(&drv2.req);
    assert_false(blk_get(&drv2.req, &got));
    assert_int_equal(blk_room(&cli.req), BLK_RING_SIZE);
    // a head far ahead of the tail is refused and counted, never used
    atomic_store(&drv2.req.sh->head, drv2.req.tail + BLK_RING_SIZE + 1);
    assert_false(blk_get(&drv2.req, &got));
    assert_int_equal(drv2.req.errors, 1);
    (void)drv;
    free(m);
}

static void t_signal(void **st)
{
    (void)st;
    struct blk_side drv, cli;
    void *m = region(BLK_MIN_REGION);
    assert_true(blk_format(m, BLK_MIN_REGION));
    assert_true(blk_attach(&cli, m, BLK_MIN_REGION));
    assert_true(blk_attach(&drv, m, BLK_MIN_REGION));
    struct blk_req r = {.id = 1};
    blk_put(&cli.req, &r);
    blk_publish(&cli.req);
    assert_false(blk_should_signal(&cli.req));  // nobody asked
    assert_false(blk_request_signal(&drv.req)); // work is there: do not sleep
    struct blk_req got;
    assert_true(blk_get(&drv.req, &got));
    assert_true(blk_request_signal(&drv.req)); // empty: sleep
    blk_put(&cli.req, &r);
    blk_publish(&cli.req);
    assert_true(blk_should_signal(&cli.req));
    assert_false(blk_should_signal(&cli.req)); // cleared
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_check_good),       cmocka_unit_test(t_check_bad),
        cmocka_unit_test(t_format_attach),    cmocka_unit_test(t_rings),
        cmocka_unit_test(t_corrupt_and_drop), cmocka_unit_test(t_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
