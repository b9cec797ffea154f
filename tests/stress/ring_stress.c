// SPDX-License-Identifier: MIT
/*
 * tests/stress/ring_stress.c - concurrency stress test of shm/ring.h on the
 * host: a producer and a consumer thread (pinned to different CPUs when there
 * are two) move N numbered descriptors through a small ring using the real
 * sleep/signal protocol in both directions, with a futex bit word standing in
 * for the kernel notification: a side really sleeps only after
 * ring_*_request_signal() said it may, and the peer really signals only when
 * ring_*_should_signal() said it must. The consumer checks every descriptor
 * (no loss, duplication, reordering or torn slot) and the counters start near
 * 2^32 so they wrap mid-run. A watchdog fails the run if progress stops (a
 * lost wake-up). Meant to run under ThreadSanitizer too. It is not a
 * benchmark (see bench/ring/ring_bench.c) and proves nothing by itself
 * about interleavings it did not hit (see tests/spin/ring_signal.pml).
 * Usage: ring_stress [count [ring_size [stall_seconds]]]
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shm/ring.h"
#include "tests/stress/host_ntfn.h"

#define STRESS_MAX_BATCH   32u
#define STRESS_MAX_REPORTS 10

/* A notification: sticky bit, signal sets it, wait clears it (like seL4's). */
struct side {
    struct ring_handle ring;
    struct ntfn *wake_me;                   /* this side's notification */
    struct ntfn *peer;                      /* the other side's notification */
    uint64_t count;                         /* descriptors to move */
    int cpu;                                /* CPU to pin to, or -1 */
    uint64_t signals;                       /* notifications sent */
    uint64_t sleeps;                        /* waits on own notification */
    uint64_t errors;                        /* consumer: bad descriptors */
    double t_end;                           /* consumer: when the last descriptor arrived */
    _Alignas(64) _Atomic uint64_t progress; /* watched by main */
};

static double now_s(void);

