// SPDX-License-Identifier: MIT
// Host unit tests (cmocka) for the split virtqueue of the virtio-net driver,
// compiled from the real drivers/virtio-net/virtq.c. A few lines here play the
// device: they read the available ring and write used entries, including the
// wrong ones a broken or hostile device could write (ids out of range, ids not
// outstanding, lengths too large, an index jumping ahead), which must be
// refused and counted. Also: chains and tokens, the free list, 16-bit index
// wrap, event-index notification and interrupt suppression, reclaim after a
// reset. Not a test of any device register access (there is none in virtq.c).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio-net/virtq.h"

struct fix {
    struct virtq vq;
    void *mem;
    uint16_t dev_avail; // the device's next avail index to read
};

static struct fix *fix_new(uint32_t size, bool event_idx)
{
    struct fix *f = calloc(1, sizeof(*f));
    struct virtq_layout l;
    assert_true(virtq_layout(size, &l));
    f->mem = aligned_alloc(4096, (l.bytes + 4095) & ~4095u);
    memset(f->mem, 0xa5, l.bytes); // virtq_init must clear it
    assert_int_equal(virtq_init(&f->vq, f->mem, size, event_idx), VIRTQ_OK);
    return f;
}

static void fix_free(struct fix *f)
{
    free(f->mem);
    free(f);
}

// Device: next published head, or -1.
static int dev_take(struct fix *f)
{
    if (atomic_load(&f->vq.avail->idx) == f->dev_avail)
        return -1;
    return f->vq.avail->ring[f->dev_avail++ & f->vq.mask];
}

static void dev_use(struct fix *f, uint32_t id, uint32_t len)
{
    uint16_t u = atomic_load(&f->vq.used->idx);
    f->vq.used->ring[u & f->vq.mask] = (struct virtq_used_elem){id, len};
    atomic_store(&f->vq.used->idx, (uint16_t)(u + 1));
}

static int add1(struct fix *f, uint64_t addr, uint32_t len, bool wr, uint32_t token)
{
    struct virtq_seg s = {addr, len, wr};
    return virtq_add(&f->vq, &s, &token, 1);
}

static void test_layout(void **state)
{
    (void)state;
    struct virtq_layout l;
    assert_true(virtq_layout(256, &l));
    assert_int_equal(l.desc_off, 0);
    assert_int_equal(l.avail_off, 4096);
    assert_int_equal(l.used_off % 4096, 0);
    assert_true(l.used_off >= l.avail_off + 4 + 512 + 2);
    assert_int_equal(l.bytes, l.used_off + 4 + 8 * 256 + 2);
    assert_true(virtq_layout(1024, &l) && l.bytes <= 0x8000);
    assert_false(virtq_layout(0, &l));
    assert_false(virtq_layout(100, &l));
    assert_false(virtq_layout(2048, &l));
}

static void test_add_publish_pop(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, false);
    assert_int_equal(add1(f, 0x10000, 2000, true, 42), VIRTQ_OK);
    assert_int_equal(f->vq.nfree, 7);
    assert_int_equal(dev_take(f), -1);   // not published yet
    assert_true(virtq_publish(&f->vq));  // no NO_NOTIFY: kick
    assert_false(virtq_publish(&f->vq)); // nothing new
    int head = dev_take(f);
    assert_true(head >= 0);
    assert_int_equal(f->vq.desc[head].addr, 0x10000);
    assert_int_equal(f->vq.desc[head].len, 2000);
    assert_int_equal(f->vq.desc[head].flags, VIRTQ_DESC_F_WRITE);
    uint32_t tok, n, len;
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_EMPTY);
    assert_false(virtq_pending(&f->vq));
    dev_use(f, (uint32_t)head, 1500);
    assert_true(virtq_pending(&f->vq));
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_OK);
    assert_int_equal(tok, 42);
    assert_int_equal(n, 1);
    assert_int_equal(len, 1500);
    assert_int_equal(f->vq.nfree, 8);
    assert_int_equal(f->vq.outstanding, 0);
    fix_free(f);
}

static void test_chain_tokens(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, false);
    struct virtq_seg s[3] = {{0x1000, 12, false}, {0x2000, 100, false}, {0x3000, 50, true}};
    uint32_t toks[3] = {7, 8, 9};
    assert_int_equal(virtq_add(&f->vq, s, toks, 3), VIRTQ_OK);
    virtq_publish(&f->vq);
    int head = dev_take(f);
    uint16_t d = (uint16_t)head;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f->vq.desc[d].addr, s[i].addr);
        uint16_t want = (i < 2 ? VIRTQ_DESC_F_NEXT : 0) | (i == 2 ? VIRTQ_DESC_F_WRITE : 0);
        assert_int_equal(f->vq.desc[d].flags, want);
        d = f->vq.desc[d].next;
    }
    // A device scribbling on the table must not confuse our private links.
    for (int i = 0; i < 8; i++)
        f->vq.desc[i].next = 0xbeef;
    dev_use(f, (uint32_t)head, 50);
    uint32_t out[4], n, len;
    assert_int_equal(virtq_pop(&f->vq, out, 4, &n, &len), VIRTQ_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], 8);
    assert_int_equal(out[2], 9);
    assert_int_equal(f->vq.nfree, 8);
    fix_free(f);
}

