// SPDX-License-Identifier: MIT
// The client side of the NVMe QEMU test (tests/qemu/nvme_disk.sh with
// tests/qemu/nvme.conf), one image whose role is its args. "main": checks
// what the previous boot left on the disk (a stamp in the last block names its
// pattern seed), writes and reads back patterns of many sizes (one block to
// the largest request, page-aligned and not), sends malformed requests that
// must be refused and an opcode the device must fail, then writes a burst
// while the driver is killed (its args crash=N) and checks that every
// acknowledged write reads back after the restart; the client resubmits what
// was not acknowledged; it also keeps a crash-checkable log (servers/blk/
// blklog.c) across boots, with a record torn on purpose. "second REGION": another client at the
// same time (on its own core's queue pair, or sharing main's), pattern write and read-back in its
// own quarter of the disk, then it signals main on "done"; main waits for every such signal.
// Results are lines "BLK PASS name" / "BLK FAIL name"; main hands the verdict to QEMU.
#include "lib/comp.h"
#include "lib/fmt.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "servers/blk/blklog.h"
#include "shm/blk.h"

#define SEC         1000000000ull
#define MS          1000000ull
#define STAMP_MAGIC 0x4b4843424b4c4257ull // "WBLKBCHK"
#define RW_AREA     0u                    // pool offsets: what we write from
#define RD_AREA     262144u               // what we read into
#define KILL_AREA   524288u               // the burst written across the kill
#define KILL_N      96u                   // writes in the burst
#define KILL_BLKS   16u                   // blocks each
#define KILL_WIN    8u                    // outstanding at once
#define SECOND_N    8u

struct pend {
    bool used, done;
    struct blk_req r;
    int status;
    uint16_t dev;
    uint32_t epoch_done; // epoch the completion arrived in
};

static const struct comp_info *ci;
static struct blk_side bs;
static const struct comp_channel *drv;
static struct blk_geom g;
static struct pend tab[BLK_RING_SIZE];
static uint32_t gen, epoch, outstanding, resubmitted;
static uint64_t seen_bits; // every bit comp_wait returned
static int failures;
static const char *who;

static void result(bool ok, const char *name, const char *detail)
{
    rw_printf("BLK %s %s%s%s\n", ok ? "PASS" : "FAIL", name, detail ? ": " : "",
              detail ? detail : "");
    failures += !ok;
}

static uint64_t pattern(uint64_t seed, uint64_t lba, uint32_t word)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ lba * 0xbf58476d1ce4e5b9ull ^ word;
    x ^= x >> 31;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 29);
}

static void fill(uint64_t off, uint64_t lba, uint32_t nblocks, uint64_t seed)
{
    uint32_t words = g.block_size / 8;
    for (uint32_t b = 0; b < nblocks; b++) {
        uint64_t *p = (uint64_t *)(bs.pool + off + (uint64_t)b * g.block_size);
        for (uint32_t w = 0; w < words; w++)
            p[w] = pattern(seed, lba + b, w);
    }
}

// Index of the first bad block, or -1 if all nblocks match.
static int64_t verify(uint64_t off, uint64_t lba, uint32_t nblocks, uint64_t seed)
{
    uint32_t words = g.block_size / 8;
    for (uint32_t b = 0; b < nblocks; b++) {
        const uint64_t *p = (const uint64_t *)(bs.pool + off + (uint64_t)b * g.block_size);
        for (uint32_t w = 0; w < words; w++)
            if (p[w] != pattern(seed, lba + b, w))
                return b;
    }
    return -1;
}

static void kick(void)
{
    blk_publish(&bs.req);
    if (blk_should_signal(&bs.req))
        comp_signal(drv);
}

static int submit(uint16_t op, uint64_t lba, uint32_t nblocks, uint64_t off, uint16_t flags)
{
    for (uint32_t i = 0; i < BLK_RING_SIZE; i++) {
        if (tab[i].used)
            continue;
        struct blk_req r = {.id = (uint64_t)++gen << 8 | i,
                            .lba = lba,
                            .offset = off,
                            .nblocks = nblocks,
                            .op = op,
                            .flags = flags};
        if (!blk_put(&bs.req, &r))
            return -1;
        tab[i] = (struct pend){.used = true, .r = r};
        outstanding++;
        return (int)i;
    }
    return -1;
}

