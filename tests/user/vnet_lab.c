// SPDX-License-Identifier: MIT
// The virtio-net lab harness: the first process of the vnet test ISO
// (init=vnet-lab.elf). It plays init's part for the network test: finds the
// modern virtio-net functions on PCI bus 0, creates per NIC a netif region
// (shared by the driver and the responder) and a private virtqueue region,
// starts one driver per NIC and the responder with exactly the start-up block
// init will give them (lib/component.h), sends heartbeats, restarts a
// component that dies, and serves a few commands typed on COM1:
//   stats            print every driver's and the responder's counters
//   restart NAME     kill a component and start it again (restart test)
//   inject NAME      corrupt driver NAME's receive used ring (device-error test)
//   quit             end QEMU: PASS unless a component died unasked
// It is a test program, not the appliance's init (servers/init).
#include "lib/component.h"
#include "lib/fmt.h"
#include "lib/rw.h"
#include "lib/spawn.h"
#include "lib/string.h"
#include "shm/netif.h"

#define MS           1000000ull
#define MAX_NICS     2
#define MAX_COMPS    (MAX_NICS + 1)
#define NET_SIZE     (4ull << 20)
#define VQ_SIZE      (64ull << 10)
#define REGION_VA    0x40000000ull
#define SCRATCH_VA   0x3f000000ull
#define COM1         0x3f8
#define TICK_NS      (20 * MS)
#define HEARTBEAT_NS (500 * MS)

struct lab_region {
    char name[COMP_NAME_MAX];
    uint32_t handle;
    uint64_t phys, size, va; // va: the harness's own mapping
};

struct lab_comp {
    const char *elf;
    uint32_t image, core, ntfn, ctl, proc, thread;
    uint64_t next_bit, region_va, pings, pongs;
    uint32_t restarts;
    bool up, restart_asked;
    struct comp_info info; // with the harness's handle numbers
};

static const struct boot_modules *boot;
static uint32_t platform, lab_ntfn, com1, ncpus, nnics, ncomps;
static struct lab_region nets[MAX_NICS], vqs[MAX_NICS];
static struct lab_comp comps[MAX_COMPS]; // vnet0.., then the responder
static int unexpected_deaths;
static bool ready;

static uint32_t module(const char *name)
{
    for (uint32_t i = 0; i < boot->count; i++) {
        if (strcmp(boot->mod[i].name, name) == 0)
            return boot->mod[i].handle;
    }
    return 0;
}

static void name_copy(char *dst, const char *src)
{
    memset(dst, 0, COMP_NAME_MAX);
    memcpy(dst, src, strnlen(src, COMP_NAME_MAX - 1));
}

// A modern virtio-net function, or a transitional one (the driver checks that
// it really has the modern interface).
static bool is_vnet(uint32_t pci)
{
    uint32_t id = 0, sub = 0;
    rw_pci_read(pci, 0, 4, &id);
    rw_pci_read(pci, 0x2e, 2, &sub);
    return (id & 0xffff) == 0x1af4 && (id >> 16 == 0x1041 || (id >> 16 == 0x1000 && sub == 1));
}

static uint32_t find_nics(uint32_t *handles, uint32_t *bdfs)
{
    uint32_t n = 0;
    for (uint32_t dev = 0; dev < 32 && n < MAX_NICS; dev++) {
        uint32_t h = 0;
        if (rw_plat_pci(platform, dev << 3, &h) != RW_OK)
            continue;
        if (is_vnet(h)) {
            handles[n] = h;
            bdfs[n++] = dev << 3;
            continue;
        }
        rw_close(h);
    }
    return n;
}

static void make_region(struct lab_region *r, const char *name, uint64_t size, uint64_t va)
{
    name_copy(r->name, name);
    r->size = size;
    r->va = va;
    if (rw_mem_create(size, MEM_CONTIG, &r->handle) != RW_OK ||
        rw_mem_phys(r->handle, &r->phys) != RW_OK ||
        rw_map(HANDLE_SELF_PROC, r->handle, va, PROT_READ | PROT_WRITE) != RW_OK)
        rw_panic("vnet-lab: no memory for region %s\n", name);
}