static void test_full_and_bad_args(void **state)
{
    (void)state;
    struct fix *f = fix_new(4, false);
    struct virtq_seg s[5] = {{0}};
    uint32_t t[5] = {0};
    assert_int_equal(virtq_add(&f->vq, s, t, 0), VIRTQ_EINVAL);
    assert_int_equal(virtq_add(&f->vq, s, t, 5), VIRTQ_ENOSPC);
    assert_int_equal(virtq_add(&f->vq, s, t, 3), VIRTQ_OK);
    assert_int_equal(virtq_add(&f->vq, s, t, 2), VIRTQ_ENOSPC);
    assert_int_equal(virtq_add(&f->vq, s, t, 1), VIRTQ_OK);
    assert_int_equal(f->vq.nfree, 0);
    assert_int_equal(virtq_add(&f->vq, s, t, 1), VIRTQ_ENOSPC);
    assert_int_equal(virtq_init(&f->vq, f->mem, 3, false), VIRTQ_EINVAL);
    fix_free(f);
}

static void test_bad_used_id(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, false);
    struct virtq_seg s[2] = {{0x1000, 100, true}, {0x2000, 100, true}};
    uint32_t t[2] = {1, 2}, out[4], n, len;
    assert_int_equal(virtq_add(&f->vq, s, t, 2), VIRTQ_OK);
    virtq_publish(&f->vq);
    int head = dev_take(f);
    dev_use(f, 8, 10); // out of range
    assert_int_equal(virtq_pop(&f->vq, out, 4, &n, &len), VIRTQ_EBADID);
    assert_int_equal(f->vq.errors, 1);
    assert_int_equal(f->vq.outstanding, 1); // nothing was freed
    // the second descriptor of the chain is not a head
    f->vq.used->ring[0].id = f->vq.next[head];
    assert_int_equal(virtq_pop(&f->vq, out, 4, &n, &len), VIRTQ_EBADID);
    // a free descriptor is not outstanding
    f->vq.used->ring[0].id = (uint32_t)((head + 5) & 7);
    assert_int_equal(virtq_pop(&f->vq, out, 4, &n, &len), VIRTQ_EBADID);
    assert_int_equal(f->vq.errors, 3);
    // the honest answer still works, once
    f->vq.used->ring[0].id = (uint32_t)head;
    assert_int_equal(virtq_pop(&f->vq, out, 4, &n, &len), VIRTQ_OK);
    dev_use(f, (uint32_t)head, 10); // the same head twice
    assert_int_equal(virtq_pop(&f->vq, out, 4, &n, &len), VIRTQ_EBADIDX);
    fix_free(f);
}

static void test_bad_used_len(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, false);
    uint32_t tok, n, len;
    assert_int_equal(add1(f, 0x1000, 1996, true, 5), VIRTQ_OK);
    assert_int_equal(add1(f, 0x2000, 60, false, 6), VIRTQ_OK); // transmit: 0 writable
    virtq_publish(&f->vq);
    int rx = dev_take(f), tx = dev_take(f);
    dev_use(f, (uint32_t)rx, 1997);
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_EBADLEN);
    f->vq.used->ring[0].len = 1996;
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_OK);
    assert_int_equal(tok, 5);
    dev_use(f, (uint32_t)tx, 1);
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_EBADLEN);
    f->vq.used->ring[1].len = 0;
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_OK);
    assert_int_equal(tok, 6);
    assert_int_equal(f->vq.errors, 2);
    fix_free(f);
}

static void test_used_index_jump(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, false);
    uint32_t tok, n, len;
    assert_int_equal(add1(f, 0x1000, 100, true, 1), VIRTQ_OK);
    virtq_publish(&f->vq);
    atomic_store(&f->vq.used->idx, 2); // claims two used, one outstanding
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_EBADIDX);
    assert_false(virtq_pending(&f->vq));
    atomic_store(&f->vq.used->idx, 0xffff); // "minus one"
    assert_int_equal(virtq_pop(&f->vq, &tok, 1, &n, &len), VIRTQ_EBADIDX);
    assert_true(f->vq.errors >= 2);
    fix_free(f);
}

static void test_event_idx_kick(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, true);
    // The device wants a kick when avail->idx moves past 0 (avail_event = 0).
    atomic_store(f->vq.avail_event, 0);
    add1(f, 0x1000, 100, true, 1);
    assert_true(virtq_publish(&f->vq)); // 0 -> 1 crosses 0
    add1(f, 0x2000, 100, true, 2);
    assert_false(virtq_publish(&f->vq)); // 1 -> 2 does not cross 0
    atomic_store(f->vq.avail_event, 3);
    add1(f, 0x3000, 100, true, 3);
    assert_false(virtq_publish(&f->vq)); // 2 -> 3
    add1(f, 0x4000, 100, true, 4);
    add1(f, 0x5000, 100, true, 5);
    assert_true(virtq_publish(&f->vq)); // 3 -> 5 crosses 3
    fix_free(f);
}

