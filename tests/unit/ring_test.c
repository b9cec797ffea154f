// SPDX-License-Identifier: MIT
/*
 * tests/unit/ring_test.c - host unit tests (cmocka) for shm/ring.h and
 * shm/pool.h, compiled against the real headers: empty/full, FIFO order,
 * 2^32 counter wrap, batches, bad descriptors, corrupt peer indexes and the
 * single-threaded semantics of the signal protocol. It is not a concurrency
 * test: see tests/stress/ring_stress.c and tests/spin/ring_signal.pml.
 * Build: gcc -std=c11 -O2 -Wall -Wextra -Werror -I. -o /tmp/ring_test
 *        tests/unit/ring_test.c -lcmocka
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shm/pool.h"
#include "shm/ring.h"

#define T_SIZE 8u

/* One ring's shared memory plus a producer and a consumer handle on it. */
struct fixture {
    void *mem;
    struct ring_handle prod;
    struct ring_handle cons;
};

static struct ring_desc mk(uint64_t n)
{
    return (struct ring_desc){n * 2048, (uint32_t)n + 1, (uint32_t)(n ^ 0x5a)};
}

static void check_desc(const struct ring_desc *d, uint64_t n)
{
    assert_int_equal(d->offset, n * 2048);
    assert_int_equal(d->len, (uint32_t)n + 1);
    assert_int_equal(d->flags, (uint32_t)(n ^ 0x5a));
}

static struct fixture *fixture_new(uint32_t size, uint32_t start)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->mem = aligned_alloc(RING_CACHE_LINE, ring_shared_bytes(size));
    assert_non_null(f->mem);
    assert_int_equal(ring_init_shared_at(f->mem, size, start), RING_OK);
    assert_int_equal(ring_attach(&f->prod, f->mem, size, RING_PRODUCER), RING_OK);
    assert_int_equal(ring_attach(&f->cons, f->mem, size, RING_CONSUMER), RING_OK);
    return f;
}

static int setup(void **state)
{
    *state = fixture_new(T_SIZE, 0);
    return 0;
}

static int setup_wrap(void **state)
{
    *state = fixture_new(T_SIZE, UINT32_MAX - 2);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->mem);
    free(f);
    return 0;
}

static struct ring_shared *shared(struct fixture *f)
{
    return f->mem;
}

/* Enqueue descriptors first..first+n-1, one at a time, all must succeed. */
static void push_n(struct fixture *f, uint64_t first, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct ring_desc d = mk(first + i);
        assert_int_equal(ring_enqueue(&f->prod, &d), RING_OK);
    }
}

static void pop_n(struct fixture *f, uint64_t first, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct ring_desc d = {0, 0, 0};
        assert_int_equal(ring_dequeue(&f->cons, &d), RING_OK);
        check_desc(&d, first + i);
    }
}

static void test_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct ring_desc), 16);
    assert_int_equal(offsetof(struct ring_shared, tail), 64);
    assert_int_equal(offsetof(struct ring_shared, slots), 256);
    assert_int_equal(ring_shared_bytes(256), 256 + 256 * 16);
    assert_int_equal(ring_shared_bytes(1), 320); /* whole cache lines */
}

static void test_init_rejects_bad_args(void **state)
{
    (void)state;
    void *mem = aligned_alloc(64, ring_shared_bytes(16));
    struct ring_handle h;
    assert_int_equal(ring_init_shared(mem, 0), RING_EINVAL);
    assert_int_equal(ring_init_shared(mem, 12), RING_EINVAL);
    assert_int_equal(ring_init_shared((char *)mem + 8, 8), RING_EINVAL);
    assert_int_equal(ring_init_shared(NULL, 8), RING_EINVAL);
    assert_int_equal(ring_init_shared(mem, 16), RING_OK);
    assert_int_equal(ring_attach(&h, mem, 3, RING_PRODUCER), RING_EINVAL);
    assert_int_equal(ring_attach(&h, mem, 16, (enum ring_role)7), RING_EINVAL);
    struct ring_desc d = {0, 0, 0};
    assert_int_equal(ring_enqueue(&h, &d), RING_EROLE); /* failed attach: inert */
    assert_int_equal(ring_dequeue(&h, &d), RING_EROLE);
    assert_int_equal(ring_count(&h), 0);
    assert_int_equal(ring_attach(&h, mem, 16, RING_CONSUMER), RING_OK);
    free(mem);
}

