// SPDX-License-Identifier: MIT
// The block benchmark client (bench/blk/run.sh, ISO configurations bench/blk/blk_bench.conf with
// one client, bench/blk/blk_bench4.conf with four on four cores): each client keeps BB_QD
// requests in flight through the block contract (shm/blk.h) for a fixed time per pattern:
//   4 KiB random reads and random writes (IOPS), 128 KiB sequential reads and writes (MB/s).
// Writes are durable when acknowledged (the driver runs the device write-through, or with
// FUA). Args: t=SECONDS per pattern, blk=REGION shared with the driver, end=1 to end QEMU once
// the figures are printed. A group of clients adds grp=REGION (a page all of them map), of=N
// (clients in the group) and me=I (0 .. N-1): client 0 leads, starting every pattern for all at
// the same instant of the shared clock and adding up what each got in its own window. The
// leader (or a lone client) prints "ringwall disk randread-4k: N IOPS", ... It checks no
// data; that is tests/user/blk_check.c's job.
#include "lib/comp.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "shm/blk.h"

#define BB_QD      8u      // requests in flight
#define BB_SEQ_MAX 131072u // bytes per sequential request
#define BB_SEC     1000000000ull
#define BB_MS      1000000ull
#define BB_MAXG    8u            // clients in one group
#define BB_NPAT    4u            // patterns
#define BB_GAP     (200 * BB_MS) // between patterns, for the stragglers

// The group's page (grp=REGION): the leader writes start_ns, every client
// adds itself to ready and, per pattern, writes its rate before it counts
// itself in finished.
struct bb_sync {
    _Atomic uint32_t ready;             // clients attached (relaxed add, release below)
    _Atomic uint32_t finished[BB_NPAT]; // release: pairs with the leader's acquire
    _Atomic uint64_t start_ns;          // release by the leader, acquire by the others
    uint64_t rate[BB_NPAT][BB_MAXG];    // per client: requests per second, scaled
};
_Static_assert(sizeof(struct bb_sync) <= 4096, "bb_sync fits one page");

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
_Static_assert(sizeof(bb_patterns) / sizeof(bb_patterns[0]) == BB_NPAT, "one slot per pattern");

static const struct comp_info *ci;
static struct bb_sync *grp; // NULL: a lone client
static uint32_t group = 1, me;
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

static uint32_t bb_arg(const char *key)
{
    char v[12];
    uint32_t x = 0;
    if (comp_arg(ci->args, key, v, sizeof(v)))
        for (int i = 0; v[i] >= '0' && v[i] <= '9'; i++)
            x = x * 10 + (uint32_t)(v[i] - '0');
    return x;
}

// Joins the group in grp=REGION (if any) and returns when every client may
// start: the leader waits for all to be ready and picks the start.
static bool bb_join(void)
{
    char name[COMP_NAME_MAX];
    if (!comp_arg(ci->args, "grp", name, sizeof(name)))
        return true;
    const struct comp_region *r = comp_region(ci, name);
    group = bb_arg("of");
    me = bb_arg("me");
    if (!r || r->read_only || r->size < sizeof(struct bb_sync) || group < 1 || group > BB_MAXG ||
        me >= group)
        return false;
    grp = (struct bb_sync *)r->va;
    atomic_fetch_add_explicit(&grp->ready, 1, memory_order_release); // pairs with the leader
    for (uint64_t t0 = rw_now_ns(); rw_now_ns() - t0 < 60 * BB_SEC; comp_wait(ci, BB_MS)) {
        if (me == 0 && atomic_load_explicit(&grp->ready, memory_order_acquire) == group)
            atomic_store_explicit(&grp->start_ns, rw_now_ns() + 100 * BB_MS,
                                  memory_order_release); // pairs with the acquire below
        if (atomic_load_explicit(&grp->start_ns, memory_order_acquire))
            return true;
    }
    return false;
}

// Waits (sleeping) until the shared clock reads t.
static void bb_until(uint64_t t)
{
    for (uint64_t now = rw_now_ns(); now < t; now = rw_now_ns())
        comp_wait(ci, t - now);
}

// Pattern k for every client; the group's rate (lone: our own), scaled by
// 1000 for MB/s so that integer division keeps the figure.
static uint64_t bb_pattern(uint32_t k, uint64_t secs)
{
    const struct bb_pattern *p = &bb_patterns[k];
    if (grp)
        bb_until(atomic_load_explicit(&grp->start_ns, memory_order_acquire) +
                 k * (secs * BB_SEC + BB_GAP));
    uint64_t t0 = rw_now_ns(), n = bb_run(p, secs * BB_SEC), dt = rw_now_ns() - t0;
    uint64_t rate = p->random ? n * BB_SEC / dt : n * p->bytes * 1000 / dt;
    if (!grp)
        return rate;
    grp->rate[k][me] = rate;
    atomic_fetch_add_explicit(&grp->finished[k], 1, memory_order_release); // rate first
    if (me != 0)
        return 0;
    uint64_t sum = 0, t1 = rw_now_ns();
    while (atomic_load_explicit(&grp->finished[k], memory_order_acquire) < group &&
           rw_now_ns() - t1 < 10 * BB_SEC)
        comp_wait(ci, BB_MS);
    for (uint32_t i = 0; i < group; i++)
        sum += grp->rate[k][i];
    return sum;
}

int main(uint64_t arg)
{
    ci = comp_start(arg);
    if (!ci)
        return 1;
    uint64_t secs = bb_arg("t");
    char region[COMP_NAME_MAX] = "";
    bool last = bb_arg("end") == 1;
    if (!secs || !comp_arg(ci->args, "blk", region, sizeof(region)) || !bb_attach(region) ||
        !bb_join()) {
        rw_printf("%s: no block service, group or bad args '%s'\n", ci->name, ci->args);
        rw_test_exit(1);
    }
    rng ^= (uint64_t)ci->name[0] << 32 ^ (uint64_t)ci->name[2] << 40;
    rw_printf("%s: disk %lu blocks of %u, queue depth %u, %lu s per pattern, client %u of %u\n",
              ci->name, (unsigned long)g.nblocks, g.block_size, BB_QD, (unsigned long)secs, me + 1,
              group);
    for (uint32_t k = 0; k < BB_NPAT; k++) {
        uint64_t rate = bb_pattern(k, secs);
        if (me == 0)
            rw_printf("ringwall disk %s: %lu %s\n", bb_patterns[k].name, (unsigned long)rate,
                      bb_patterns[k].random ? "IOPS" : "MB/s");
    }
    rw_printf("%s: %lu request errors\n", ci->name, (unsigned long)errors);
    if (last)
        rw_test_exit(errors != 0);
    for (;;)
        comp_wait(ci, TIMEOUT_NEVER);
}
