// SPDX-License-Identifier: MIT
// `show components` for the management console (see con_show.h). Names and
// ELF names come from the parsed configuration, whose grammar admits no
// quotes or backslashes, so they go into JSON strings as they are.
#include "apps/console/con_show.h"

#include <stdarg.h>

#include "lib/fmt.h"

void con_put(struct con_out *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len = (uint32_t)n < o->cap - o->len ? o->len + (uint32_t)n : o->cap - 1;
}

// One device grant in the configuration's own spelling.
static void con_device(struct con_out *o, const struct config_device *d)
{
    if (d->kind == CONFIG_DEV_PCI)
        con_put(o, "pci:%02x:%02x.%x", d->bus, d->slot, d->func);
    else if (d->kind == CONFIG_DEV_IOPORT)
        con_put(o, "ioport:0x%x-0x%x", d->port_first, d->port_last);
    else
        con_put(o, "irq:%u", d->irq);
}

static void con_comp_text(struct con_out *o, const struct config_component *c)
{
    con_put(o, "  %-15s %-20s %4u %4u  %-10s ", c->name, c->elf, c->core, c->priority,
            config_restart_name(c->restart));
    for (unsigned d = 0; d < c->ndevices && d < CONFIG_MAX_DEVICES; d++) {
        con_put(o, d ? "," : "");
        con_device(o, &c->devices[d]);
    }
    con_put(o, "%s\n", c->ndevices ? "" : "-");
}

static void con_comp_json(struct con_out *o, const struct config_component *c, bool first)
{
    con_put(o,
            "%s{\"name\":\"%s\",\"elf\":\"%s\",\"core\":%u,\"priority\":%u,\"restart\":\"%s\","
            "\"devices\":[",
            first ? "" : ",", c->name, c->elf, c->core, c->priority,
            config_restart_name(c->restart));
    for (unsigned d = 0; d < c->ndevices && d < CONFIG_MAX_DEVICES; d++) {
        con_put(o, "%s\"", d ? "," : "");
        con_device(o, &c->devices[d]);
        con_put(o, "\"");
    }
    con_put(o, "]}");
}

uint32_t con_show_components(const struct config *cfg, bool json, char *out, uint32_t cap)
{
    struct con_out o = {out, cap, 0};
    uint32_t n =
        cfg->ncomponents < CONFIG_MAX_COMPONENTS ? cfg->ncomponents : CONFIG_MAX_COMPONENTS;
    if (cap)
        out[0] = '\0';
    if (json) {
        con_put(&o, "{\"components\":[");
        for (uint32_t i = 0; i < n; i++)
            con_comp_json(&o, &cfg->components[i], i == 0);
        con_put(&o, "],\"count\":%u,\"note\":\"%s\"}\n", n, CON_LIVE_NOTE);
        return o.len;
    }
    con_put(&o, "components (%u, from ringwall.conf; %s):\n", n, CON_LIVE_NOTE);
    con_put(&o, "  %-15s %-20s %4s %4s  %-10s %s\n", "name", "elf", "core", "prio", "restart",
            "devices");
    for (uint32_t i = 0; i < n; i++)
        con_comp_text(&o, &cfg->components[i]);
    return o.len;
}
