// SPDX-License-Identifier: MIT
// The init server, first process of the appliance. It reads the appliance
// configuration (a boot module, or the newest saved one on the disk that
// passes the same checks: saved.h), refuses to start if any line is wrong or a
// component's image or device is missing (an optional=yes component whose PCI
// device is missing is only left out: its regions and channels still exist),
// creates the shared regions and the
// devices, starts every component on its core with its regions, channels and
// devices, and then supervises them (supervise.c). It moves no packets.
#include "servers/init/init.h"

#include "lib/fmt.h"
#include "lib/rw.h"
#include "lib/spawn.h"
#include "lib/string.h"
#include "servers/init/saved.h"

struct config cfg;
struct comp_state comps[CONFIG_MAX_COMPONENTS];
struct region_state regions[CONFIG_MAX_REGIONS];
uint32_t init_ntfn;

static const struct boot_modules *boot;
static uint32_t platform;
static uint32_t conf_handle, conf_size; // the configuration text every component reads
static struct config saved_cfg;

static __attribute__((noreturn)) void refuse(const char *why)
{
    rw_printf("init: %s\ninit: refusing to start the appliance\n", why);
    for (;;)
        rw_sleep(3600ull * 1000000000ull);
}

static const typeof(boot->mod[0]) *module(const char *name)
{
    for (uint32_t i = 0; i < boot->count; i++) {
        if (strcmp(boot->mod[i].name, name) == 0)
            return &boot->mod[i];
    }
    return 0;
}

// Maps the configuration module and parses it.
static void load_config(uint32_t ncpus)
{
    const typeof(boot->mod[0]) *m = module("ringwall.conf");
    if (!m)
        refuse("no ringwall.conf boot module");
    if (rw_map(HANDLE_SELF_PROC, m->handle, INIT_SCRATCH_VA, PROT_READ) != RW_OK)
        refuse("cannot map ringwall.conf");
    struct config_error err;
    int s = config_parse((const char *)INIT_SCRATCH_VA, m->size, ncpus, &cfg, &err);
    rw_unmap(HANDLE_SELF_PROC, INIT_SCRATCH_VA);
    if (s != CONFIG_OK) {
        char msg[192];
        fmt_snprintf(msg, sizeof(msg), "ringwall.conf: %s", err.msg);
        refuse(msg);
    }
    rw_printf("init: ringwall.conf: %u components, %u regions, %u channels, %u interfaces\n",
              cfg.ncomponents, cfg.nregions, cfg.nchannels, cfg.ninterfaces);
    conf_handle = m->handle;
    conf_size = m->size;
}

static bool has_module(const char *name)
{
    return module(name) != 0;
}

// An optional component whose PCI device is missing is left out: the handles
// derived so far are closed and it is marked absent (never started).
static void leave_out(struct comp_state *c, const struct config_device *dev, uint32_t made)
{
    rw_printf("init: '%s' not started: no device pci:%02x:%02x.%x\n", c->cfg->name, dev->bus,
              dev->slot, dev->func);
    for (uint32_t k = 0; k < made; k++)
        rw_close(c->devices[k]);
    c->info.ndevices = 0;
    c->absent = true;
}

// Derives a component's device capabilities from the platform root.
static void make_devices(struct comp_state *c)
{
    for (uint32_t d = 0; d < c->cfg->ndevices; d++) {
        const struct config_device *dev = &c->cfg->devices[d];
        struct comp_device *out = &c->info.devices[c->info.ndevices++];
        int s;
        char msg[96];
        if (dev->kind == CONFIG_DEV_PCI) {
            out->bdf = dev->bus << 8 | dev->slot << 3 | dev->func;
            out->kind = COMP_DEV_PCI;
            s = rw_plat_pci(platform, out->bdf, &c->devices[d]);
        } else if (dev->kind == CONFIG_DEV_IOPORT) {
            out->kind = COMP_DEV_IOPORT;
            s = rw_plat_ioport(platform, dev->port_first, dev->port_last - dev->port_first + 1,
                               &c->devices[d]);
        } else {
            out->kind = COMP_DEV_IRQ;
            s = rw_plat_irq(platform, dev->irq, &c->devices[d]);
        }
        if (s == RW_ENOENT && dev->kind == CONFIG_DEV_PCI && c->cfg->optional) {
            leave_out(c, dev, d);
            return;
        }
        if (s != RW_OK) {
            fmt_snprintf(msg, sizeof(msg), "component '%s' (line %u): device %u: %s", c->cfg->name,
                         c->cfg->line, d + 1, rw_status_name(s));
            refuse(msg);
        }
        out->handle = c->devices[d];
    }
}