static void add_region(struct lab_comp *c, const struct lab_region *r)
{
    struct comp_region *out = &c->info.regions[c->info.nregions++];
    name_copy(out->name, r->name);
    out->va = c->region_va;
    out->size = r->size;
    out->phys = r->phys;
    out->handle = r->handle;
    c->region_va += (r->size + 0x1fffff) & ~0x1fffffull;
}

// A channel: `from` signals bit b of `to`; names are the peers' names.
static void add_channel(struct lab_comp *from, struct lab_comp *to)
{
    uint64_t bit = 1ull << to->next_bit++;
    struct comp_channel *o = &from->info.channels[from->info.nchannels++];
    name_copy(o->name, to->info.name);
    o->dir = COMP_CHAN_OUT;
    o->ntfn = to->ntfn;
    o->bits = bit;
    struct comp_channel *i = &to->info.channels[to->info.nchannels++];
    name_copy(i->name, from->info.name);
    i->dir = COMP_CHAN_IN;
    i->bits = bit;
}

static void make_comp(struct lab_comp *c, const char *name, const char *elf, uint32_t core)
{
    c->elf = elf;
    c->image = module(elf);
    if (!c->image || rw_ntfn_create(&c->ntfn) != RW_OK)
        rw_panic("vnet-lab: no module %s\n", elf);
    c->core = core < ncpus ? core : ncpus - 1;
    c->region_va = REGION_VA;
    c->info.magic = COMP_MAGIC;
    name_copy(c->info.name, name);
    c->info.core = c->core;
}

// "vnet.responder_core=N" on the kernel command line moves the responder off
// the drivers' core 0 (cross-core signalling instead of same-core switches).
static uint32_t responder_core(void)
{
    const char *p = strstr(boot->cmdline, "vnet.responder_core=");
    return p ? (uint32_t)(p[20] - '0') % 10 : 0;
}

static void build(uint32_t *pci, uint32_t *bdf)
{
    struct lab_comp *resp = &comps[nnics];
    char name[COMP_NAME_MAX];
    make_comp(resp, "responder", "responder.elf", responder_core());
    char *args = resp->info.args;
    for (uint32_t i = 0; i < nnics; i++) {
        struct lab_comp *d = &comps[i];
        fmt_snprintf(name, sizeof(name), "vnet%u", i);
        make_comp(d, name, "virtio-net.elf", 0);
        fmt_snprintf(name, sizeof(name), "net%u", i);
        make_region(&nets[i], name, NET_SIZE, 0x80000000ull + i * 0x1000000ull);
        fmt_snprintf(name, sizeof(name), "vq%u", i);
        make_region(&vqs[i], name, VQ_SIZE, 0x90000000ull + i * 0x1000000ull);
        add_region(d, &nets[i]);
        add_region(d, &vqs[i]);
        add_region(resp, &nets[i]);
        fmt_snprintf(d->info.args, COMP_ARGS_MAX, "net=net%u vq=vq%u", i, i);
        d->info.devices[d->info.ndevices++] = (struct comp_device){COMP_DEV_PCI, pci[i], bdf[i], 0};
        add_channel(d, resp);
        add_channel(resp, d);
        size_t at = strlen(args);
        fmt_snprintf(args + at, COMP_ARGS_MAX - at, "%snet%u:vnet%u=198.%u.0.1", at ? " " : "", i,
                     i, 18 + i);
    }
    ncomps = nnics + 1;
}

static uint32_t give(struct lab_comp *c, uint32_t h, uint32_t rights)
{
    uint32_t theirs = 0;
    return rw_grant(c->proc, h, rights, &theirs) == RW_OK ? theirs : 0;
}

