// SPDX-License-Identifier: MIT
// Host unit tests (cmocka) for PRP construction, compiled from the real
// drivers/nvme/nvme_prp.c: one page, two pages, a list, offsets into the
// first page (page-aligned or not), exact page ends, the largest transfer
// the block contract allows from the worst offset, and refusals (zero bytes,
// misaligned buffer or list, more pages than one list holds). Each case also
// checks that the PRPs cover exactly the buffer: first byte, page bases, and
// no entry past the last page.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/nvme/nvme_prp.h"
#include "shm/blk.h"

#define PG      4096ull
#define LIST_PA 0x7000200ull // a 512-aligned list slot, not page aligned

static uint64_t list[64];

static struct nvme_prp build_ok(uint64_t phys, uint32_t len)
{
    struct nvme_prp p;
    memset(list, 0xee, sizeof(list));
    assert_int_equal(nvme_prp_build(phys, len, 12, list, LIST_PA, &p), NVME_PRP_OK);
    assert_int_equal(p.prp1, phys);
    return p;
}

// The pages the device will touch, in order, must be exactly the buffer's.
static void check_cover(uint64_t phys, uint32_t len, const struct nvme_prp *p)
{
    uint64_t first_page = phys & ~(PG - 1), last_page = (phys + len - 1) & ~(PG - 1);
    uint64_t npages = (last_page - first_page) / PG + 1;
    if (npages == 1) {
        assert_int_equal(p->prp2, 0);
        assert_int_equal(p->nlist, 0);
    } else if (npages == 2) {
        assert_int_equal(p->prp2, first_page + PG);
        assert_int_equal(p->nlist, 0);
    } else {
        assert_int_equal(p->prp2, LIST_PA);
        assert_int_equal(p->nlist, npages - 1);
        for (uint64_t i = 0; i < npages - 1; i++)
            assert_int_equal(list[i], first_page + (i + 1) * PG);
        assert_int_equal(list[npages - 1], 0xeeeeeeeeeeeeeeeeull); // nothing beyond
    }
}

static void t_one_page(void **st)
{
    (void)st;
    struct nvme_prp p = build_ok(0x100000, 512);
    check_cover(0x100000, 512, &p);
    p = build_ok(0x100000, 4096); // exactly one page
    check_cover(0x100000, 4096, &p);
    p = build_ok(0x100e00, 512); // ends on the page end
    check_cover(0x100e00, 512, &p);
}

static void t_two_pages(void **st)
{
    (void)st;
    struct nvme_prp p = build_ok(0x100000, 8192);
    check_cover(0x100000, 8192, &p);
    p = build_ok(0x100e00, 1024); // crosses one boundary
    check_cover(0x100e00, 1024, &p);
    p = build_ok(0x100004, 4096); // dword offset, spills 4 bytes
    check_cover(0x100004, 4096, &p);
}

static void t_list(void **st)
{
    (void)st;
    struct nvme_prp p = build_ok(0x200000, 12288);
    check_cover(0x200000, 12288, &p);
    p = build_ok(0x200600, 9 * 512);
    check_cover(0x200600, 9 * 512, &p);
    p = build_ok(0x200000, BLK_MAX_BYTES);
    check_cover(0x200000, BLK_MAX_BYTES, &p);
    assert_int_equal(p.nlist, 31);
    p = build_ok(0x200ffc, BLK_MAX_BYTES); // worst offset: 33 pages
    check_cover(0x200ffc, BLK_MAX_BYTES, &p);
    assert_int_equal(p.nlist, 32);
}

static void t_every_size(void **st)
{
    (void)st;
    for (uint32_t off = 0; off < 4096; off += 508) {
        for (uint32_t len = 4; len <= BLK_MAX_BYTES; len += 4092) {
            struct nvme_prp p = build_ok(0x300000 + off, len);
            check_cover(0x300000 + off, len, &p);
        }
    }
}

static void t_refused(void **st)
{
    (void)st;
    struct nvme_prp p;
    assert_int_equal(nvme_prp_build(0x100000, 0, 12, list, LIST_PA, &p), NVME_PRP_ELEN);
    assert_int_equal(nvme_prp_build(0x100002, 512, 12, list, LIST_PA, &p), NVME_PRP_EALIGN);
    assert_int_equal(nvme_prp_build(0x100000, 512, 12, list, LIST_PA + 8, &p), NVME_PRP_EALIGN);
    // 64 more pages than the first would need the last qword of a list page
    assert_int_equal(nvme_prp_build(0x100000, 65 * 4096, 12, list, LIST_PA, &p), NVME_PRP_ELEN);
    assert_int_equal(nvme_prp_build(0x100000, 64 * 4096, 12, list, LIST_PA, &p), NVME_PRP_OK);
    assert_int_equal(p.nlist, 63);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_one_page),   cmocka_unit_test(t_two_pages), cmocka_unit_test(t_list),
        cmocka_unit_test(t_every_size), cmocka_unit_test(t_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