static void make_component(uint32_t i)
{
    struct comp_state *c = &comps[i];
    c->cfg = &cfg.components[i];
    c->index = i;
    const typeof(boot->mod[0]) *m = module(c->cfg->elf);
    if (!m) {
        char msg[128];
        fmt_snprintf(msg, sizeof(msg), "component '%s' (line %u): no boot module '%s'",
                     c->cfg->name, c->cfg->line, c->cfg->elf);
        refuse(msg);
    }
    c->image = m->handle;
    if (rw_ntfn_create(&c->ntfn) != RW_OK)
        refuse("out of notifications");
    c->region_va = INIT_REGION_BASE;
    c->info.magic = COMP_MAGIC;
    memcpy(c->info.name, c->cfg->name, sizeof(c->info.name));
    memcpy(c->info.args, c->cfg->args, sizeof(c->info.args) - 1);
    c->info.core = c->cfg->core;
    make_devices(c);
}

static void add_region(struct comp_state *c, const struct config_region *r, uint32_t ri, bool ro)
{
    if (c->info.nregions == COMP_MAX_REGIONS)
        refuse("too many regions for one component");
    struct comp_region *out = &c->info.regions[c->info.nregions++];
    memcpy(out->name, r->name, sizeof(out->name));
    out->va = c->region_va + INIT_REGION_COLOUR * (ri % INIT_REGION_COLOURS);
    out->size = r->size;
    out->phys = regions[ri].phys;
    out->handle = regions[ri].handle;
    out->read_only = ro;
    out->id = ri + 1;
    c->region_va = (out->va + r->size + 0x1fffff) & ~0x1fffffull; // 2 MiB apart
}

// Every component may read the configuration (the router takes its
// interfaces, routes and rules from it): the boot module, mapped read-only.
static void add_config_region(struct comp_state *c)
{
    if (c->info.nregions == COMP_MAX_REGIONS)
        refuse("too many regions for one component");
    struct comp_region *out = &c->info.regions[c->info.nregions++];
    memcpy(out->name, COMP_CONFIG_NAME, sizeof(COMP_CONFIG_NAME));
    out->va = c->region_va;
    out->size = conf_size;
    out->handle = conf_handle;
    out->read_only = 1;
    c->region_va += (conf_size + 0x1fffff) & ~0x1fffffull;
}

static void make_regions(void)
{
    for (uint32_t i = 0; i < cfg.nregions; i++) {
        const struct config_region *r = &cfg.regions[i];
        if (rw_mem_create(r->size, MEM_CONTIG, &regions[i].handle) != RW_OK ||
            rw_mem_phys(regions[i].handle, &regions[i].phys) != RW_OK)
            refuse("out of memory for the shared regions");
        for (uint32_t k = 0; k < r->nmaps; k++)
            add_region(&comps[r->maps[k].index], r, i, r->maps[k].readonly);
    }
    for (uint32_t i = 0; i < cfg.ncomponents; i++)
        add_config_region(&comps[i]);
}

// Each channel is one bit of the receiver's notification, signalled by the
// sender. The sender knows it by its label (or the receiver's name), the
// receiver by "sender.label" (or the sender's name).
static void make_channels(void)
{
    for (uint32_t i = 0; i < cfg.nchannels; i++) {
        const struct config_channel *ch = &cfg.channels[i];
        struct comp_state *from = &comps[ch->from_index], *to = &comps[ch->to_index];
        if (from->info.nchannels == COMP_MAX_CHANNELS || to->info.nchannels == COMP_MAX_CHANNELS ||
            to->next_in_bit >= 62)
            refuse("too many channels for one component");
        uint64_t bit = 1ull << to->next_in_bit++;
        const char *label = ch->label[0] ? ch->label : NULL;
        struct comp_channel *out = &from->info.channels[from->info.nchannels++];
        memcpy(out->name, label ? label : ch->to, COMP_NAME_MAX);
        out->dir = COMP_CHAN_OUT;
        out->ntfn = to->ntfn;
        out->bits = bit;
        out->core = to->cfg->core;
        struct comp_channel *in = &to->info.channels[to->info.nchannels++];
        fmt_snprintf(in->name, COMP_NAME_MAX, label ? "%s.%s" : "%s", ch->from, label);
        in->dir = COMP_CHAN_IN;
        in->bits = bit;
        in->core = from->cfg->core;
    }
}

