// SPDX-License-Identifier: MIT
// `show cpu` formatting (see con_cpu.h). Shares are computed in integers
// (tenths of a percent): components have no floating point to spare, and the
// kernel's counters are nanoseconds, far finer than one decimal needs.
#include "apps/console/con_cpu.h"

#include <stdarg.h>

#include "apps/console/con_show.h"
#include "lib/fmt.h"

uint32_t con_cpu_permille(uint64_t part, uint64_t whole)
{
    if (!whole)
        return 0;
    if (part >= whole)
        return 1000;
    return (uint32_t)((part * 1000 + whole / 2) / whole); // ns counts stay far below 2^54
}

static uint64_t delta(uint64_t later, uint64_t earlier)
{
    return later > earlier ? later - earlier : 0;
}

// Busy share of core i in tenths of a percent, over the interval (then) or since boot.
static uint32_t core_share(const struct kstats *now, const struct kstats *then, uint32_t i)
{
    const struct kstats_cpu *a = &now->cpu[i];
    if (!then)
        return con_cpu_permille(a->busy_ns, a->busy_ns + a->idle_ns);
    const struct kstats_cpu *b = &then->cpu[i];
    uint64_t busy = delta(a->busy_ns, b->busy_ns), idle = delta(a->idle_ns, b->idle_ns);
    return con_cpu_permille(busy, busy + idle);
}

static void cpu_json(struct con_out *o, const struct kstats *now, const struct kstats *then,
                     uint32_t ncpus, const struct con_cpu_comp *comps, uint32_t ncomps)
{
    uint64_t interval = then ? now->uptime_ns - then->uptime_ns : 0;
    con_put(o, "{\"uptime_ns\":%lu,\"interval_ns\":%lu,\"cores\":[", (unsigned long)now->uptime_ns,
            (unsigned long)interval);
    for (uint32_t i = 0; i < ncpus; i++) {
        uint32_t all = core_share(now, 0, i), last = then ? core_share(now, then, i) : all;
        con_put(o,
                "%s{\"core\":%u,\"busy_ns\":%lu,\"idle_ns\":%lu,\"busy_pct\":%u.%u,"
                "\"interval_busy_pct\":%u.%u}",
                i ? "," : "", i, (unsigned long)now->cpu[i].busy_ns,
                (unsigned long)now->cpu[i].idle_ns, all / 10, all % 10, last / 10, last % 10);
    }
    con_put(o, "],\"components\":[");
    for (uint32_t i = 0; i < ncomps; i++)
        con_put(o, "%s{\"name\":\"%s\",\"cpu_ns\":%lu}", i ? "," : "", comps[i].name,
                (unsigned long)comps[i].cpu_ns);
    con_put(o, "]}\n");
}

static void cpu_text(struct con_out *o, const struct kstats *now, const struct kstats *then,
                     uint32_t ncpus, const struct con_cpu_comp *comps, uint32_t ncomps)
{
    uint64_t up = now->uptime_ns, interval = then ? now->uptime_ns - then->uptime_ns : 0;
    con_put(o, "cpu: %u cores, up %lu.%03lu s; busy = not halted (threads, kernel, interrupts)\n",
            ncpus, (unsigned long)(up / 1000000000), (unsigned long)(up / 1000000 % 1000));
    con_put(o, "  core  busy since boot  busy (s)");
    if (then)
        con_put(o, "  busy last %lu.%03lu s\n", (unsigned long)(interval / 1000000000),
                (unsigned long)(interval / 1000000 % 1000));
    else
        con_put(o, "  (no interval yet)\n");
    for (uint32_t i = 0; i < ncpus; i++) {
        uint32_t all = core_share(now, 0, i);
        uint64_t ms = now->cpu[i].busy_ns / 1000000;
        con_put(o, "  %4u  %12u.%u%%  %4lu.%03lu", i, all / 10, all % 10,
                (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
        if (then) {
            uint32_t last = core_share(now, then, i);
            con_put(o, "  %14u.%u%%", last / 10, last % 10);
        }
        con_put(o, "\n");
    }
    if (!ncomps)
        return;
    con_put(o, "components (CPU time since boot, every run):\n");
    for (uint32_t i = 0; i < ncomps; i++) {
        uint64_t us = comps[i].cpu_ns / 1000;
        con_put(o, "  %-15s %6lu.%06lu s\n", comps[i].name, (unsigned long)(us / 1000000),
                (unsigned long)(us % 1000000));
    }
}

uint32_t con_cpu_format(const struct kstats *now, const struct kstats *then,
                        const struct con_cpu_comp *comps, uint32_t ncomps, bool json, char *out,
                        uint32_t cap)
{
    struct con_out o = {out, cap, 0};
    uint32_t ncpus = now->cpus < KSTATS_CPUS ? (uint32_t)now->cpus : KSTATS_CPUS;
    if (cap)
        out[0] = '\0';
    if (then && then->uptime_ns >= now->uptime_ns)
        then = 0;
    if (json)
        cpu_json(&o, now, then, ncpus, comps, ncomps);
    else
        cpu_text(&o, now, then, ncpus, comps, ncomps);
    return o.len;
}