static void test_starts_empty(void **state)
{
    struct fixture *f = *state;
    struct ring_desc d = {1, 2, 3};
    assert_true(ring_empty(&f->cons));
    assert_true(ring_empty(&f->prod));
    assert_false(ring_full(&f->prod));
    assert_int_equal(ring_count(&f->cons), 0);
    assert_int_equal(ring_dequeue(&f->cons, &d), RING_EMPTY);
    assert_int_equal(d.offset, 1); /* untouched */
}

static void test_fill_to_full(void **state)
{
    struct fixture *f = *state;
    push_n(f, 0, T_SIZE);
    struct ring_desc d = mk(99);
    assert_int_equal(ring_enqueue(&f->prod, &d), RING_FULL);
    assert_true(ring_full(&f->prod));
    assert_true(ring_full(&f->cons));
    assert_int_equal(ring_count(&f->cons), T_SIZE);
    pop_n(f, 0, 1);
    assert_false(ring_full(&f->prod));
    assert_int_equal(ring_enqueue(&f->prod, &d), RING_OK);
    assert_int_equal(f->prod.errors + f->cons.errors, 0);
}

static void test_fifo_order_and_fields(void **state)
{
    struct fixture *f = *state;
    for (uint64_t round = 0; round < 10; round++) {
        push_n(f, round * 5, 5);
        pop_n(f, round * 5, 5);
    }
    assert_true(ring_empty(&f->cons));
}

static void test_flags_are_opaque(void **state)
{
    struct fixture *f = *state;
    struct ring_desc in = {4096, 60, RING_F_CSUM_NEEDED | RING_F_TSO4 | 0x80000000u};
    struct ring_desc out;
    assert_int_equal(ring_enqueue(&f->prod, &in), RING_OK);
    assert_int_equal(ring_dequeue(&f->cons, &out), RING_OK);
    assert_memory_equal(&in, &out, sizeof(in));
}

static void test_wrong_role(void **state)
{
    struct fixture *f = *state;
    struct ring_desc d = mk(1);
    assert_int_equal(ring_enqueue(&f->cons, &d), RING_EROLE);
    assert_int_equal(ring_dequeue(&f->prod, &d), RING_EROLE);
    assert_int_equal(ring_enqueue_batch(&f->cons, &d, 1), 0);
    assert_int_equal(ring_dequeue_batch(&f->prod, &d, 1), 0);
    assert_true(ring_empty(&f->cons));
}

/* Counters start at UINT32_MAX - 2, so they wrap to 0 during the test. */
static void test_wraparound_counters(void **state)
{
    struct fixture *f = *state;
    uint64_t n = 0;
    for (int round = 0; round < 5; round++) {
        push_n(f, n, T_SIZE - 1);
        pop_n(f, n, T_SIZE - 1);
        n += T_SIZE - 1;
    }
    assert_true(f->prod.head < 64); /* wrapped */
    assert_int_equal(f->prod.head, (uint32_t)(UINT32_MAX - 2 + n));
    assert_int_equal(f->prod.errors + f->cons.errors, 0);
}

static void test_full_across_wrap(void **state)
{
    struct fixture *f = *state;
    push_n(f, 0, T_SIZE); /* head goes UINT32_MAX - 2 -> 5 */
    assert_true(ring_full(&f->prod));
    assert_int_equal(ring_count(&f->cons), T_SIZE);
    struct ring_desc d = mk(0);
    assert_int_equal(ring_enqueue(&f->prod, &d), RING_FULL);
    pop_n(f, 0, T_SIZE);
    assert_true(ring_empty(&f->cons));
    assert_int_equal(f->prod.errors + f->cons.errors, 0);
}

static void test_batch_partial(void **state)
{
    struct fixture *f = *state;
    struct ring_desc in[12], out[12];
    for (uint64_t i = 0; i < 12; i++)
        in[i] = mk(i);
    assert_int_equal(ring_enqueue_batch(&f->prod, in, 12), T_SIZE);
    assert_int_equal(ring_enqueue_batch(&f->prod, in, 1), 0);
    assert_int_equal(ring_dequeue_batch(&f->cons, out, 3), 3);
    assert_int_equal(ring_dequeue_batch(&f->cons, out + 3, 12), T_SIZE - 3);
    for (uint64_t i = 0; i < T_SIZE; i++)
        check_desc(&out[i], i);
    assert_int_equal(ring_dequeue_batch(&f->cons, out, 12), 0);
}