// Every component, region and channel of cfg, nothing started yet.
static void build(void)
{
    for (uint32_t i = 0; i < cfg.ncomponents; i++)
        make_component(i);
    make_regions();
    make_channels();
}

// Undoes build() and stops what runs (the disk driver), so that another
// configuration can be built: the driver resets its controller when it
// starts again, so no DMA of the old life reaches the new memory.
static void teardown(void)
{
    for (uint32_t i = 0; i < cfg.ncomponents; i++) {
        struct comp_state *c = &comps[i];
        if (c->proc) {
            uint64_t bits = 0;
            rw_proc_kill(c->proc);
            for (uint64_t end = rw_now_ns() + 2000000000ull;
                 !(bits & (1ull << i)) && rw_now_ns() < end;)
                rw_wait(init_ntfn, 100000000ull, &bits);
            rw_close(c->thread);
            rw_close(c->proc);
            rw_close(c->ctl);
        }
        for (uint32_t d = 0; d < c->info.ndevices; d++)
            rw_close(c->devices[d]);
        rw_close(c->ntfn);
    }
    for (uint32_t i = 0; i < cfg.nregions; i++)
        rw_close(regions[i].handle);
    memset(comps, 0, sizeof(comps));
    memset(regions, 0, sizeof(regions));
}

// The saved text as the read-only configuration object every component maps.
static bool text_object(const char *text, uint32_t len)
{
    uint32_t h = 0, size = (len + 4095u) & ~4095u;
    if (rw_mem_create(size, 0, &h) != RW_OK)
        return false;
    if (rw_map(HANDLE_SELF_PROC, h, INIT_SCRATCH_VA, PROT_READ | PROT_WRITE) != RW_OK) {
        rw_close(h);
        return false;
    }
    memcpy((void *)INIT_SCRATCH_VA, text, len);
    rw_unmap(HANDLE_SELF_PROC, INIT_SCRATCH_VA);
    conf_handle = h;
    conf_size = size;
    return true;
}

// The boot medium's configuration is built; switch to the saved one if the
// disk holds a good one and the command line does not ask for the factory one.
static void choose_config(uint32_t ncpus)
{
    struct saved_choice ch;
    if (saved_factory(boot->cmdline)) {
        rw_printf("init: %s: the saved configuration is ignored, using the boot medium's\n",
                  SAVED_FACTORY_WORD);
        return;
    }
    int r = saved_load(ncpus, has_module, &saved_cfg, &ch);
    if (r == SAVED_USE && text_object(ch.text, ch.len)) {
        rw_printf("init: using the saved configuration, %s\n", ch.why);
        teardown();
        cfg = saved_cfg;
        build();
    } else if (ch.why[0]) {
        rw_printf("init: %s: using the configuration on the boot medium\n", ch.why);
    }
    saved_done();
}

int main(uint64_t arg)
{
    boot = (const struct boot_modules *)arg;
    platform = boot->platform;
    uint32_t ncpus = ((const struct kinfo *)USER_KINFO_VA)->ncpus;
    rw_printf("init: running on CPU %u of %u\n", rw_cpu_id(), ncpus);
    load_config(ncpus);
    if (rw_ntfn_create(&init_ntfn) != RW_OK)
        refuse("no notification");
    build();
    choose_config(ncpus);
    for (uint32_t i = 0; i < cfg.ncomponents; i++) {
        if (comps[i].absent || comps[i].proc)
            continue; // left out, or the disk driver, already running
        int s = comp_launch(&comps[i]);
        if (s != RW_OK)
            rw_printf("init: component '%s' did not start: %s\n", comps[i].cfg->name,
                      rw_status_name(s));
    }
    supervise();
}
