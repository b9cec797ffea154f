// SPDX-License-Identifier: MIT
// The NVMe driver component: one process per controller. From its start-up
// block (lib/component.h) it takes the PCI device, a private region for the
// queues (args "q=NAME"; private so no client can aim the device's DMA) and
// one block region per client (args "blk=NAME[,NAME...]", shm/blk.h), each
// with an OUT channel labelled like the region; the channel also says which
// core the client runs on, and the clients of one core share one I/O queue
// pair (so a controller sees one queue pair per core that uses the disk,
// as a multicore kernel's block layer would give it). It formats new regions, resets
// the controller before anything else (a dead predecessor may have left it
// running on the same memory), sets up MSI-X (or polls, and says so), brings
// the controller up, publishes each client's geometry with a new epoch, and
// runs the usual loop: wait, move requests and completions until there is no
// work, re-arm. A command that outlives its deadline resets the controller.
// Test hooks in args: crash=N (fault after N writes, first life only) and
// test=1 (let BLK_OP_TEST_BADCMD reach the device).
#include "drivers/nvme/nvme_var.h"
#include "lib/comp.h"
#include "lib/fmt.h"
#include "lib/rw.h"
#include "lib/string.h"

#define CONTROL_EVERY 256 // busy rounds between looks at the control channel

static struct nvme nvme;

