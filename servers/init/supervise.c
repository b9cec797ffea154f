// SPDX-License-Identifier: MIT
// Starting components and keeping them alive (MINIX 3's reincarnation server
// is the model). init's notification carries, per component i, bit i (the
// process ended) and bit 32+i (a control reply arrived). A component that
// faults, exits against its restart policy, or misses its heartbeat is
// restarted with the same regions, channels, devices and notification; each
// consecutive failure doubles the wait before the next start, and after
// INIT_MAX_FAILURES in a row the component is reported failed and left down.
// An operator's restart (manage.c) is not a failure: the component comes back
// at once with its failure count as it was, and a failed one comes back too.
#include "lib/rw.h"
#include "lib/spawn.h"
#include "lib/string.h"
#include "servers/init/init.h"

#define MS                1000000ull
#define HEARTBEAT_EVERY   (500 * MS)
#define HEARTBEAT_TIMEOUT (2000 * MS)
#define BACKOFF_FIRST     (100 * MS)
#define BACKOFF_MAX       (5000 * MS)
#define STABLE_AFTER      (10000 * MS) // a life this long resets the failure count
#define INIT_MAX_FAILURES 5

static uint64_t death_bit(const struct comp_state *c)
{
    return 1ull << c->index;
}
static uint64_t control_bit(const struct comp_state *c)
{
    return 1ull << (32 + c->index);
}

// Grants h into the component and returns its number there (0 on failure).
static uint32_t give(struct comp_state *c, uint32_t h, uint32_t rights)
{
    uint32_t theirs = 0;
    return rw_grant(c->proc, h, rights, &theirs) == RW_OK ? theirs : 0;
}

// A control channel: the component's end raises COMP_BIT_CONTROL on its own
// notification, ours raises control_bit on init's.
static int make_control(struct comp_state *c, struct comp_info *info)
{
    uint32_t mine = 0, theirs = 0;
    int s = rw_chan_create(&mine, &theirs);
    if (s == RW_OK)
        s = rw_chan_bind(theirs, c->ntfn, COMP_BIT_CONTROL);
    if (s == RW_OK)
        s = rw_chan_bind(mine, init_ntfn, control_bit(c));
    if (s == RW_OK && !(info->control = give(c, theirs, RIGHT_READ | RIGHT_WRITE)))
        s = RW_ENOMEM;
    rw_close(theirs);
    c->ctl = mine;
    return s;
}

// Translates init's handle numbers in the start-up block into the child's.
static int grant_all(struct comp_state *c, struct comp_info *info)
{
    info->ntfn = give(c, c->ntfn, RIGHT_SIGNAL | RIGHT_WAIT);
    for (uint32_t i = 0; i < info->nregions; i++) {
        struct comp_region *r = &info->regions[i];
        uint32_t prot = PROT_READ | (r->read_only ? 0 : PROT_WRITE);
        if (rw_map(c->proc, r->handle, r->va, prot) != RW_OK)
            return RW_ENOMEM;
        r->handle = give(c, r->handle, RIGHT_READ | RIGHT_PHYS | (r->read_only ? 0 : RIGHT_WRITE));
    }
    for (uint32_t i = 0; i < info->nchannels; i++) {
        if (info->channels[i].dir == COMP_CHAN_OUT)
            info->channels[i].ntfn = give(c, info->channels[i].ntfn, RIGHT_SIGNAL);
    }
    for (uint32_t i = 0; i < info->ndevices; i++)
        info->devices[i].handle = give(c, info->devices[i].handle, RIGHTS_ALL & ~RIGHT_GRANT);
    return info->ntfn ? make_control(c, info) : RW_ENOMEM;
}

// Writes the start-up block into a fresh page mapped read-only in the child.
static int map_info(struct comp_state *c, const struct comp_info *info)
{
    uint32_t page = 0;
    int s = rw_mem_create(sizeof(*info), 0, &page);
    if (s == RW_OK)
        s = rw_map(HANDLE_SELF_PROC, page, INIT_SCRATCH_VA, PROT_READ | PROT_WRITE);
    if (s == RW_OK) {
        memcpy((void *)INIT_SCRATCH_VA, info, sizeof(*info));
        rw_unmap(HANDLE_SELF_PROC, INIT_SCRATCH_VA);
        s = rw_map(c->proc, page, COMP_INFO_VA, PROT_READ);
    }
    rw_close(page);
    return s;
}

int comp_launch(struct comp_state *c)
{
    struct spawn sp;
    int s = spawn_prepare(c->image, c->cfg->name, &sp);
    if (s != RW_OK)
        return s;
    c->proc = sp.proc;
    struct comp_info info = c->info;
    info.restarts = c->restarts;
    s = grant_all(c, &info);
    if (s == RW_OK)
        s = map_info(c, &info);
    if (s == RW_OK)
        s = rw_proc_watch(c->proc, init_ntfn, death_bit(c));
    if (s == RW_OK)
        s = spawn_start(&sp, c->cfg->core, c->cfg->priority, COMP_INFO_VA);
    if (s != RW_OK) {
        rw_proc_kill(c->proc);
        rw_close(c->proc);
        c->proc = 0;
        return s;
    }
    c->thread = sp.thread;
    c->started_ns = c->last_ping_ns = rw_now_ns();
    c->ping_sent_ns = 0;
    c->hung = false;
    rw_printf("init: started '%s' on CPU %u (pid handle %u, restart %u)\n", c->cfg->name,
              c->cfg->core, c->proc, c->restarts);
    return RW_OK;
}