static void take_completions(void)
{
    struct blk_cpl c;
    while (blk_get(&bs.cpl, &c)) {
        struct pend *p = &tab[c.id & 0xff];
        if ((c.id & 0xff) >= BLK_RING_SIZE || !p->used || p->done || p->r.id != c.id)
            continue; // a duplicate after a driver restart
        p->done = true;
        p->status = c.status;
        p->dev = c.dev_status;
        p->epoch_done = epoch;
        outstanding--;
    }
}

// A new driver epoch: everything not completed is sent again.
static void check_epoch(void)
{
    uint32_t st = atomic_load_explicit(&bs.hdr->state, memory_order_acquire);
    uint32_t e = atomic_load_explicit(&bs.hdr->epoch, memory_order_relaxed);
    if (st != BLK_STATE_UP || e == epoch)
        return;
    take_completions(); // the old epoch's last completions first
    rw_printf("%s: driver epoch %u -> %u, resubmitting %u\n", who, epoch, e, outstanding);
    epoch = e;
    for (uint32_t i = 0; i < BLK_RING_SIZE; i++) {
        if (tab[i].used && !tab[i].done && blk_put(&bs.req, &tab[i].r))
            resubmitted++;
    }
    kick();
}

// Waits until at most `left` requests are outstanding; false on timeout.
static bool wait_until(uint32_t left, uint64_t timeout)
{
    uint64_t end = rw_now_ns() + timeout;
    for (;;) {
        take_completions();
        check_epoch();
        if (outstanding <= left)
            return true;
        if (rw_now_ns() > end)
            return false;
        if (blk_request_signal(&bs.cpl))
            seen_bits |= comp_wait(ci, 100 * MS); // also wakes to look at the epoch
    }
}

// One request, waited for (nothing else may be outstanding); its status,
// or 1 on timeout.
static int io(uint16_t op, uint64_t lba, uint32_t nblocks, uint64_t off, uint16_t flags,
              uint16_t *dev)
{
    int i = submit(op, lba, nblocks, off, flags);
    if (i < 0)
        return 1;
    kick();
    bool ok = wait_until(0, 60 * SEC);
    int st = ok ? tab[i].status : 1;
    if (dev)
        *dev = tab[i].dev;
    tab[i].used = false;
    return st;
}

static bool attach(const char *region, const char *chan)
{
    const struct comp_region *r = comp_region(ci, region);
    drv = comp_channel(ci, chan, COMP_CHAN_OUT);
    if (!r || !drv)
        return false;
    for (uint64_t t0 = rw_now_ns(); rw_now_ns() - t0 < 60 * SEC;) {
        if (blk_ready((void *)r->va) && atomic_load_explicit(&((struct blk_header *)r->va)->state,
                                                             memory_order_acquire) == BLK_STATE_UP)
            break;
        seen_bits |= comp_wait(ci, 10 * MS);
    }
    if (!blk_attach(&bs, (void *)r->va, r->size) ||
        atomic_load_explicit(&bs.hdr->state, memory_order_acquire) != BLK_STATE_UP)
        return false;
    epoch = atomic_load_explicit(&bs.hdr->epoch, memory_order_relaxed);
    g = (struct blk_geom){bs.hdr->block_size, bs.hdr->max_blocks, bs.hdr->nblocks, bs.pool_size};
    return g.block_size >= 512 && g.nblocks > 4096 && g.max_blocks >= 8;
}

// ---- the cases ---------------------------------------------------------------------
struct rw_case {
    uint32_t nblocks, off; // off: pool offset of the buffer, dword aligned
};
static const struct rw_case rw_cases[] = {
    {1, 0},  {7, 512},    {8, 0},   {9, 1536},   {16, 4100},
    {64, 0}, {128, 2048}, {255, 0}, {256, 3584}, {256, 0},
};
#define NCASES (sizeof(rw_cases) / sizeof(rw_cases[0]))

struct stamp {
    uint64_t magic, seed, boot;
};

