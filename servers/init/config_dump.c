// SPDX-License-Identifier: MIT
// Prints a parsed configuration back in its own grammar, in canonical form:
// items grouped by kind in file order, every key spelled out with its default,
// sizes in the largest exact unit, devices and addresses in one spelling.
// Parsing the output gives the same configuration (line numbers aside); the
// unit tests hold it to that. For logs, diffs and tests; not a pretty-printer
// that keeps the operator's comments and layout.
#include "servers/init/config.h"

#include "lib/fmt.h"
#include "servers/init/config_parser.h"

// The longest canonical component line must still parse: it may be longer
// than the line it came from (defaults spelled out, ioport in 0x form).
#define CONFIG_DUMP_COMPONENT_MAX                                                                  \
    (sizeof("component  elf= core=64 priority=31 restart=on-failure manage=yes optional=yes "      \
            "args=\"\"") +                                                                         \
     CONFIG_NAME_MAX + CONFIG_FILE_MAX + CONFIG_ARGS_MAX +                                         \
     CONFIG_MAX_DEVICES * sizeof(" device=ioport:0xffff-0xffff"))
_Static_assert(CONFIG_DUMP_COMPONENT_MAX <= CONFIG_LINE_MAX, "canonical component line fits");

struct dump {
    char *buf;
    size_t size;
    size_t pos; // bytes the whole text needs so far
};

static void put(struct dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct dump *d, const char *fmt, ...)
{
    bool room = d->pos < d->size;
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(room ? d->buf + d->pos : NULL, room ? d->size - d->pos : 0, fmt, ap);
    va_end(ap);
    d->pos += (size_t)n;
}

static void put_device(struct dump *d, const struct config_device *dev)
{
    switch (dev->kind) {
    case CONFIG_DEV_PCI: put(d, " device=pci:%02x:%02x.%x", dev->bus, dev->slot, dev->func); break;
    case CONFIG_DEV_IOPORT:
        put(d, " device=ioport:0x%x-0x%x", dev->port_first, dev->port_last);
        break;
    default: put(d, " device=irq:%u", dev->irq); break;
    }
}

static void put_component(struct dump *d, const struct config_component *c)
{
    put(d, "component %s elf=%s core=%u priority=%u restart=%s manage=%s optional=%s", c->name,
        c->elf, c->core, c->priority, config_restart_name(c->restart), c->manage ? "yes" : "no",
        c->optional ? "yes" : "no");
    for (unsigned i = 0; i < c->ndevices; i++)
        put_device(d, &c->devices[i]);
    if (c->args[0])
        put(d, " args=\"%s\"", c->args);
    put(d, "\n");
}

static void put_region(struct dump *d, const struct config_region *r)
{
    static const char units[] = "KMG";
    unsigned u = 0;
    uint64_t size = r->size / 1024;
    while (u < 2 && size % 1024 == 0) {
        size /= 1024;
        u++;
    }
    put(d, "region %s size=%llu%c map=", r->name, (unsigned long long)size, units[u]);
    for (unsigned i = 0; i < r->nmaps; i++)
        put(d, "%s%s%s", i ? "," : "", r->maps[i].component, r->maps[i].readonly ? ":ro" : "");
    put(d, "\n");
}

static void put_channel(struct dump *d, const struct config_channel *ch)
{
    put(d, "channel %s%s%s -> %s\n", ch->from, ch->label[0] ? "." : "", ch->label, ch->to);
}

static void put_interface(struct dump *d, const struct config_interface *ifc)
{
    char addr[16];
    put(d, "interface %s driver=%s", ifc->name, ifc->driver);
    if (ifc->dhcp) {
        put(d, " dhcp");
    } else {
        config_ipv4_text(ifc->addr, addr);
        put(d, " address=%s/%u", addr, ifc->prefix);
    }
    put(d, " mtu=%u\n", ifc->mtu);
}

static void put_route(struct dump *d, const struct config_route *r)
{
    char addr[16];
    config_ipv4_text(r->dest, addr);
    put(d, "route %s/%u", addr, r->prefix);
    if (r->via) {
        config_ipv4_text(r->via, addr);
        put(d, " via %s", addr);
    }
    if (r->dev[0])
        put(d, " dev %s", r->dev);
    put(d, "\n");
}

size_t config_dump(const struct config *cfg, char *buf, size_t size)
{
    struct dump d = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    for (uint32_t i = 0; i < cfg->ncomponents; i++)
        put_component(&d, &cfg->components[i]);
    for (uint32_t i = 0; i < cfg->nregions; i++)
        put_region(&d, &cfg->regions[i]);
    for (uint32_t i = 0; i < cfg->nchannels; i++)
        put_channel(&d, &cfg->channels[i]);
    for (uint32_t i = 0; i < cfg->ninterfaces; i++)
        put_interface(&d, &cfg->interfaces[i]);
    for (uint32_t i = 0; i < cfg->nroutes; i++)
        put_route(&d, &cfg->routes[i]);
    for (uint32_t i = 0; i < cfg->nrules; i++) {
        const struct config_rule *r = &cfg->rules[i];
        put(&d, "%s %s\n", r->kind == CONFIG_RULE_NAT ? "nat" : "rule", r->text);
    }
    return d.pos;
}