static void pin(int cpu)
{
    cpu_set_t set;
    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The descriptor carrying sequence number `seq`; every field is checkable. */
static struct ring_desc seq_desc(uint64_t seq)
{
    return (struct ring_desc){
        .offset = seq,
        .len = (uint32_t)(seq * 2654435761u),
        .flags = (uint32_t)(seq >> 32) ^ 0xa5a5a5a5u,
    };
}

/* Batch sizes 1..32 from a cheap generator, so partial batches are exercised. */
static uint32_t next_batch(uint32_t *rng)
{
    *rng = *rng * 1103515245u + 12345u;
    return 1 + ((*rng >> 16) % STRESS_MAX_BATCH);
}

/* Ring full: sleep until the consumer frees space, unless it already has. */
static void producer_wait_space(struct side *s)
{
    if (ring_producer_request_signal(&s->ring)) {
        s->sleeps++;
        ntfn_wait(s->wake_me);
    } else {
        ring_producer_cancel_signal(&s->ring);
    }
}

static void *producer_main(void *arg)
{
    struct side *s = arg;
    struct ring_desc batch[STRESS_MAX_BATCH];
    uint32_t rng = 1;
    uint64_t seq = 0;
    pin(s->cpu);
    while (seq < s->count) {
        uint32_t want = next_batch(&rng);
        if (want > s->count - seq)
            want = (uint32_t)(s->count - seq);
        for (uint32_t i = 0; i < want; i++)
            batch[i] = seq_desc(seq + i);
        uint32_t n = ring_enqueue_batch(&s->ring, batch, want);
        seq += n;
        if (n != 0 && ring_producer_should_signal(&s->ring)) {
            s->signals++;
            ntfn_signal(s->peer);
        }
        if (n == 0)
            producer_wait_space(s);
    }
    return NULL;
}

/* Check one descriptor against the expected sequence number. */
static void check_one(struct side *s, const struct ring_desc *d, uint64_t *expect)
{
    struct ring_desc want = seq_desc(*expect);
    if (d->offset == want.offset && d->len == want.len && d->flags == want.flags) {
        (*expect)++;
        return;
    }
    if (s->errors++ < STRESS_MAX_REPORTS)
        fprintf(stderr,
                "ring_stress: expected seq %" PRIu64 ", got offset %" PRIu64 " len %#x flags %#x\n",
                *expect, d->offset, d->len, d->flags);
    *expect = d->offset + 1; /* resynchronise and keep counting */
}

static void consumer_wait_work(struct side *s)
{
    if (ring_consumer_request_signal(&s->ring)) {
        s->sleeps++;
        ntfn_wait(s->wake_me);
    } else {
        ring_consumer_cancel_signal(&s->ring);
    }
}

static void *consumer_main(void *arg)
{
    struct side *s = arg;
    struct ring_desc batch[STRESS_MAX_BATCH];
    uint32_t rng = 7;
    uint64_t expect = 0;
    pin(s->cpu);
    while (expect < s->count) {
        uint32_t n = ring_dequeue_batch(&s->ring, batch, next_batch(&rng));
        if (n == 0) {
            consumer_wait_work(s);
            continue;
        }
        for (uint32_t i = 0; i < n; i++)
            check_one(s, &batch[i], &expect);
        atomic_store_explicit(&s->progress, expect, memory_order_relaxed);
        if (ring_consumer_should_signal(&s->ring)) {
            s->signals++;
            ntfn_signal(s->peer);
        }
    }
    s->t_end = now_s();
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Poll consumer progress; exit(2) if it stalls for `stall` seconds. */
static void watchdog(struct side *cons, unsigned stall)
{
    const struct timespec tick = {0, 50 * 1000 * 1000};
    uint64_t last = 0;
    unsigned idle_ticks = 0;
    for (;;) {
        uint64_t p = atomic_load_explicit(&cons->progress, memory_order_relaxed);
        if (p >= cons->count)
            return;
        idle_ticks = p == last ? idle_ticks + 1 : 0;
        last = p;
        if (idle_ticks >= stall * 20) {
            fprintf(stderr, "ring_stress: no progress for %us at %" PRIu64 " (lost wake-up?)\n",
                    stall, p);
            exit(2);
        }
        nanosleep(&tick, NULL);
    }
}

static void side_init(struct side *s, struct ntfn *wake_me, struct ntfn *peer, uint64_t count,
                      int cpu)
{
    s->wake_me = wake_me;
    s->peer = peer;
    s->count = count;
    s->cpu = cpu;
}

static int two_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 0;
    return CPU_COUNT(&set) >= 2 && CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

int main(int argc, char **argv)
{
    uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000000ull;
    uint32_t size = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 256;
    unsigned stall = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 30;
    static struct ntfn prod_ntfn, cons_ntfn;
    static struct side prod, cons;
    void *mem = aligned_alloc(RING_CACHE_LINE, ring_shared_bytes(size));
    /* Start counters so they cross 2^32 about halfway through the run. */
    uint32_t start = (uint32_t)(0u - (uint32_t)(count / 2));
    if (mem == NULL || ring_init_shared_at(mem, size, start) != RING_OK ||
        ring_attach(&prod.ring, mem, size, RING_PRODUCER) != RING_OK ||
        ring_attach(&cons.ring, mem, size, RING_CONSUMER) != RING_OK) {
        fprintf(stderr, "ring_stress: bad ring size %u\n", size);
        return 1;
    }
    int pinned = two_cpus();
    side_init(&prod, &prod_ntfn, &cons_ntfn, count, pinned ? 0 : -1);
    side_init(&cons, &cons_ntfn, &prod_ntfn, count, pinned ? 1 : -1);

    pthread_t pt, ct;
    double t0 = now_s();
    if (pthread_create(&ct, NULL, consumer_main, &cons) != 0 ||
        pthread_create(&pt, NULL, producer_main, &prod) != 0) {
        fprintf(stderr, "ring_stress: pthread_create failed\n");
        return 1;
    }
    watchdog(&cons, stall);
    pthread_join(pt, NULL);
    pthread_join(ct, NULL);
    double secs = cons.t_end - t0;

    uint64_t errors = cons.errors + prod.ring.errors + cons.ring.errors;
    printf("ring_stress: ring %u slots, %s, producer %" PRIu64 " sleeps %" PRIu64
           " signals, consumer %" PRIu64 " sleeps %" PRIu64 " signals, %.2f s\n",
           size, pinned ? "pinned cpu0/cpu1" : "unpinned", prod.sleeps, prod.signals, cons.sleeps,
           cons.signals, secs);
    printf("ring_stress: %" PRIu64 " descriptors, %" PRIu64 " errors, %.2f Mdesc/s\n", count,
           errors, (double)count / secs / 1e6);
    free(mem);
    return errors == 0 ? 0 : 1;
}