static const char *end_reason(const struct comp_state *c, const struct proc_status *st)
{
    if (c->hung)
        return "stopped answering its heartbeat";
    switch (st->state) {
    case PROC_EXITED: return st->exit_code ? "exited with an error" : "exited";
    case PROC_FAULTED: return "faulted";
    default: return "was killed";
    }
}

// Reads everything c sent on its control channel: heartbeat answers here,
// requests and fault answers in manage.c. Handles that came along are
// closed: nothing on this channel carries any.
static void read_control(struct comp_state *c)
{
    struct chan_msg m;
    while (c->ctl && rw_chan_recv(c->ctl, &m, 0) == RW_OK) {
        for (uint32_t i = 0; i < m.nhandles && i < CHAN_HANDLES; i++)
            rw_close(m.handles[i]);
        if (m.words[0] == COMP_CTL_PONG)
            c->ping_sent_ns = 0;
        else
            manage_message(c, &m);
    }
}

// Decides what to do once a component's process has ended.
static void ended(struct comp_state *c, uint64_t now)
{
    struct proc_status st = {0};
    rw_proc_status(c->proc, &st);
    c->cpu_ended_ns += st.cpu_ns;
    bool failure = c->hung || st.state != PROC_EXITED || st.exit_code != 0;
    if (c->stopping)
        rw_printf("init: '%s' stopped for its restart\n", c->cfg->name);
    else
        rw_printf("init: '%s' %s (vector %lu at %lx)\n", c->cfg->name, end_reason(c, &st),
                  (unsigned long)st.fault_vector, (unsigned long)st.fault_rip);
    read_control(c); // its last words: a request, or the answer to an injected fault
    manage_ended(c);
    rw_close(c->thread);
    rw_close(c->proc);
    rw_close(c->ctl);
    c->proc = c->thread = c->ctl = 0;
    if (c->stopping) { // an operator's restart: at once, and no failure
        c->stopping = false;
        c->restart_at_ns = now;
        return;
    }
    bool again = c->cfg->restart == CONFIG_RESTART_ALWAYS ||
                 (c->cfg->restart == CONFIG_RESTART_ON_FAILURE && failure);
    if (!again)
        return;
    c->failures = now - c->started_ns > STABLE_AFTER ? 1 : c->failures + 1;
    if (c->failures > INIT_MAX_FAILURES) {
        c->given_up = true;
        rw_printf("init: '%s' failed %u times in a row: marked failed, not restarting\n",
                  c->cfg->name, c->failures - 1);
        return;
    }
    uint64_t delay = BACKOFF_FIRST << (c->failures - 1);
    if (delay > BACKOFF_MAX)
        delay = BACKOFF_MAX;
    c->restart_at_ns = now + delay;
    rw_printf("init: restarting '%s' in %lu ms\n", c->cfg->name, (unsigned long)(delay / MS));
}

// Heartbeats: a ping every HEARTBEAT_EVERY; no pong within HEARTBEAT_TIMEOUT
// means the component hangs, and it is killed (its end is handled as a failure).
// Requests arrive on the same channel and are served here too.
static void heartbeat(struct comp_state *c, uint64_t now)
{
    read_control(c);
    if (c->ping_sent_ns && now - c->ping_sent_ns > HEARTBEAT_TIMEOUT && !c->hung) {
        c->hung = true;
        rw_proc_kill(c->proc);
        return;
    }
    if (!c->ping_sent_ns && now - c->last_ping_ns >= HEARTBEAT_EVERY) {
        struct chan_msg ping = {.words = {COMP_CTL_PING}};
        if (rw_chan_send(c->ctl, &ping) == RW_OK)
            c->ping_sent_ns = c->last_ping_ns = now;
    }
}

void supervise(void)
{
    for (;;) {
        uint64_t bits = 0;
        rw_wait(init_ntfn, 100 * MS, &bits);
        uint64_t now = rw_now_ns();
        for (uint32_t i = 0; i < cfg.ncomponents; i++) {
            struct comp_state *c = &comps[i];
            if (c->proc && (bits & death_bit(c)))
                ended(c, now);
            else if (c->proc)
                heartbeat(c, now);
            if (!c->proc && c->restart_at_ns && now >= c->restart_at_ns) {
                c->restart_at_ns = 0;
                c->restarts++;
                if (comp_launch(c) != RW_OK)
                    c->restart_at_ns = now + BACKOFF_MAX;
            }
        }
    }
}