static uint32_t case_blocks(uint32_t i)
{
    uint32_t n = rw_cases[i].nblocks * 512 / g.block_size;
    n = n ? n : 1;
    return n < g.max_blocks ? n : g.max_blocks;
}

// Spread across the disk; the last case ends just before the stamp block.
static uint64_t case_lba(uint32_t i)
{
    if (i == NCASES - 1)
        return g.nblocks - 1 - case_blocks(i);
    return (g.nblocks / 16) * i + 3 * i;
}

static uint64_t kill_lba(void)
{
    return g.nblocks / 2 + g.nblocks / 32;
}

static void name_case(char *buf, size_t size, const char *what, uint32_t i)
{
    fmt_snprintf(buf, size, "%s-%ublk-off%u-lba%lu", what, case_blocks(i), rw_cases[i].off,
                 (unsigned long)case_lba(i));
}

static void rw_patterns(uint64_t seed)
{
    char name[64];
    for (uint32_t i = 0; i < NCASES; i++) {
        uint32_t n = case_blocks(i), off = rw_cases[i].off;
        uint64_t lba = case_lba(i);
        fill(RW_AREA + off, lba, n, seed);
        int ws = io(BLK_OP_WRITE, lba, n, RW_AREA + off, 0, 0);
        memset(bs.pool + RD_AREA + off, 0, (size_t)n * g.block_size);
        int rs = ws ? ws : io(BLK_OP_READ, lba, n, RD_AREA + off, 0, 0);
        name_case(name, sizeof(name), "rw", i);
        result(ws == 0 && rs == 0 && verify(RD_AREA + off, lba, n, seed) < 0, name,
               ws || rs ? blk_status_name(ws ? ws : rs) : 0);
    }
    result(io(BLK_OP_FLUSH, 0, 0, 0, 0, 0) == BLK_S_OK, "flush", 0);
}

// Reads one range back into RD_AREA and compares it with seed's pattern.
static bool read_verify(uint64_t lba, uint32_t n, uint64_t seed)
{
    memset(bs.pool + RD_AREA, 0, (size_t)n * g.block_size);
    return io(BLK_OP_READ, lba, n, RD_AREA, 0, 0) == BLK_S_OK && verify(RD_AREA, lba, n, seed) < 0;
}

// What the previous boot wrote must still be there.
static uint64_t persistence(void)
{
    struct stamp st;
    if (io(BLK_OP_READ, g.nblocks - 1, 1, RD_AREA, 0, 0) != BLK_S_OK) {
        result(false, "read-stamp", 0);
        return 1;
    }
    memcpy(&st, bs.pool + RD_AREA, sizeof(st));
    if (st.magic != STAMP_MAGIC) {
        rw_printf("%s: fresh disk (no stamp), boot 1\n", who);
        return 1;
    }
    bool ok = true;
    for (uint32_t i = 0; i < NCASES; i++)
        ok &= read_verify(case_lba(i), case_blocks(i), st.seed);
    for (uint32_t k = 0; k < KILL_N; k++)
        ok &= read_verify(kill_lba() + k * KILL_BLKS, KILL_BLKS, st.seed);
    char d[48];
    fmt_snprintf(d, sizeof(d), "boot %lu's data, seed %lu", (unsigned long)st.boot,
                 (unsigned long)st.seed);
    result(ok, "persist-readback", d);
    return st.boot + 1;
}

struct bad_case {
    const char *name;
    uint16_t op, flags;
    uint64_t lba;
    uint32_t nblocks;
    uint64_t off;
    int want;
};