static uint64_t death_bit(uint32_t i)
{
    return 1ull << i;
}

static uint64_t control_bit(uint32_t i)
{
    return 1ull << (32 + i);
}

// The same grants init makes (servers/init/supervise.c).
static int grant_all(struct lab_comp *c, uint32_t i, struct comp_info *info)
{
    uint32_t mine = 0, theirs = 0;
    info->ntfn = give(c, c->ntfn, RIGHT_SIGNAL | RIGHT_WAIT);
    for (uint32_t r = 0; r < info->nregions; r++) {
        struct comp_region *reg = &info->regions[r];
        if (rw_map(c->proc, reg->handle, reg->va, PROT_READ | PROT_WRITE) != RW_OK)
            return RW_ENOMEM;
        reg->handle = give(c, reg->handle, RIGHT_READ | RIGHT_WRITE | RIGHT_PHYS);
    }
    for (uint32_t k = 0; k < info->nchannels; k++) {
        if (info->channels[k].dir == COMP_CHAN_OUT)
            info->channels[k].ntfn = give(c, info->channels[k].ntfn, RIGHT_SIGNAL);
    }
    for (uint32_t k = 0; k < info->ndevices; k++)
        info->devices[k].handle = give(c, info->devices[k].handle, RIGHTS_ALL & ~RIGHT_GRANT);
    int s = rw_chan_create(&mine, &theirs);
    if (s == RW_OK)
        s = rw_chan_bind(theirs, c->ntfn, COMP_BIT_CONTROL);
    if (s == RW_OK)
        s = rw_chan_bind(mine, lab_ntfn, control_bit(i));
    if (s == RW_OK)
        info->control = give(c, theirs, RIGHT_READ | RIGHT_WRITE);
    rw_close(theirs);
    c->ctl = mine;
    return s;
}

static int map_info(struct lab_comp *c, const struct comp_info *info)
{
    uint32_t page = 0;
    int s = rw_mem_create(sizeof(*info), 0, &page);
    if (s == RW_OK)
        s = rw_map(HANDLE_SELF_PROC, page, SCRATCH_VA, PROT_READ | PROT_WRITE);
    if (s == RW_OK) {
        memcpy((void *)SCRATCH_VA, info, sizeof(*info));
        rw_unmap(HANDLE_SELF_PROC, SCRATCH_VA);
        s = rw_map(c->proc, page, COMP_INFO_VA, PROT_READ);
    }
    rw_close(page);
    return s;
}

static void launch(uint32_t i)
{
    struct lab_comp *c = &comps[i];
    struct spawn sp;
    struct comp_info info = c->info;
    info.restarts = c->restarts;
    int s = spawn_prepare(c->image, c->info.name, &sp);
    c->proc = sp.proc;
    if (s == RW_OK)
        s = grant_all(c, i, &info);
    if (s == RW_OK)
        s = map_info(c, &info);
    if (s == RW_OK)
        s = rw_proc_watch(c->proc, lab_ntfn, death_bit(i));
    if (s == RW_OK)
        s = spawn_start(&sp, c->core, 20, COMP_INFO_VA);
    if (s != RW_OK)
        rw_panic("vnet-lab: cannot start %s: %s\n", c->info.name, rw_status_name(s));
    c->thread = sp.thread;
    c->up = true;
    rw_printf("vnet-lab: started %s on CPU %u (restart %u)\n", c->info.name, c->core, c->restarts);
}

// A component's process ended: report it and start it again.
static void ended(uint32_t i)
{
    struct lab_comp *c = &comps[i];
    struct proc_status st = {0};
    rw_proc_status(c->proc, &st);
    if (!c->restart_asked) {
        unexpected_deaths++;
        rw_printf("vnet-lab: %s died unasked: state %u code %ld vector %lu rip %lx addr %lx\n",
                  c->info.name, st.state, (long)st.exit_code, (unsigned long)st.fault_vector,
                  (unsigned long)st.fault_rip, (unsigned long)st.fault_addr);
    }
    rw_close(c->thread);
    rw_close(c->proc);
    rw_close(c->ctl);
    c->proc = c->thread = c->ctl = 0;
    c->up = c->restart_asked = false;
    c->restarts++;
    launch(i);
}

