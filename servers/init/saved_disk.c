// SPDX-License-Identifier: MIT
// init's side of the saved configuration (saved.h): before any other
// component starts, init starts the disk driver of the boot medium's
// configuration (the component that maps the region "disk" and owns a PCI
// device), becomes for a moment the client of that region (shm/blk.h: it
// polls the completion ring, and signals the driver on the bits of the
// driver's incoming channels), reads the whole configuration area into
// memory, and lets saved_pick() decide. It never writes to the disk. The
// driver keeps running; init.c either starts the rest beside it or, for a
// saved configuration, stops everything and starts again from that text.
#include "lib/rw.h"
#include "lib/string.h"
#include "servers/blk/blkarea.h"
#include "servers/init/init.h"
#include "servers/init/saved.h"
#include "shm/blk.h"

#define SD_MS        1000000ull
#define SD_DISK_VA   0x38000000ull // the region "disk", while we read
#define SD_AREA_VA   0x3a000000ull // our copy of the configuration area
#define SD_UP_WAIT   (10000 * SD_MS)
#define SD_IO_WAIT   (5000 * SD_MS)
#define SD_CHUNK_MAX 131072u

struct sd {
    struct blk_side bs;
    struct blk_geom g;
    uint32_t drv_ntfn;
    uint64_t drv_bits; // the driver's incoming channel bits
    uint64_t next_id;
};

static uint32_t area_mem;

// The driver of region "disk": the component mapping it with a PCI device.
static int find_driver(void)
{
    for (uint32_t r = 0; r < cfg.nregions; r++) {
        if (strcmp(cfg.regions[r].name, "disk") != 0)
            continue;
        for (uint32_t k = 0; k < cfg.regions[r].nmaps; k++) {
            const struct config_component *c = &cfg.components[cfg.regions[r].maps[k].index];
            for (uint32_t d = 0; d < c->ndevices; d++) {
                if (c->devices[d].kind == CONFIG_DEV_PCI)
                    return (int)cfg.regions[r].maps[k].index;
            }
        }
    }
    return -1;
}

static int region_index(const char *name)
{
    for (uint32_t r = 0; r < cfg.nregions; r++) {
        if (strcmp(cfg.regions[r].name, name) == 0)
            return (int)r;
    }
    return -1;
}

// Waits for the driver to bring the region up, then attaches to it.
static bool attach(struct sd *d, const struct config_region *r)
{
    void *va = (void *)SD_DISK_VA;
    uint64_t end = rw_now_ns() + SD_UP_WAIT;
    while (!blk_ready(va) || atomic_load_explicit(&((struct blk_header *)va)->state,
                                                  memory_order_acquire) != BLK_STATE_UP) {
        if (rw_now_ns() > end)
            return false;
        rw_sleep(SD_MS);
    }
    if (!blk_attach(&d->bs, va, r->size))
        return false;
    struct blk_header *h = d->bs.hdr;
    d->g = (struct blk_geom){h->block_size, h->max_blocks, h->nblocks, d->bs.pool_size};
    return d->g.block_size == 512 || d->g.block_size == 4096;
}

// Reads n blocks at lba into the pool's start and waits for the answer.
static int read_blocks(struct sd *d, uint64_t lba, uint32_t n)
{
    struct blk_req q = {.id = ++d->next_id, .lba = lba, .nblocks = n, .op = BLK_OP_READ};
    struct blk_cpl c;
    if (!blk_put(&d->bs.req, &q))
        return BLK_S_ENODEV;
    blk_publish(&d->bs.req);
    rw_signal(d->drv_ntfn, d->drv_bits);
    for (uint64_t end = rw_now_ns() + SD_IO_WAIT; rw_now_ns() < end;) {
        while (blk_get(&d->bs.cpl, &c)) {
            if (c.id == q.id)
                return c.status;
        }
        rw_sleep(SD_MS / 5);
    }
    return BLK_S_ETIMEDOUT;
}

// The configuration area, copied to SD_AREA_VA; its size in sectors, or 0.
static uint64_t read_area(struct sd *d, struct blkarea *a)
{
    uint32_t bs = d->g.block_size, chunk = SD_CHUNK_MAX / bs;
    if (!blkarea_for(bs, d->g.nblocks, a) || d->bs.pool_size < SD_CHUNK_MAX)
        return 0;
    chunk = chunk < d->g.max_blocks ? chunk : d->g.max_blocks;
    if (rw_mem_create(a->cfg_nsect * bs, 0, &area_mem) != RW_OK ||
        rw_map(HANDLE_SELF_PROC, area_mem, SD_AREA_VA, PROT_READ | PROT_WRITE) != RW_OK)
        return 0;
    for (uint64_t s = 0; s < a->cfg_nsect; s += chunk) {
        uint32_t n = a->cfg_nsect - s < chunk ? (uint32_t)(a->cfg_nsect - s) : chunk;
        int st = read_blocks(d, a->cfg_first + s, n);
        if (st != BLK_S_OK) {
            rw_printf("init: saved configuration: disk read failed: %s\n", blk_status_name(st));
            return 0;
        }
        memcpy((uint8_t *)SD_AREA_VA + s * bs, d->bs.pool, (size_t)n * bs);
    }
    return a->cfg_nsect;
}

// Starts the disk driver and reads the area; false (and why) if it cannot.
static bool read_disk(struct sd *d, struct blkarea *a, uint64_t *nsect)
{
    int drv = find_driver(), ri = region_index("disk");
    if (drv < 0 || ri < 0)
        return false; // no disk in this configuration: nothing to say
    if (comps[drv].absent) {
        rw_printf("init: no disk: using the configuration on the boot medium\n");
        return false;
    }
    if (comp_launch(&comps[drv]) != RW_OK ||
        rw_map(HANDLE_SELF_PROC, regions[ri].handle, SD_DISK_VA, PROT_READ | PROT_WRITE) != RW_OK)
        return false;
    d->drv_ntfn = comps[drv].ntfn;
    for (uint32_t i = 0; i < comps[drv].info.nchannels; i++) {
        if (comps[drv].info.channels[i].dir == COMP_CHAN_IN)
            d->drv_bits |= comps[drv].info.channels[i].bits;
    }
    bool ok = attach(d, &cfg.regions[ri]) && (*nsect = read_area(d, a)) != 0;
    rw_unmap(HANDLE_SELF_PROC, SD_DISK_VA);
    if (!ok)
        rw_printf("init: the disk did not answer: using the configuration on the boot medium\n");
    return ok;
}

int saved_load(unsigned ncpus, saved_module_fn has_module, struct config *out,
               struct saved_choice *ch)
{
    static struct sd d;
    struct blkarea a;
    uint64_t nsect = 0;
    *ch = (struct saved_choice){0};
    if (!read_disk(&d, &a, &nsect))
        return SAVED_NONE;
    return saved_pick((const uint8_t *)SD_AREA_VA, d.g.block_size, nsect, ncpus, has_module, out,
                      ch);
}

void saved_done(void)
{
    if (!area_mem)
        return;
    rw_unmap(HANDLE_SELF_PROC, SD_AREA_VA);
    rw_close(area_mem);
    area_mem = 0;
}