static void test_flag_kick(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, false);
    atomic_store(&f->vq.used->flags, VIRTQ_USED_F_NO_NOTIFY);
    add1(f, 0x1000, 100, true, 1);
    assert_false(virtq_publish(&f->vq));
    atomic_store(&f->vq.used->flags, 0);
    add1(f, 0x2000, 100, true, 2);
    assert_true(virtq_publish(&f->vq));
    fix_free(f);
}

static void test_interrupt_suppression(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, true);
    for (uint32_t i = 0; i < 4; i++)
        add1(f, 0x1000 * (i + 1), 100, true, i);
    virtq_publish(&f->vq);
    assert_false(virtq_intr_enable(&f->vq, 3)); // interrupt when all 4 are used
    assert_int_equal(atomic_load(f->vq.used_event), 3);
    virtq_intr_disable(&f->vq);
    assert_int_equal(atomic_load(f->vq.used_event), 0xffff); // behind last_used
    int h = dev_take(f);
    dev_use(f, (uint32_t)h, 10);
    assert_true(virtq_intr_enable(&f->vq, 0)); // work already there: do not sleep
    uint32_t tok, n, len;
    virtq_pop(&f->vq, &tok, 1, &n, &len);
    assert_false(virtq_intr_enable(&f->vq, 0));
    assert_int_equal(atomic_load(f->vq.used_event), 1);
    fix_free(f);
    f = fix_new(8, false);
    virtq_intr_disable(&f->vq);
    assert_int_equal(atomic_load(&f->vq.avail->flags), VIRTQ_AVAIL_F_NO_INTERRUPT);
    virtq_intr_enable(&f->vq, 0);
    assert_int_equal(atomic_load(&f->vq.avail->flags), 0);
    fix_free(f);
}

// 70,000 buffers through a queue of 8 cross the 16-bit index wrap twice.
static void test_index_wrap(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, true);
    uint32_t next_tok = 0, want_tok = 0;
    for (uint32_t round = 0; round < 70000 / 4; round++) {
        for (int i = 0; i < 4; i++) {
            struct virtq_seg s[2] = {{0x1000, 64, false}, {0x2000, 64, true}};
            uint32_t t[2] = {next_tok, next_tok + 1};
            assert_int_equal(virtq_add(&f->vq, s, t, 2), VIRTQ_OK);
            next_tok += 2;
        }
        virtq_publish(&f->vq);
        int h;
        while ((h = dev_take(f)) >= 0)
            dev_use(f, (uint32_t)h, 64);
        uint32_t out[2], n, len;
        for (int i = 0; i < 4; i++) {
            assert_int_equal(virtq_pop(&f->vq, out, 2, &n, &len), VIRTQ_OK);
            assert_int_equal(out[0], want_tok);
            assert_int_equal(out[1], want_tok + 1);
            want_tok += 2;
        }
        assert_int_equal(f->vq.nfree, 8);
    }
    assert_true(f->vq.last_used < 70000 - 65536 + 8); // it wrapped
    assert_int_equal(f->vq.errors, 0);
    fix_free(f);
}

static uint32_t reclaimed[16], nreclaimed;
static void on_reclaim(void *ctx, uint32_t token)
{
    (void)ctx;
    reclaimed[nreclaimed++] = token;
}

static void test_reclaim(void **state)
{
    (void)state;
    struct fix *f = fix_new(8, false);
    struct virtq_seg s[3] = {{1, 1, true}, {2, 2, true}, {3, 3, true}};
    uint32_t t[3] = {10, 11, 12};
    virtq_add(&f->vq, s, t, 3);
    add1(f, 4, 4, true, 13);
    add1(f, 5, 5, true, 14);
    virtq_publish(&f->vq);
    int h = dev_take(f);
    dev_use(f, (uint32_t)h, 1);
    uint32_t out[3], n, len;
    virtq_pop(&f->vq, out, 3, &n, &len); // the chain came back; two remain
    nreclaimed = 0;
    virtq_reclaim(&f->vq, on_reclaim, NULL);
    assert_int_equal(nreclaimed, 2);
    assert_int_equal(reclaimed[0] + reclaimed[1], 13 + 14);
    assert_int_equal(f->vq.nfree, 8);
    assert_int_equal(f->vq.outstanding, 0);
    fix_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),          cmocka_unit_test(test_add_publish_pop),
        cmocka_unit_test(test_chain_tokens),    cmocka_unit_test(test_full_and_bad_args),
        cmocka_unit_test(test_bad_used_id),     cmocka_unit_test(test_bad_used_len),
        cmocka_unit_test(test_used_index_jump), cmocka_unit_test(test_event_idx_kick),
        cmocka_unit_test(test_flag_kick),       cmocka_unit_test(test_interrupt_suppression),
        cmocka_unit_test(test_index_wrap),      cmocka_unit_test(test_reclaim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