static void heartbeat(void)
{
    for (uint32_t i = 0; i < ncomps; i++) {
        struct chan_msg m = {.words = {COMP_CTL_PING}};
        if (comps[i].up && rw_chan_send(comps[i].ctl, &m) == RW_OK)
            comps[i].pings++;
    }
}

static void collect_pongs(uint32_t i)
{
    struct chan_msg m;
    while (comps[i].ctl && rw_chan_recv(comps[i].ctl, &m, 0) == RW_OK) {
        if (m.words[0] == COMP_CTL_PONG)
            comps[i].pongs++;
    }
}

static void put(char *line, size_t size, size_t *at, const char *name, uint64_t v)
{
    if (*at < size)
        *at += (size_t)fmt_snprintf(line + *at, size - *at, " %s=%lu", name, (unsigned long)v);
}

static void emit(char *line, size_t size, size_t at)
{
    if (at > size - 2)
        at = size - 2;
    line[at++] = '\n';
    rw_debug_write(line, at);
}

static void stats_nic(uint32_t i)
{
    char line[1024];
    const struct netif_header *h = (const struct netif_header *)nets[i].va;
    const struct netif_drv_counters *d =
        (const struct netif_drv_counters *)(nets[i].va + NETIF_DRV_CNT_OFF);
    const struct netif_app_counters *a =
        (const struct netif_app_counters *)(nets[i].va + NETIF_APP_CNT_OFF);
    size_t at = (size_t)fmt_snprintf(line, sizeof(line), "VNET-STATS vnet%u driver", i);
#define LAB_X_PUT(n) put(line, sizeof(line), &at, #n, __atomic_load_n(&d->n, __ATOMIC_RELAXED));
    NETIF_DRV_COUNTERS(LAB_X_PUT)
#undef LAB_X_PUT
    put(line, sizeof(line), &at, "link_up", h->link_up);
    put(line, sizeof(line), &at, "drv_restarts", h->drv_restarts);
    emit(line, sizeof(line), at);
    at = (size_t)fmt_snprintf(line, sizeof(line), "VNET-STATS vnet%u responder", i);
    for (uint32_t k = 0; k < a->count && k < NETIF_APP_COUNTERS; k++) {
        char name[25] = {0};
        memcpy(name, a->c[k].name, sizeof(a->c[k].name));
        put(line, sizeof(line), &at, name, __atomic_load_n(&a->c[k].value, __ATOMIC_RELAXED));
    }
    emit(line, sizeof(line), at);
}

static void stats(void)
{
    for (uint32_t i = 0; i < nnics; i++)
        stats_nic(i);
    for (uint32_t i = 0; i < ncomps; i++)
        rw_printf("VNET-STATS %s lab pings=%lu pongs=%lu restarts=%u\n", comps[i].info.name,
                  (unsigned long)comps[i].pings, (unsigned long)comps[i].pongs, comps[i].restarts);
    rw_printf("VNET-STATS end\n");
}

static void restart(const char *name)
{
    for (uint32_t i = 0; i < ncomps; i++) {
        if (strcmp(comps[i].info.name, name) == 0 && comps[i].up) {
            comps[i].restart_asked = true;
            rw_printf("vnet-lab: killing %s\n", name);
            rw_proc_kill(comps[i].proc);
            return;
        }
    }
    rw_printf("vnet-lab: no component '%s'\n", name);
}