static void test_batch_wrap_slots(void **state)
{
    struct fixture *f = *state;
    struct ring_desc in[T_SIZE], out[T_SIZE];
    uint64_t n = 0;
    for (int round = 0; round < 7; round++) { /* batches straddle slot 0 */
        for (uint32_t i = 0; i < 5; i++)
            in[i] = mk(n + i);
        assert_int_equal(ring_enqueue_batch(&f->prod, in, 5), 5);
        assert_int_equal(ring_dequeue_batch(&f->cons, out, T_SIZE), 5);
        for (uint32_t i = 0; i < 5; i++)
            check_desc(&out[i], n + i);
        n += 5;
    }
}

static void test_batch_zero(void **state)
{
    struct fixture *f = *state;
    struct ring_desc d = mk(0);
    assert_int_equal(ring_enqueue_batch(&f->prod, &d, 0), 0);
    assert_int_equal(ring_dequeue_batch(&f->cons, &d, 0), 0);
    assert_int_equal(atomic_load(&shared(f)->head), 0);
    assert_int_equal(atomic_load(&shared(f)->tail), 0);
}

/* A producer that publishes head - tail > size is corrupt: counted, never followed. */
static void test_corrupt_head(void **state)
{
    struct fixture *f = *state;
    struct ring_desc d = {7, 7, 7};
    atomic_store(&shared(f)->head, T_SIZE + 1);
    assert_int_equal(ring_dequeue(&f->cons, &d), RING_ECORRUPT);
    assert_int_equal(d.offset, 7);
    assert_int_equal(f->cons.errors, 1);
    assert_int_equal(ring_dequeue_batch(&f->cons, &d, 1), 0);
    assert_int_equal(f->cons.errors, 2);
    assert_true(ring_empty(&f->cons)); /* treated as empty */
    assert_int_equal(f->cons.tail, 0);
    atomic_store(&shared(f)->head, UINT32_MAX); /* "behind" tail: also corrupt */
    assert_int_equal(ring_count(&f->cons), 0);
    assert_int_equal(f->cons.errors, 4);
    atomic_store(&shared(f)->head, 0); /* peer repaired: usable again */
    push_n(f, 0, 2);
    pop_n(f, 0, 2);
}

static void test_corrupt_tail(void **state)
{
    struct fixture *f = *state;
    push_n(f, 0, T_SIZE);
    atomic_store(&shared(f)->tail, 3 * T_SIZE); /* claims more consumed than made */
    struct ring_desc d = mk(9);
    assert_int_equal(ring_enqueue(&f->prod, &d), RING_ECORRUPT);
    assert_int_equal(f->prod.errors, 1);
    assert_true(ring_full(&f->prod)); /* treated as full */
    assert_int_equal(f->prod.tail, 0);
    assert_int_equal(atomic_load(&shared(f)->head), T_SIZE); /* nothing written */
}

static void test_exactly_size_outstanding_ok(void **state)
{
    struct fixture *f = *state;
    atomic_store(&shared(f)->head, T_SIZE); /* a forged but in-window head */
    assert_int_equal(ring_count(&f->cons), T_SIZE);
    assert_int_equal(f->cons.errors, 0);
}

static void test_attach_detects_corrupt(void **state)
{
    struct fixture *f = *state;
    struct ring_handle h;
    atomic_store(&shared(f)->head, 1000);
    assert_int_equal(ring_attach(&h, f->mem, T_SIZE, RING_CONSUMER), RING_ECORRUPT);
    assert_int_equal(h.errors, 1);
    struct ring_desc d = {7, 7, 7};
    assert_int_equal(ring_dequeue(&h, &d), RING_ECORRUPT); /* nothing followed */
    assert_int_equal(d.offset, 7);
    assert_int_equal(ring_attach(&h, f->mem, T_SIZE, RING_PRODUCER), RING_ECORRUPT);
    assert_int_equal(ring_enqueue(&h, &d), RING_ECORRUPT); /* looks full */
    assert_int_equal(atomic_load(&shared(f)->head), 1000);
}

/* Own index is private: a peer scribbling on it does not move this side. */
static void test_own_index_private(void **state)
{
    struct fixture *f = *state;
    push_n(f, 0, 2);
    atomic_store(&shared(f)->head, 500); /* consumer scribbles on head */
    push_n(f, 2, 1);                     /* producer publishes from its own copy */
    assert_int_equal(atomic_load(&shared(f)->head), 3);
    pop_n(f, 0, 3);
}