static uint32_t arg_uint(const char *args, const char *key)
{
    char s[12];
    uint32_t v = 0;
    if (!comp_arg(args, key, s, sizeof(s)))
        return 0;
    for (int i = 0; s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (uint32_t)(s[i] - '0');
    return v;
}

// One client: its region (formatted if new) and its channel.
static int add_client(struct nvme *n, const char *name)
{
    const struct comp_region *r = comp_region(n->ci, name);
    const struct comp_channel *ch = comp_channel(n->ci, name, COMP_CHAN_OUT);
    if (!r || r->read_only || !ch || n->ncl == NVME_MAX_CLIENTS)
        return RW_ENOENT;
    if (!blk_format((void *)r->va, r->size))
        return RW_EINVAL;
    struct nvme_client *c = &n->cl[n->ncl++];
    c->reg = r;
    c->chan = ch;
    if (!blk_attach(&c->side, (void *)r->va, r->size))
        return RW_EINVAL;
    atomic_store_explicit(&c->side.hdr->state, BLK_STATE_DOWN, memory_order_release);
    c->pool_phys = r->phys + BLK_POOL_OFF;
    c->core = ch->core;
    return RW_OK;
}

// One I/O queue pair per core with clients; each client's share of its
// queue's command slots is an equal part.
static void assign_queues(struct nvme *n)
{
    for (uint32_t i = 0; i < n->ncl; i++) {
        struct nvme_client *c = &n->cl[i];
        uint32_t q = 0;
        while (q < n->nq && n->ioq[q].core != c->core)
            q++;
        if (q == n->nq)
            n->ioq[n->nq++].core = c->core;
        c->qi = q;
        n->ioq[q].nclients++;
    }
    for (uint32_t i = 0; i < n->ncl; i++)
        n->cl[i].share = (NVME_IOQ_DEPTH - 1) / n->ioq[n->cl[i].qi].nclients;
}

static int attach(struct nvme *n)
{
    char list[COMP_ARGS_MAX], q[COMP_NAME_MAX];
    const struct comp_region *qr = 0;
    if (comp_arg(n->ci->args, "q", q, sizeof(q)))
        qr = comp_region(n->ci, q);
    if (!comp_arg(n->ci->args, "blk", list, sizeof(list)) || !qr || qr->read_only)
        return RW_ENOENT;
    for (char *p = list; *p;) {
        char *end = strchr(p, ',');
        if (end)
            *end = 0;
        int s = add_client(n, p);
        if (s != RW_OK)
            return s;
        p = end ? end + 1 : p + strlen(p);
    }
    assign_queues(n);
    if (!n->ncl || qr->size < NVME_QM_BYTES(n->nq))
        return RW_ENOMEM;
    n->qmem = (uint8_t *)qr->va;
    n->qmem_phys = qr->phys;
    for (uint32_t i = 0; i < n->ci->ndevices && i < COMP_MAX_DEVICES; i++) {
        if (n->ci->devices[i].kind == COMP_DEV_PCI && !n->pci) {
            n->pci = n->ci->devices[i].handle;
            n->bdf = n->ci->devices[i].bdf;
        }
    }
    return n->pci ? RW_OK : RW_ENOENT;
}

// The tick: timeouts always, and the whole service without MSI-X.
static int tick_setup(struct nvme *n, uint64_t period)
{
    uint32_t t = 0;
    uint64_t taken = 0;
    for (uint32_t i = 0; i < n->ci->nchannels && i < COMP_MAX_CHANNELS; i++)
        taken |= n->ci->channels[i].dir == COMP_CHAN_IN ? n->ci->channels[i].bits : 0;
    n->tick_bit = 1ull << 62;
    while (n->tick_bit && (n->tick_bit & taken))
        n->tick_bit >>= 1;
    if (!n->tick_bit || rw_timer_create(n->ci->ntfn, n->tick_bit, &t) != RW_OK)
        return RW_ENOMEM;
    return rw_timer_set(t, rw_now_ns() + period, period);
}

// Geometry out, old requests dropped, a new epoch: clients resubmit.
static void publish_up(struct nvme *n)
{
    for (uint32_t i = 0; i < n->ncl; i++) {
        struct nvme_client *c = &n->cl[i];
        struct blk_header *h = c->side.hdr;
        c->geom = (struct blk_geom){1u << n->lba_shift, n->max_bytes >> n->lba_shift, n->nsze,
                                    c->side.pool_size};
        h->block_size = c->geom.block_size;
        h->max_blocks = c->geom.max_blocks;
        h->nblocks = c->geom.nblocks;
        h->write_through = n->write_through;
        memcpy(h->model, n->model, sizeof(h->model));
        memcpy(h->serial, n->serial, sizeof(h->serial));
        blk_drop_all(&c->side.req);
        atomic_fetch_add_explicit(&h->epoch, 1, memory_order_relaxed);
        // Release: pairs with the client's acquire of state.
        atomic_store_explicit(&h->state, BLK_STATE_UP, memory_order_release);
        comp_signal(c->chan);
    }
}

static void set_down(struct nvme *n)
{
    for (uint32_t i = 0; i < n->ncl; i++)
        atomic_store_explicit(&n->cl[i].side.hdr->state, BLK_STATE_DOWN, memory_order_release);
}

// A command outlived its deadline: reset the controller (no more DMA into
// the buffers), fail what was in flight, and bring it back.
static void recover(struct nvme *n)
{
    rw_printf("%s: command timeout, resetting the controller\n", n->ci->name);
    set_down(n);
    for (uint32_t i = 0; i < n->ncl; i++)
        n->cl[i].side.hdr->cnt.resets++;
    if (nvme_ctrl_disable(n) != RW_OK)
        rw_panic("%s: controller does not stop\n", n->ci->name);
    nvme_io_fail_all(n, BLK_S_ETIMEDOUT);
    if (nvme_ctrl_init(n) != RW_OK)
        rw_panic("%s: controller does not come back\n", n->ci->name);
    publish_up(n);
}

static void handle(struct nvme *n, uint64_t bits)
{
    if ((bits & n->tick_bit) && nvme_io_expired(n, rw_now_ns()))
        recover(n);
    uint32_t rounds = 0;
    for (;;) {
        uint32_t work = 0;
        for (uint32_t i = 0; i < n->nq; i++)
            work += nvme_io_round(n, &n->ioq[i]);
        for (uint32_t i = 0; i < n->ncl; i++)
            nvme_io_signal(&n->cl[i]);
        if (work) {
            if (++rounds % CONTROL_EVERY == 0)
                comp_service(n->ci); // init's heartbeat while busy
            continue;
        }
        bool more = false;
        for (uint32_t i = 0; i < n->ncl; i++)
            more |= nvme_io_arm(n, &n->cl[i]);
        if (!more)
            break;
    }
}

static int start(struct nvme *n, const struct comp_info *ci)
{
    n->ci = ci;
    n->crash_after = arg_uint(ci->args, "crash");
    n->test_ops = arg_uint(ci->args, "test") == 1;
    int s = attach(n);
    if (s == RW_OK)
        s = nvme_pci_probe(n);
    if (s == RW_OK)
        s = nvme_ctrl_disable(n); // before any queue memory is reused
    if (s == RW_OK)
        s = tick_setup(n, NVME_TICK_NS);
    if (s != RW_OK)
        return s;
    if (nvme_msix_setup(n) != RW_OK) {
        n->polled = true;
        rw_printf("%s: no usable MSI-X, polling every %u us\n", ci->name,
                  (unsigned)(NVME_POLL_NS / 1000));
        if (tick_setup(n, NVME_POLL_NS) != RW_OK)
            return RW_ENOMEM;
    }
    return nvme_ctrl_init(n);
}

static void report(struct nvme *n)
{
    rw_printf("%s: nvme %04x:%04x at %02x:%02x.%x, '%s' serial '%s', %lu blocks of %u bytes, "
              "max %u KiB per request, %u I/O queue pair(s) for %u client(s) (controller "
              "allows %u), %s, write cache %s, restart %u\n",
              n->ci->name, n->devid & 0xffff, n->devid >> 16, n->bdf >> 8, (n->bdf >> 3) & 31,
              n->bdf & 7, n->model, n->serial, (unsigned long)n->nsze, 1u << n->lba_shift,
              n->max_bytes / 1024, n->nq, n->ncl, n->nq_ctrl, n->polled ? "polled" : "msi-x",
              n->write_through ? "off (write-through)" : "on (FUA writes)", n->ci->restarts);
    for (uint32_t q = 0; q < n->nq; q++) {
        char who[NVME_MAX_CLIENTS * COMP_NAME_MAX] = "";
        size_t len = 0;
        for (uint32_t i = 0; i < n->ncl; i++) {
            if (n->cl[i].qi == q && len < sizeof(who))
                len += fmt_snprintf(who + len, sizeof(who) - len, " %s", n->cl[i].reg->name);
        }
        rw_printf("%s: I/O queue %u for core %u:%s\n", n->ci->name, n->ioq[q].q.qid, n->ioq[q].core,
                  who);
    }
}

int main(uint64_t arg)
{
    const struct comp_info *ci = comp_start(arg);
    if (!ci)
        return 1;
    struct nvme *n = &nvme;
    int s = start(n, ci);
    if (s != RW_OK) {
        rw_printf("%s: cannot start: %s\n", ci->name, rw_status_name(s));
        return 2;
    }
    for (uint32_t i = 0; i < n->ncl; i++)
        n->cl[i].side.hdr->cnt.restarts = ci->restarts;
    report(n);
    publish_up(n);
    handle(n, 0);
    for (;;)
        handle(n, comp_wait(ci, TIMEOUT_NEVER));
}