static void bad_requests(void)
{
    const struct bad_case bad[] = {
        {"reject-lba-past-end", BLK_OP_READ, 0, g.nblocks, 1, RD_AREA, BLK_S_ERANGE},
        {"reject-range-crosses-end", BLK_OP_WRITE, 0, g.nblocks - 4, 8, RW_AREA, BLK_S_ERANGE},
        {"reject-lba-wraps", BLK_OP_READ, 0, ~0ull - 2, 8, RD_AREA, BLK_S_ERANGE},
        {"reject-zero-length", BLK_OP_READ, 0, 0, 0, RD_AREA, BLK_S_ELEN},
        {"reject-too-long", BLK_OP_READ, 0, 0, g.max_blocks + 1, RD_AREA, BLK_S_ELEN},
        {"reject-huge-length", BLK_OP_WRITE, 0, 0, 0xffffffffu, RW_AREA, BLK_S_ELEN},
        {"reject-offset-outside-pool", BLK_OP_READ, 0, 0, 1, g.pool_size, BLK_S_EOFFSET},
        {"reject-buffer-crosses-pool-end", BLK_OP_READ, 0, 0, 2, g.pool_size - g.block_size,
         BLK_S_EOFFSET},
        {"reject-offset-misaligned", BLK_OP_READ, 0, 0, 1, RD_AREA + 2, BLK_S_EOFFSET},
        {"reject-offset-wraps", BLK_OP_READ, 0, 0, 1, ~0ull - 100, BLK_S_EOFFSET},
        {"reject-bad-op", 9, 0, 0, 1, RD_AREA, BLK_S_EINVAL},
        {"reject-bad-flags", BLK_OP_READ, 0x80, 0, 1, RD_AREA, BLK_S_EINVAL},
        {"reject-flush-with-blocks", BLK_OP_FLUSH, 0, 0, 1, 0, BLK_S_EINVAL},
    };
    for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int s = io(bad[i].op, bad[i].lba, bad[i].nblocks, bad[i].off, bad[i].flags, 0);
        result(s == bad[i].want, bad[i].name, blk_status_name(s));
    }
    uint16_t dev = 0;
    int s = io(BLK_OP_TEST_BADCMD, 0, 1, RD_AREA, 0, &dev);
    char d[48];
    fmt_snprintf(d, sizeof(d), "%s, device status %x", blk_status_name(s), dev);
    result(s == BLK_S_EIO && dev == 0x001, "device-error-reported", d); // SCT 0, SC 1
    result(io(BLK_OP_READ, 0, 1, RD_AREA, 0, 0) == BLK_S_OK, "works-after-errors", 0);
}

// Moves finished burst writes from tab to per-write results.
static void harvest(uint64_t base, int *status, uint32_t *ep)
{
    for (uint32_t i = 0; i < BLK_RING_SIZE; i++) {
        if (!tab[i].used || !tab[i].done)
            continue;
        uint32_t k = (uint32_t)((tab[i].r.lba - base) / KILL_BLKS);
        status[k] = tab[i].status;
        ep[k] = tab[i].epoch_done;
        tab[i].used = false;
    }
}

// Writes a burst, KILL_WIN at a time, across the injected driver crash.
static void kill_test(uint64_t seed)
{
    static int status[KILL_N];
    static uint32_t ep[KILL_N];
    uint64_t base = kill_lba();
    uint32_t e0 = epoch, next = 0, resub0 = resubmitted;
    for (uint32_t k = 0; k < KILL_N; k++) {
        fill(KILL_AREA + (uint64_t)k * KILL_BLKS * g.block_size, base + k * KILL_BLKS, KILL_BLKS,
             seed);
        status[k] = 1;
    }
    while (next < KILL_N || outstanding) {
        while (next < KILL_N && outstanding < KILL_WIN) {
            submit(BLK_OP_WRITE, base + next * KILL_BLKS, KILL_BLKS,
                   KILL_AREA + (uint64_t)next * KILL_BLKS * g.block_size, 0);
            next++;
        }
        kick();
        if (!wait_until(next < KILL_N ? outstanding - 1 : 0, 60 * SEC))
            break;
        harvest(base, status, ep);
    }
    harvest(base, status, ep);
    uint32_t acked_before = 0, before_ok = 0, all_ok = 0;
    for (uint32_t k = 0; k < KILL_N; k++) {
        bool ok = status[k] == BLK_S_OK && read_verify(base + k * KILL_BLKS, KILL_BLKS, seed);
        all_ok += ok;
        if (status[k] == BLK_S_OK && ep[k] == e0) {
            acked_before++;
            before_ok += ok;
        }
    }
    char d[96];
    fmt_snprintf(d, sizeof(d), "epoch %u -> %u, driver restarts %lu", e0, epoch,
                 (unsigned long)bs.hdr->cnt.restarts);
    result(epoch != e0 && bs.hdr->cnt.restarts >= 1, "kill-driver-mid-write", d);
    fmt_snprintf(d, sizeof(d), "%u of %u acknowledged before the kill read back", before_ok,
                 acked_before);
    result(acked_before > 0 && before_ok == acked_before, "kill-acked-writes-survive", d);
    fmt_snprintf(d, sizeof(d), "%u of %u, %u resubmitted", all_ok, KILL_N, resubmitted - resub0);
    result(all_ok == KILL_N && resubmitted > resub0, "kill-resubmitted-writes-complete", d);
}