static void test_signal_consumer_sleeps_when_empty(void **state)
{
    struct fixture *f = *state;
    assert_false(ring_producer_should_signal(&f->prod)); /* nobody asked */
    assert_true(ring_consumer_request_signal(&f->cons));
    assert_int_equal(atomic_load(&shared(f)->consumer_needs_signal), 1);
    push_n(f, 0, 3);
    assert_true(ring_producer_should_signal(&f->prod));
    assert_int_equal(atomic_load(&shared(f)->consumer_needs_signal), 0);
    assert_false(ring_producer_should_signal(&f->prod)); /* only once */
}

static void test_signal_consumer_work_arrived(void **state)
{
    struct fixture *f = *state;
    push_n(f, 0, 1);
    assert_false(ring_consumer_request_signal(&f->cons)); /* must not sleep */
    ring_consumer_cancel_signal(&f->cons);
    assert_false(ring_producer_should_signal(&f->prod));
    pop_n(f, 0, 1);
}

static void test_signal_producer_space(void **state)
{
    struct fixture *f = *state;
    assert_false(ring_producer_request_signal(&f->prod)); /* not full */
    ring_producer_cancel_signal(&f->prod);
    push_n(f, 0, T_SIZE);
    assert_true(ring_producer_request_signal(&f->prod)); /* full: may sleep */
    assert_int_equal(atomic_load(&shared(f)->producer_needs_signal), 1);
    pop_n(f, 0, 1);
    assert_true(ring_consumer_should_signal(&f->cons));
    assert_false(ring_consumer_should_signal(&f->cons));
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(ring_strerror(RING_OK), "RING_OK");
    assert_string_equal(ring_strerror(RING_EMPTY), "RING_EMPTY");
    assert_string_equal(ring_strerror(RING_FULL), "RING_FULL");
    assert_string_equal(ring_strerror(RING_EBADDESC), "RING_EBADDESC");
    assert_string_equal(ring_strerror(RING_ECORRUPT), "RING_ECORRUPT");
    assert_string_equal(ring_strerror(RING_EINVAL), "RING_EINVAL");
    assert_string_equal(ring_strerror(RING_EROLE), "RING_EROLE");
    assert_string_equal(ring_strerror((enum ring_status)42), "RING_E?");
}

static void test_pool_init(void **state)
{
    (void)state;
    struct pool_handle p;
    void *base = aligned_alloc(4096, 16 * 2048);
    assert_int_equal(pool_init(&p, base, 16, 3000), RING_EINVAL);
    assert_int_equal(pool_init(&p, base, 0, 2048), RING_EINVAL);
    assert_int_equal(pool_init(&p, NULL, 16, 2048), RING_EINVAL);
    assert_int_equal(pool_init(&p, (char *)base + 64, 16, 2048), RING_EINVAL);
    assert_int_equal(pool_init(&p, base, 16, 2048), RING_OK);
    assert_int_equal(p.buf_shift, 11);
    assert_int_equal(p.bytes, 16 * 2048);
    assert_int_equal(pool_buf_offset(&p, 3), 3 * 2048);
    assert_int_equal(pool_buf_index(&p, 5 * 2048), 5);
    free(base);
}

static void test_pool_good_desc(void **state)
{
    (void)state;
    struct pool_handle p;
    static _Alignas(4096) uint8_t region[4 * 65536];
    assert_int_equal(pool_init(&p, region, 4, 65536), RING_OK);
    assert_ptr_equal(pool_buf_ptr(&p, 0, 0), region);
    assert_ptr_equal(pool_buf_ptr(&p, 3 * 65536, 65536), region + 3 * 65536);
    struct ring_desc d = {65536, 1500, RING_F_CSUM_VALID};
    assert_ptr_equal(pool_desc_ptr(&p, &d), region + 65536);
    assert_int_equal(p.errors, 0);
}