// Plays a broken device: moves the receive queue's used index further than
// the queue is long (more used entries than could ever be outstanding), then
// wakes the driver, which must count it,
// reset the device and carry on. The queue is the driver's default 256
// entries; the layout is virtio's (descriptors, available ring, page-aligned
// used ring).
static void inject(const char *name)
{
    const uint32_t size = 256, used_off = (16 * size + 6 + 2 * size + 4095) & ~4095u;
    for (uint32_t i = 0; i < nnics; i++) {
        if (strcmp(comps[i].info.name, name) != 0)
            continue;
        volatile uint16_t *idx = (volatile uint16_t *)(vqs[i].va + used_off + 2);
        *idx = (uint16_t)(*idx + 0x8000);
        rw_signal(comps[i].ntfn, ~COMP_BIT_CONTROL);
        rw_printf("vnet-lab: corrupted %s's used index\n", name);
        return;
    }
    rw_printf("vnet-lab: no driver '%s'\n", name);
}

static void command(const char *line)
{
    if (strcmp(line, "stats") == 0) {
        stats();
    } else if (strncmp(line, "restart ", 8) == 0) {
        restart(line + 8);
    } else if (strncmp(line, "inject ", 7) == 0) {
        inject(line + 7);
    } else if (strcmp(line, "quit") == 0) {
        stats();
        rw_printf("vnet-lab: %d unexpected component deaths\n", unexpected_deaths);
        rw_test_exit(unexpected_deaths != 0);
    } else {
        rw_printf("vnet-lab: commands: stats, restart NAME, inject NAME, quit\n");
    }
}

// Reads COM1 without blocking; runs each complete line.
static void poll_console(void)
{
    static char line[64];
    static uint32_t len;
    uint32_t lsr = 0, c = 0;
    while (rw_io_read(com1, COM1 + 5, 1, &lsr) == RW_OK && (lsr & 1)) {
        rw_io_read(com1, COM1, 1, &c);
        if (c == '\r' || c == '\n') {
            line[len] = 0;
            if (len)
                command(line);
            len = 0;
        } else if (len < sizeof(line) - 1) {
            line[len++] = (char)c;
        }
    }
}

// Ready: every driver published UP and the responder named its counters.
static void check_ready(void)
{
    for (uint32_t i = 0; i < nnics; i++) {
        const struct netif_header *h = (const struct netif_header *)nets[i].va;
        const struct netif_app_counters *a =
            (const struct netif_app_counters *)(nets[i].va + NETIF_APP_CNT_OFF);
        if (!netif_ready(h) || h->drv_state != NETIF_DRV_UP || a->count == 0)
            return;
    }
    ready = true;
    rw_printf("VNET-LAB READY %u nics\n", nnics);
}

int main(uint64_t arg)
{
    boot = (const struct boot_modules *)arg;
    platform = boot->platform;
    ncpus = ((const struct kinfo *)USER_KINFO_VA)->ncpus;
    uint32_t pci[MAX_NICS], bdf[MAX_NICS];
    nnics = find_nics(pci, bdf);
    rw_printf("vnet-lab: %u CPUs, %u virtio-net functions\n", ncpus, nnics);
    if (nnics == 0 || rw_ntfn_create(&lab_ntfn) != RW_OK ||
        rw_plat_ioport(platform, COM1, 8, &com1) != RW_OK)
        rw_test_exit(1);
    build(pci, bdf);
    for (uint32_t i = 0; i < ncomps; i++)
        launch(i);
    uint64_t next_hb = rw_now_ns() + HEARTBEAT_NS;
    for (;;) {
        uint64_t bits = 0;
        rw_wait(lab_ntfn, TICK_NS, &bits);
        for (uint32_t i = 0; i < ncomps; i++) {
            if (bits & control_bit(i))
                collect_pongs(i);
            if (bits & death_bit(i))
                ended(i);
        }
        poll_console();
        if (!ready)
            check_ready();
        if (rw_now_ns() >= next_hb) {
            heartbeat();
            next_hb = rw_now_ns() + HEARTBEAT_NS;
        }
    }
}