static void write_stamp(uint64_t seed, uint64_t boot)
{
    struct stamp st = {STAMP_MAGIC, seed, boot};
    memset(bs.pool + RW_AREA, 0, g.block_size);
    memcpy(bs.pool + RW_AREA, &st, sizeof(st));
    int s = io(BLK_OP_WRITE, g.nblocks - 1, 1, RW_AREA, BLK_F_FUA, 0);
    if (s == BLK_S_OK)
        s = io(BLK_OP_FLUSH, 0, 0, 0, 0, 0);
    result(s == BLK_S_OK, "write-stamp", blk_status_name(s));
}

// ---- the crash-checkable log (servers/blk/blklog.c) on the real disk -------------
#define LOG_ID    0x52574c4f47ull
#define LOG_NSECT 64u

static uint8_t log_scratch[16384], log_rec[16384];

static uint64_t log_first(void)
{
    return g.nblocks / 16 * 13;
}

static int log_read(void *ctx, uint64_t sect, uint32_t count, void *buf)
{
    (void)ctx;
    if (io(BLK_OP_READ, sect, count, RD_AREA, 0, 0) != BLK_S_OK)
        return -1;
    memcpy(buf, bs.pool + RD_AREA, (size_t)count * g.block_size);
    return 0;
}

// Encodes one record and writes `keep` of its sectors (all if 0).
static bool log_append(struct blklog *lg, uint64_t boot, uint32_t len, uint32_t keep)
{
    char text[1024];
    memset(text, 'a' + (int)(boot % 26), sizeof(text));
    fmt_snprintf(text, 64, "boot %lu record %lu", (unsigned long)boot, (unsigned long)lg->next_seq);
    uint64_t sect;
    uint32_t bytes;
    if (blklog_encode(lg, 1, text, len, log_rec, sizeof(log_rec), &sect, &bytes) != BLKLOG_OK)
        return false;
    uint32_t n = keep ? keep : bytes / g.block_size;
    memcpy(bs.pool + RW_AREA, log_rec, bytes);
    return io(BLK_OP_WRITE, sect, n, RW_AREA, 0, 0) == BLK_S_OK;
}

static bool log_recover(struct blklog *lg, struct blklog_scan *sc)
{
    return blklog_init(lg, g.block_size, log_first(), LOG_NSECT, LOG_ID) == BLKLOG_OK &&
           blklog_recover(lg, log_read, 0, log_scratch, sizeof(log_scratch), sc) == BLKLOG_OK;
}

// Three records per boot; one more torn on purpose (its first sector only).
static void log_test(uint64_t boot)
{
    struct blklog lg;
    struct blklog_scan sc;
    char d[64];
    bool ok = log_recover(&lg, &sc);
    fmt_snprintf(d, sizeof(d), "last seq %lu, %lu torn", (unsigned long)sc.last_seq,
                 (unsigned long)sc.torn);
    if (boot > 1)
        result(ok && sc.last_seq == 3 * (boot - 1), "log-survives-reboot", d);
    for (uint32_t i = 0; i < 3; i++)
        ok &= log_append(&lg, boot, 100 + 400 * i, 0);
    ok &= log_append(&lg, boot, 900, 1); // two sectors, the second never written
    ok &= log_recover(&lg, &sc);
    fmt_snprintf(d, sizeof(d), "last seq %lu, %lu torn", (unsigned long)sc.last_seq,
                 (unsigned long)sc.torn);
    result(ok && sc.last_seq == 3 * boot && sc.torn >= 1, "log-torn-record-ignored", d);
}

