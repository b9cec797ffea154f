// SPDX-License-Identifier: MIT
// The router instances the console asks (apps/console): one mgmt region and
// channel pair per instance (shm/mgmt.h). Region "mgmt" with the channel
// labelled "mgmt" is the first instance (the only one in a single-router
// appliance); region "mgmt-<instance>" with the channel labelled
// "<instance>" is each further one. A command that goes to the router goes
// to every instance in turn: with one instance its answer is printed as it
// is; with several, each answer comes under a header naming the instance
// and the interfaces it owns, and a --json answer is one JSON object keyed
// by instance name (an instance that did not answer is null).
// Not here: the commands the console answers itself (console.c).
#include "apps/console/con_inst.h"

#include "apps/console/con_disk.h"
#include "apps/router/rt_own.h"
#include "lib/comp.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "shm/mgmt.h"

#define CON_INST_MAX  4
#define CON_ANSWER_NS 2000000000ull

struct con_inst {
    char name[COMP_NAME_MAX]; // the router component
    char ifs[64];             // the interfaces it owns, blank-separated
    void *mgmt;
    const struct comp_channel *chan;
    uint32_t seq;
};

static const struct comp_info *ci;
static struct con_inst insts[CON_INST_MAX];
static unsigned ninst;
static char answer[MGMT_RESP_MAX + 1];

// The other component mapping region `region`, from the configuration.
static const struct config_component *mapper(const struct config *cfg, const char *region)
{
    for (uint32_t i = 0; cfg && i < cfg->nregions; i++) {
        const struct config_region *g = &cfg->regions[i];
        if (strcmp(g->name, region) != 0)
            continue;
        for (unsigned m = 0; m < g->nmaps; m++) {
            const struct config_component *c = &cfg->components[g->maps[m].index];
            if (strcmp(c->name, ci->name) != 0)
                return c;
        }
    }
    return 0;
}

// The interfaces component c owns, as text (its if= args, rt_own.h).
static void owned(const struct config *cfg, const struct config_component *c, char *out, size_t cap)
{
    const char *names[32] = {0};
    unsigned n = cfg->ninterfaces < 32 ? cfg->ninterfaces : 32;
    uint32_t mask = 0;
    size_t len = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n; i++)
        names[i] = cfg->interfaces[i].name;
    if (rt_own_parse(c->args, names, n, &mask, 0, 0) != RT_OWN_OK)
        return;
    for (unsigned i = 0; i < n; i++) {
        size_t k = strlen(names[i]);
        if (!(mask & (1u << i)) || len + k + 2 > cap)
            continue;
        if (len)
            out[len++] = ' ';
        memcpy(out + len, names[i], k + 1);
        len += k;
    }
}

static void add(const struct config *cfg, const struct comp_region *g, const char *inst,
                const char *label)
{
    struct con_inst *x = &insts[ninst];
    x->chan = comp_channel(ci, label, COMP_CHAN_OUT);
    if (g->read_only || !mgmt_region_ok((void *)g->va, g->size) || !x->chan)
        return;
    const struct config_component *c = mapper(cfg, g->name);
    if (!inst)
        inst = c ? c->name : "router";
    memcpy(x->name, inst, strnlen(inst, COMP_NAME_MAX - 1) + 1);
    if (c && cfg)
        owned(cfg, c, x->ifs, sizeof(x->ifs));
    x->mgmt = (void *)g->va;
    x->seq = mgmt_next_seq(x->mgmt);
    ninst++;
}

unsigned con_inst_setup(const struct comp_info *info, const struct config *cfg)
{
    ci = info;
    ninst = 0;
    const struct comp_region *first = comp_region(ci, MGMT_REGION_NAME);
    if (first)
        add(cfg, first, 0, "mgmt");
    for (uint32_t i = 0; i < ci->nregions && i < COMP_MAX_REGIONS && ninst < CON_INST_MAX; i++) {
        const struct comp_region *g = &ci->regions[i];
        if (strncmp(g->name, "mgmt-", 5) == 0 && g->name[5])
            add(cfg, g, g->name + 5, g->name + 5);
    }
    return ninst;
}

int32_t con_inst_ask(unsigned i, const char *cmd, char *out, uint32_t cap)
{
    if (i >= ninst || cap < 2)
        return -1;
    struct con_inst *x = &insts[i];
    mgmt_request_put(x->mgmt, x->seq, cmd, (uint32_t)strnlen(cmd, MGMT_REQ_MAX));
    comp_signal(x->chan);
    uint64_t deadline = rw_now_ns() + CON_ANSWER_NS;
    int32_t n;
    uint32_t flags = 0;
    while ((n = mgmt_response_get(x->mgmt, x->seq, out, cap, &flags)) < 0) {
        uint64_t now = rw_now_ns();
        if (now >= deadline)
            break;
        comp_wait(ci, deadline - now); // a router's bit, or the next tick
    }
    x->seq += 2;
    if (x->seq == 0)
        x->seq = 2;
    if (n >= 0)
        out[(uint32_t)n < cap ? (uint32_t)n : cap - 1] = '\0';
    return n;
}

static bool ends_json(const char *cmd)
{
    size_t n = strlen(cmd);
    return n >= 6 && strcmp(cmd + n - 6, "--json") == 0;
}

static void put(const char *s)
{
    con_write(s, strlen(s));
}

// One instance's answer printed; false if it did not answer.
static bool one(unsigned i, const char *cmd, bool json, bool many)
{
    int32_t n = con_inst_ask(i, cmd, answer, sizeof(answer));
    if (many && json) {
        put(i ? ",\n\"" : "{\"");
        put(insts[i].name);
        put("\": ");
    } else if (many) {
        rw_printf("== %s (%s) ==\n", insts[i].name, insts[i].ifs);
    }
    if (n < 0) {
        put(many && json ? "null"
                         : "error: the router did not answer within 2 s (is it running? "
                           "see the log)\n");
        return false;
    }
    con_sanitize(answer, (size_t)n);
    while (many && json && n > 0 && answer[n - 1] == '\n')
        n--; // inside the object: the newline goes after the last one
    con_write(answer, (size_t)n);
    if (n > 0 && answer[n - 1] != '\n' && !(many && json))
        put("\n");
    return true;
}

void con_inst_forward(const char *cmd)
{
    if (ninst == 0) {
        put("error: no router to ask (no mgmt region or channel in ringwall.conf)\n");
        return;
    }
    bool json = ends_json(cmd), many = ninst > 1;
    for (unsigned i = 0; i < ninst; i++)
        one(i, cmd, json, many);
    if (many && json)
        put("}\n");
}
