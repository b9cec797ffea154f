// SPDX-License-Identifier: MIT
// Operator requests to init on a component's control channel (protocol in
// lib/component.h): restart a component, inject a fault into one, report
// their states and CPU time. Only components with manage=yes may ask; everyone else is
// answered "not allowed" and counted. Each request is decoded first
// (lib/comp_ctl.c: no word is trusted) and only then acted on. It does not
// decide what a component's end means: supervise.c does, reading the
// `stopping` mark an operator restart leaves.
#include "lib/comp_ctl.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "servers/init/init.h"

// Sends a reply on to's current control channel, if it is running.
static void reply(const struct comp_state *to, uint64_t tag, uint32_t kind, int status,
                  const struct chan_msg *body)
{
    struct chan_msg m = {0};
    if (body)
        m = *body;
    m.words[0] = COMP_CTL_REPLY;
    m.words[1] = (uint64_t)(uint32_t)status | (uint64_t)kind << 32;
    m.words[5] = tag;
    m.nhandles = 0;
    if (to->ctl)
        rw_chan_send(to->ctl, &m);
}

static uint64_t state_of(const struct comp_state *c)
{
    if (c->proc)
        return COMP_STATE_RUNNING;
    if (c->given_up)
        return COMP_STATE_FAILED;
    return c->restart_at_ns ? COMP_STATE_RESTARTING : COMP_STATE_STOPPED;
}

static int do_status(const struct comp_ctl_request *r, struct chan_msg *body)
{
    if (r->index >= cfg.ncomponents)
        return COMP_REPLY_NO_SUCH;
    const struct comp_state *t = &comps[r->index];
    body->words[2] =
        state_of(t) | (uint64_t)(t->failures & 0xffffff) << 8 | (uint64_t)t->restarts << 32;
    comp_ctl_put_name(&body->words[3], t->cfg->name);
    return COMP_REPLY_OK;
}

static int do_cpu(const struct comp_ctl_request *r, struct chan_msg *body)
{
    if (r->index >= cfg.ncomponents)
        return COMP_REPLY_NO_SUCH;
    const struct comp_state *t = &comps[r->index];
    struct proc_status st = {0};
    if (t->proc)
        rw_proc_status(t->proc, &st);
    body->words[2] = t->cpu_ended_ns + st.cpu_ns;
    comp_ctl_put_name(&body->words[3], t->cfg->name);
    return COMP_REPLY_OK;
}

// A running target is killed and started again as soon as its end is seen,
// its failure count untouched; one that is down is started now, and one that
// was given up on gets a clean slate.
static int do_restart(const struct comp_state *from, struct comp_state *t)
{
    if (t->absent)
        return COMP_REPLY_NOT_RUNNING; // left out at boot: its device is missing
    rw_printf("init: '%s' restarted by '%s'\n", t->cfg->name, from->cfg->name);
    if (t->proc) {
        if (!t->stopping && !t->hung && rw_proc_kill(t->proc) == RW_OK)
            t->stopping = true;
        return COMP_REPLY_OK;
    }
    if (t->given_up)
        t->failures = 0;
    t->given_up = false;
    t->restart_at_ns = rw_now_ns();
    return COMP_REPLY_OK;
}

// Forwards the fault; the requester's answer waits for the target's.
static int do_inject(const struct comp_state *from, struct comp_state *t, uint32_t fault,
                     uint64_t tag)
{
    if (!t->proc || t->stopping || t->hung)
        return COMP_REPLY_NOT_RUNNING;
    if (t->inject_from)
        return COMP_REPLY_BUSY;
    struct chan_msg f = {.words = {COMP_CTL_FAULT, fault, 0, 0, 0, tag}};
    if (rw_chan_send(t->ctl, &f) != RW_OK)
        return COMP_REPLY_NOT_RUNNING;
    rw_printf("init: '%s' injects fault %s into '%s'\n", from->cfg->name, comp_fault_name(fault),
              t->cfg->name);
    t->inject_from = from->index + 1;
    t->inject_tag = tag;
    return -1; // answered later, by relay()
}

// Passes the target's answer to an injected fault on to the requester.
static void relay(struct comp_state *t, int status)
{
    if (!t->inject_from)
        return;
    const struct comp_state *to = &comps[t->inject_from - 1];
    t->inject_from = 0;
    if (status != COMP_REPLY_OK)
        rw_printf("init: '%s' answered the injected fault: %s\n", t->cfg->name,
                  comp_reply_text((uint64_t)status));
    reply(to, t->inject_tag, COMP_CTL_INJECT, status, NULL);
}

static void deny(struct comp_state *c, uint32_t kind, uint64_t tag)
{
    c->denied++;
    if ((c->denied & (c->denied - 1)) == 0) // 1, 2, 4, ...: a flood cannot fill the log
        rw_printf("init: '%s' is not allowed to manage components (request %u refused, %u so "
                  "far)\n",
                  c->cfg->name, kind, c->denied);
    reply(c, tag, kind, COMP_REPLY_NOT_ALLOWED, NULL);
}

static void request(struct comp_state *c, const struct chan_msg *m)
{
    uint32_t kind = (uint32_t)m->words[0];
    uint64_t tag = m->words[5];
    if (!c->cfg->manage) {
        deny(c, kind, tag);
        return;
    }
    struct comp_ctl_request r;
    struct chan_msg body = {0};
    int status = comp_ctl_decode(m, &r);
    bool by_index = kind == COMP_CTL_STATUS || kind == COMP_CTL_CPU;
    int target = status == COMP_REPLY_OK && !by_index ? config_find_component(&cfg, r.target) : 0;
    if (target < 0)
        status = COMP_REPLY_NO_SUCH;
    if (status == COMP_REPLY_OK) {
        if (kind == COMP_CTL_STATUS)
            status = do_status(&r, &body);
        else if (kind == COMP_CTL_CPU)
            status = do_cpu(&r, &body);
        else if (kind == COMP_CTL_RESTART)
            status = do_restart(c, &comps[target]);
        else
            status = do_inject(c, &comps[target], r.fault, tag);
    }
    if (status >= 0)
        reply(c, tag, kind, status, &body);
}

void manage_message(struct comp_state *c, const struct chan_msg *m)
{
    uint64_t kind = m->words[0];
    if (kind == COMP_CTL_RESTART || kind == COMP_CTL_INJECT || kind == COMP_CTL_STATUS ||
        kind == COMP_CTL_CPU) {
        request(c, m);
    } else if (kind == COMP_CTL_REPLY && c->inject_from && (m->words[1] >> 32) == COMP_CTL_FAULT) {
        uint64_t status = m->words[1] & 0xffffffff;
        relay(c, status < COMP_REPLY_COUNT ? (int)status : COMP_REPLY_BAD_REQUEST);
    } else if (c->bad_msgs++ == 0) {
        rw_printf("init: '%s' sent an unexpected control message (kind %lu): dropped\n",
                  c->cfg->name, (unsigned long)kind);
    }
}

void manage_ended(struct comp_state *c)
{
    relay(c, COMP_REPLY_NOT_RUNNING);
}
