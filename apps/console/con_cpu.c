// SPDX-License-Identifier: MIT
// `show cpu` formatting (see con_cpu.h). Shares are computed in integers
// (tenths of a percent): components have no floating point to spare, and the
// kernel's counters are nanoseconds, far finer than one decimal needs.
#include "apps/console/con_cpu.h"

#include <stdarg.h>

#include "lib/fmt.h"

struct cpu_out {
    char *buf;
    uint32_t cap, len;
};

static void cpu_put(struct cpu_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cpu_put(struct cpu_out *o, const char *fmt, ...)
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

static void cpu_json(struct cpu_out *o, const struct kstats *now, const struct kstats *then,
                     uint32_t ncpus, const struct con_cpu_comp *comps, uint32_t ncomps)
{
    uint64_t interval = then ? now->uptime_ns - then->uptime_ns : 0;
    cpu_put(o, "{\"uptime_ns\":%lu,\"interval_ns\":%lu,\"cores\":[", (unsigned long)now->uptime_ns,
            (unsigned long)interval);
    for (uint32_t i = 0; i < ncpus; i++) {
        uint32_t all = core_share(now, 0, i), last = then ? core_share(now, then, i) : all;
        cpu_put(o,
                "%s{\"core\":%u,\"busy_ns\":%lu,\"idle_ns\":%lu,\"busy_pct\":%u.%u,"
                "\"interval_busy_pct\":%u.%u}",
                i ? "," : "", i, (unsigned long)now->cpu[i].busy_ns,
                (unsigned long)now->cpu[i].idle_ns, all / 10, all % 10, last / 10, last % 10);
    }
    cpu_put(o, "],\"components\":[");
    for (uint32_t i = 0; i < ncomps; i++)
        cpu_put(o, "%s{\"name\":\"%s\",\"cpu_ns\":%lu}", i ? "," : "", comps[i].name,
                (unsigned long)comps[i].cpu_ns);
    cpu_put(o, "]}\n");
}

static void cpu_text(struct cpu_out *o, const struct kstats *now, const struct kstats *then,
                     uint32_t ncpus, const struct con_cpu_comp *comps, uint32_t ncomps)
{
    uint64_t up = now->uptime_ns, interval = then ? now->uptime_ns - then->uptime_ns : 0;
    cpu_put(o, "cpu: %u cores, up %lu.%03lu s; busy = not halted (threads, kernel, interrupts)\n",
            ncpus, (unsigned long)(up / 1000000000), (unsigned long)(up / 1000000 % 1000));
    cpu_put(o, "  core  busy since boot  busy (s)");
    if (then)
        cpu_put(o, "  busy last %lu.%03lu s\n", (unsigned long)(interval / 1000000000),
                (unsigned long)(interval / 1000000 % 1000));
    else
        cpu_put(o, "  (no interval yet)\n");
    for (uint32_t i = 0; i < ncpus; i++) {
        uint32_t all = core_share(now, 0, i);
        uint64_t ms = now->cpu[i].busy_ns / 1000000;
        cpu_put(o, "  %4u  %12u.%u%%  %4lu.%03lu", i, all / 10, all % 10,
                (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
        if (then) {
            uint32_t last = core_share(now, then, i);
            cpu_put(o, "  %14u.%u%%", last / 10, last % 10);
        }
        cpu_put(o, "\n");
    }
    if (!ncomps)
        return;
    cpu_put(o, "components (CPU time since boot, every run):\n");
    for (uint32_t i = 0; i < ncomps; i++) {
        uint64_t us = comps[i].cpu_ns / 1000;
        cpu_put(o, "  %-15s %6lu.%06lu s\n", comps[i].name, (unsigned long)(us / 1000000),
                (unsigned long)(us % 1000000));
    }
}

uint32_t con_cpu_format(const struct kstats *now, const struct kstats *then,
                        const struct con_cpu_comp *comps, uint32_t ncomps, bool json, char *out,
                        uint32_t cap)
{
    struct cpu_out o = {out, cap, 0};
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