static void test_pool_bad_desc_counted(void **state)
{
    (void)state;
    struct pool_handle p;
    static _Alignas(4096) uint8_t region[8 * 2048];
    assert_int_equal(pool_init(&p, region, 8, 2048), RING_OK);
    assert_null(pool_buf_ptr(&p, 8 * 2048, 10));              /* one past the end */
    assert_null(pool_buf_ptr(&p, UINT64_MAX & ~2047ull, 10)); /* far out */
    assert_null(pool_buf_ptr(&p, 2048 + 14, 10));             /* misaligned */
    assert_null(pool_buf_ptr(&p, 2048, 2049));                /* longer than a buffer */
    assert_null(pool_buf_ptr(&p, 0, UINT32_MAX));
    assert_int_equal(p.errors, 5);
    assert_non_null(pool_buf_ptr(&p, 7 * 2048, 2048));
    assert_int_equal(p.errors, 5);
}

/* Descriptors forged by the peer come out of the ring and are caught by the pool. */
static void test_ring_then_pool_validation(void **state)
{
    struct fixture *f = *state;
    struct pool_handle p;
    static _Alignas(4096) uint8_t region[4 * 2048];
    assert_int_equal(pool_init(&p, region, 4, 2048), RING_OK);
    struct ring_desc in[3] = {{2048, 64, 0}, {4 * 2048, 64, 0}, {100, 64, 0}};
    struct ring_desc out[3];
    assert_int_equal(ring_enqueue_batch(&f->prod, in, 3), 3);
    assert_int_equal(ring_dequeue_batch(&f->cons, out, 3), 3);
    int good = 0;
    for (int i = 0; i < 3; i++)
        good += pool_desc_ptr(&p, &out[i]) != NULL;
    assert_int_equal(good, 1);
    assert_int_equal(p.errors, 2);
}

/* A full free/active cycle over a pool; rings as large as the pool never fill. */
static void test_ring_pair_cycle(void **state)
{
    (void)state;
    enum { NBUF = 8 };
    void *active = aligned_alloc(64, ring_shared_bytes(NBUF));
    void *freer = aligned_alloc(64, ring_shared_bytes(NBUF));
    struct ring_pair drv = {0}, stack = {0}; /* driver produces, stack consumes */
    assert_int_equal(ring_init_shared(active, NBUF), RING_OK);
    assert_int_equal(ring_init_shared(freer, NBUF), RING_OK);
    assert_int_equal(ring_pair_attach(&drv, active, freer, NBUF, RING_PRODUCER), RING_OK);
    assert_int_equal(ring_pair_attach(&stack, active, freer, NBUF, RING_CONSUMER), RING_OK);
    assert_int_equal(drv.free.role, RING_CONSUMER);
    assert_int_equal(stack.free.role, RING_PRODUCER);
    for (uint32_t i = 0; i < NBUF; i++) { /* the stack owns all empty buffers */
        struct ring_desc d = {(uint64_t)i * 2048, 0, 0};
        assert_int_equal(ring_enqueue(&stack.free, &d), RING_OK);
    }
    for (int round = 0; round < 3 * NBUF; round++) {
        struct ring_desc d = {0, 0, 0};
        assert_int_equal(ring_dequeue(&drv.free, &d), RING_OK);
        d.len = (uint32_t)(60 + round);
        assert_int_equal(ring_enqueue(&drv.active, &d), RING_OK);
        assert_int_equal(ring_dequeue(&stack.active, &d), RING_OK);
        assert_int_equal(d.len, 60 + round);
        assert_int_equal(ring_enqueue(&stack.free, &d), RING_OK);
    }
    assert_int_equal(ring_count(&drv.free), NBUF);
    assert_int_equal(ring_pair_attach(&drv, active, freer, NBUF, (enum ring_role)0), RING_EINVAL);
    free(active);
    free(freer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_init_rejects_bad_args),
        cmocka_unit_test_setup_teardown(test_starts_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_to_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_order_and_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flags_are_opaque, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wraparound_counters, setup_wrap, teardown),
        cmocka_unit_test_setup_teardown(test_full_across_wrap, setup_wrap, teardown),
        cmocka_unit_test_setup_teardown(test_batch_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_wrap_slots, setup_wrap, teardown),
        cmocka_unit_test_setup_teardown(test_batch_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exactly_size_outstanding_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attach_detects_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_index_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_consumer_sleeps_when_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_consumer_work_arrived, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_producer_space, setup, teardown),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_pool_init),
        cmocka_unit_test(test_pool_good_desc),
        cmocka_unit_test(test_pool_bad_desc_counted),
        cmocka_unit_test_setup_teardown(test_ring_then_pool_validation, setup, teardown),
        cmocka_unit_test(test_ring_pair_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
