// SPDX-License-Identifier: MIT
/*
 * bench/ring/ring_bench.c - host throughput of shm/ring.h across two cores:
 * a producer thread on CPU 0 and a consumer thread on CPU 1 move descriptors
 * through one ring, with batch sizes 1 and 32, first busy-polling (the ring
 * alone) and then with the sleep/signal protocol (a full fence per batch on
 * each side and a futex notification whenever a side has to sleep). Prints
 * one line per configuration. It is not a correctness test (see
 * tests/stress/ring_stress.c) and says nothing about the cost of the
 * ring-3 notification system calls on Ringwall itself.
 * Usage: ring_bench [descriptors_per_config [ring_size]]
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

#define BENCH_MAX_BATCH 32u

struct bench {
    struct ring_handle prod;
    struct ring_handle cons;
    uint64_t count;
    uint32_t batch;
    bool use_signal;
    struct ntfn prod_ntfn;
    struct ntfn cons_ntfn;
    uint64_t sum; /* consumer: checksum, so the loads are not optimised away */
};

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Nothing could be enqueued: spin, or sleep if the protocol says so. */
static void producer_stall(struct bench *b)
{
    if (!b->use_signal) {
        cpu_relax();
        return;
    }
    if (ring_producer_request_signal(&b->prod))
        ntfn_wait(&b->prod_ntfn);
    else
        ring_producer_cancel_signal(&b->prod);
}

static void consumer_stall(struct bench *b)
{
    if (!b->use_signal) {
        cpu_relax();
        return;
    }
    if (ring_consumer_request_signal(&b->cons))
        ntfn_wait(&b->cons_ntfn);
    else
        ring_consumer_cancel_signal(&b->cons);
}

static void *producer_main(void *arg)
{
    struct bench *b = arg;
    struct ring_desc d[BENCH_MAX_BATCH];
    uint64_t sent = 0;
    pin(0);
    while (sent < b->count) {
        uint32_t want = b->batch;
        if (want > b->count - sent)
            want = (uint32_t)(b->count - sent);
        for (uint32_t i = 0; i < want; i++)
            d[i] = (struct ring_desc){(sent + i) << 11, 1514, 0};
        uint32_t n = ring_enqueue_batch(&b->prod, d, want);
        sent += n;
        if (n == 0)
            producer_stall(b);
        else if (b->use_signal && ring_producer_should_signal(&b->prod))
            ntfn_signal(&b->cons_ntfn);
    }
    return NULL;
}

static void *consumer_main(void *arg)
{
    struct bench *b = arg;
    struct ring_desc d[BENCH_MAX_BATCH];
    uint64_t got = 0, sum = 0;
    pin(1);
    while (got < b->count) {
        uint32_t n = ring_dequeue_batch(&b->cons, d, b->batch);
        if (n == 0) {
            consumer_stall(b);
            continue;
        }
        for (uint32_t i = 0; i < n; i++)
            sum += d[i].offset + d[i].len;
        got += n;
        if (b->use_signal && ring_consumer_should_signal(&b->cons))
            ntfn_signal(&b->prod_ntfn);
    }
    b->sum = sum;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One configuration; returns Mdesc/s, or a negative value on failure. */
static double run(uint64_t count, uint32_t size, uint32_t batch, bool use_signal)
{
    static struct bench b;
    void *mem = aligned_alloc(RING_CACHE_LINE, ring_shared_bytes(size));
    if (mem == NULL || ring_init_shared(mem, size) != RING_OK)
        return -1;
    b = (struct bench){.count = count, .batch = batch, .use_signal = use_signal};
    if (ring_attach(&b.prod, mem, size, RING_PRODUCER) != RING_OK ||
        ring_attach(&b.cons, mem, size, RING_CONSUMER) != RING_OK)
        return -1;
    pthread_t pt, ct;
    double t0 = now_s();
    if (pthread_create(&ct, NULL, consumer_main, &b) != 0 ||
        pthread_create(&pt, NULL, producer_main, &b) != 0)
        return -1;
    pthread_join(pt, NULL);
    pthread_join(ct, NULL);
    double secs = now_s() - t0;
    uint64_t want = (count - 1) * count / 2 * 2048 + count * 1514;
    free(mem);
    return b.sum == want ? (double)count / secs / 1e6 : -1;
}

int main(int argc, char **argv)
{
    uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 0) : 50000000ull;
    uint32_t size = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 512;
    static const uint32_t batches[] = {1, 32};
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        fprintf(stderr, "ring_bench: fewer than 2 CPUs, not cross-core\n");
    int status = 0;
    for (int sig = 0; sig < 2; sig++) {
        for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
            double r = run(count, size, batches[i], sig);
            if (r < 0) {
                fprintf(stderr, "ring_bench: run failed or checksum wrong\n");
                status = 1;
                continue;
            }
            printf("ring host batch=%u%s: %.1f Mdesc/s\n", batches[i], sig ? " signal" : "", r);
        }
    }
    return status;
}