// Waits until every other client ("NAME.done" channels in) has signalled.
static void wait_seconds(void)
{
    uint64_t want = 0;
    for (uint32_t i = 0; i < ci->nchannels && i < COMP_MAX_CHANNELS; i++) {
        const struct comp_channel *c = &ci->channels[i];
        const char *dot = strchr(c->name, '.');
        if (c->dir == COMP_CHAN_IN && dot && strcmp(dot, ".done") == 0)
            want |= c->bits;
    }
    for (uint64_t t0 = rw_now_ns(); (seen_bits & want) != want && rw_now_ns() - t0 < 60 * SEC;)
        seen_bits |= comp_wait(ci, 100 * MS);
    char d[48];
    fmt_snprintf(d, sizeof(d), "%u of %u", __builtin_popcountll(seen_bits & want),
                 __builtin_popcountll(want));
    result(want && (seen_bits & want) == want, "second-clients-finished", d);
}

static int main_client(void)
{
    if (!attach("d0", "nvme0")) {
        result(false, "attach", "no block service");
        rw_test_exit(1);
    }
    rw_printf("%s: disk '%s' %lu blocks of %u, max %u blocks, write-through %u, epoch %u\n", who,
              bs.hdr->model, (unsigned long)g.nblocks, g.block_size, g.max_blocks,
              bs.hdr->write_through, epoch);
    uint64_t boot = persistence();
    uint64_t seed = boot * 1000 + 7;
    rw_patterns(seed);
    bad_requests();
    log_test(boot);
    kill_test(seed);
    write_stamp(seed, boot);
    wait_seconds();
    rw_printf("%s: %u failures; driver counters: %lu reads %lu writes %lu flushes %lu rejected "
              "%lu device errors %lu restarts\n",
              who, failures, (unsigned long)bs.hdr->cnt.reads, (unsigned long)bs.hdr->cnt.writes,
              (unsigned long)bs.hdr->cnt.flushes, (unsigned long)bs.hdr->cnt.rejected,
              (unsigned long)bs.hdr->cnt.dev_errors, (unsigned long)bs.hdr->cnt.restarts);
    rw_test_exit(failures != 0);
}

// Another client at the same time as main, on region `region`; the region's
// number picks its own eighth of the disk's last quarter.
static int second_client(const char *region)
{
    const struct comp_channel *done = comp_channel(ci, "done", COMP_CHAN_OUT);
    const struct comp_region *r = comp_region(ci, region);
    char name[48];
    fmt_snprintf(name, sizeof(name), "second-attach-%s", region);
    if (!done || !r || !attach(region, "nvme0")) {
        result(false, name, 0);
        return 1;
    }
    uint64_t base = g.nblocks / 4 * 3 + g.nblocks / 32 * (r->id % 8), seed = rw_now_ns() | 1;
    bool ok = true;
    for (uint32_t k = 0; k < SECOND_N; k++) {
        uint64_t off = (uint64_t)k * 8 * g.block_size;
        fill(off, base + k * 8, 8, seed);
        if (submit(BLK_OP_WRITE, base + k * 8, 8, off, 0) < 0)
            ok = false;
    }
    kick();
    ok &= wait_until(0, 60 * SEC);
    for (uint32_t i = 0; i < BLK_RING_SIZE; i++) {
        ok &= !tab[i].used || tab[i].status == BLK_S_OK;
        tab[i].used = false;
    }
    for (uint32_t k = 0; k < SECOND_N && ok; k++) {
        uint64_t off = 65536 + (uint64_t)k * 8 * g.block_size;
        memset(bs.pool + off, 0, 8 * g.block_size);
        ok = io(BLK_OP_READ, base + k * 8, 8, off, 0, 0) == BLK_S_OK &&
             verify(off, base + k * 8, 8, seed) < 0;
    }
    fmt_snprintf(name, sizeof(name), "second-rw-%s", region);
    result(ok, name, 0);
    comp_signal(done);
    for (;;)
        comp_wait(ci, TIMEOUT_NEVER);
}

int main(uint64_t arg)
{
    ci = comp_start(arg);
    if (!ci)
        return 1;
    who = ci->name;
    if (strncmp(ci->args, "second ", 7) == 0)
        return second_client(ci->args + 7);
    if (strcmp(ci->args, "main") == 0)
        return main_client();
    return 1;
}
