// SPDX-License-Identifier: MIT
// The block benchmark client (bench/blk/run.sh, ISO config bench/blk/blk_bench.conf): one
// component on its own NVMe queue pair keeps BB_QD requests in flight through the block
// contract (shm/blk.h) for a fixed time per pattern and prints what it got on serial:
//   4 KiB random reads and random writes (IOPS), 128 KiB sequential reads and writes (MB/s).
// Writes are durable when acknowledged (the driver runs the device write-through, or with
// FUA). Args "SECONDS REGION [last]": the time per pattern, the block region shared with the
// driver, and "last" to end QEMU once this client has printed. Lines: "ringwall disk randread-4k: N
// IOPS", ... It checks no data; that is tests/user/blk_check.c's job.
#include "lib/comp.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "shm/blk.h"

#define BB_QD      8u      // requests in flight
#define BB_SEQ_MAX 131072u // bytes per sequential request
#define BB_SEC     1000000000ull
#define BB_MS      1000000ull

struct bb_pattern {
    const char *name;
    uint16_t op;
    uint32_t bytes;
    bool random;
};

static const struct bb_pattern bb_patterns[] = {
    {"randread-4k", BLK_OP_READ, 4096, true},
    {"randwrite-4k", BLK_OP_WRITE, 4096, true},
    {"seqread-128k", BLK_OP_READ, BB_SEQ_MAX, false},
    {"seqwrite-128k", BLK_OP_WRITE, BB_SEQ_MAX, false},
};

static const struct comp_info *ci;
static const struct comp_channel *drv;
static struct blk_side bs;
static struct blk_geom g;
static uint64_t rng = 0x9e3779b97f4a7c15ull, seq_lba, errors;

static uint64_t bb_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

// The next request of pattern p for slot i: a block-aligned range of p->bytes.
static struct blk_req bb_next(const struct bb_pattern *p, uint32_t i)
{
    uint32_t n = p->bytes / g.block_size;
    uint64_t units = g.nblocks / n, lba;
    if (p->random) {
        lba = bb_rand() % units * n;
    } else {
        lba = seq_lba;
        seq_lba = seq_lba + n > units * n - n ? 0 : seq_lba + n;
    }
    return (struct blk_req){
        .id = i, .lba = lba, .offset = (uint64_t)i * BB_SEQ_MAX, .nblocks = n, .op = p->op};
}

static void bb_kick(void)
{
    blk_publish(&bs.req);
    if (blk_should_signal(&bs.req))
        comp_signal(drv);
}

// Runs pattern p for `ns` nanoseconds with BB_QD in flight; completed requests.
static uint64_t bb_run(const struct bb_pattern *p, uint64_t ns)
{
    uint64_t done = 0, end = rw_now_ns() + ns;
    uint32_t inflight = 0;
    struct blk_cpl c;
    seq_lba = 0;
    for (uint32_t i = 0; i < BB_QD; i++) {
        struct blk_req r = bb_next(p, i);
        inflight += blk_put(&bs.req, &r);
    }
    bb_kick();
    while (inflight) {
        bool stop = rw_now_ns() >= end, more = false;
        while (blk_get(&bs.cpl, &c)) {
            inflight--;
            errors += c.status != BLK_S_OK;
            done += c.status == BLK_S_OK;
            struct blk_req r = bb_next(p, (uint32_t)c.id % BB_QD);
            if (!stop && blk_put(&bs.req, &r)) {
                inflight++;
                more = true;
            }
        }
        if (more)
            bb_kick();
        else if (inflight && blk_request_signal(&bs.cpl))
            comp_wait(ci, 100 * BB_MS);
    }
    return done;
}

// Waits for the driver to bring the region up; false if it never does.
static bool bb_attach(const char *region)
{
    const struct comp_region *r = comp_region(ci, region);
    drv = comp_channel(ci, "nvme0", COMP_CHAN_OUT);
    if (!r || !drv)
        return false;
    for (uint64_t t0 = rw_now_ns(); rw_now_ns() - t0 < 60 * BB_SEC;) {
        if (blk_ready((void *)r->va) && atomic_load_explicit(&((struct blk_header *)r->va)->state,
                                                             memory_order_acquire) == BLK_STATE_UP)
            break;
        comp_wait(ci, 10 * BB_MS);
    }
    if (!blk_attach(&bs, (void *)r->va, r->size) ||
        atomic_load_explicit(&bs.hdr->state, memory_order_acquire) != BLK_STATE_UP)
        return false;
    g = (struct blk_geom){bs.hdr->block_size, bs.hdr->max_blocks, bs.hdr->nblocks, bs.pool_size};
    return g.block_size >= 512 && g.block_size <= 4096 && g.nblocks >= 65536 &&
           (uint64_t)g.max_blocks * g.block_size >= BB_SEQ_MAX &&
           g.pool_size >= (uint64_t)BB_QD * BB_SEQ_MAX;
}

int main(uint64_t arg)
{
    ci = comp_start(arg);
    if (!ci)
        return 1;
    uint64_t secs = 0;
    const char *a = ci->args;
    while (*a >= '0' && *a <= '9')
        secs = secs * 10 + (uint64_t)(*a++ - '0');
    char region[32] = {0};
    for (uint32_t i = 0; *a == ' ' && a[i + 1] && a[i + 1] != ' ' && i < sizeof(region) - 1; i++)
        region[i] = a[i + 1];
    a += *a == ' ' ? strlen(region) + 1 : 0;
    bool last = strcmp(a, " last") == 0;
    if (!secs || !bb_attach(region)) {
        rw_printf("%s: no block service or bad args '%s'\n", ci->name, ci->args);
        rw_test_exit(1);
    }
    rng ^= (uint64_t)ci->name[0] << 32;
    rw_printf("%s: disk %lu blocks of %u, queue depth %u, %lu s per pattern\n", ci->name,
              (unsigned long)g.nblocks, g.block_size, BB_QD, (unsigned long)secs);
    for (uint32_t k = 0; k < sizeof(bb_patterns) / sizeof(bb_patterns[0]); k++) {
        const struct bb_pattern *p = &bb_patterns[k];
        uint64_t t0 = rw_now_ns(), n = bb_run(p, secs * BB_SEC), dt = rw_now_ns() - t0;
        if (p->random)
            rw_printf("ringwall disk %s: %lu IOPS\n", p->name, (unsigned long)(n * BB_SEC / dt));
        else
            rw_printf("ringwall disk %s: %lu MB/s\n", p->name,
                      (unsigned long)(n * p->bytes * 1000 / dt));
    }
    rw_printf("%s: %lu request errors\n", ci->name, (unsigned long)errors);
    if (last)
        rw_test_exit(errors != 0);
    for (;;)
        comp_wait(ci, TIMEOUT_NEVER);
}
