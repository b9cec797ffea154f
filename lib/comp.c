// SPDX-License-Identifier: MIT
// Component library (see comp.h). It answers init on the control channel
// for every component: heartbeats, injected faults (lib/component.h), and the
// replies to the component's own requests (comp_request).
#include "lib/comp.h"

#include "lib/comp_ctl.h"
#include "lib/rw.h"
#include "lib/string.h"

const struct comp_info *comp_start(uint64_t arg)
{
    const struct comp_info *ci = (const struct comp_info *)arg;
    if (arg != COMP_INFO_VA || ci->magic != COMP_MAGIC)
        return 0;
    return ci;
}

static comp_fault_hook fault_hook;
static uint64_t next_tag;

void comp_set_fault_hook(comp_fault_hook fn)
{
    fault_hook = fn;
}

// Commits the fault init asked for (COMP_CTL_FAULT). The answer goes to init
// first, because after a real fault there is nobody left to send it.
static void take_fault(const struct comp_info *ci, const struct chan_msg *m)
{
    uint64_t fault = m->words[1];
    const char *name = comp_fault_name(fault);
    int status = COMP_REPLY_OK;
    if (!name)
        status = COMP_REPLY_BAD_FAULT;
    else if (fault == COMP_FAULT_BAD_DESCRIPTOR)
        status = fault_hook ? fault_hook((uint32_t)fault) : COMP_REPLY_NOT_SUPPORTED;
    struct chan_msg r = {
        .words = {COMP_CTL_REPLY, (uint64_t)(uint32_t)status | (uint64_t)COMP_CTL_FAULT << 32}};
    r.words[5] = m->words[5];
    rw_chan_send(ci->control, &r);
    rw_printf("%s: injected fault %s: %s\n", ci->name, name ? name : "?",
              comp_reply_text((uint64_t)(uint32_t)status));
    if (status != COMP_REPLY_OK)
        return;
    if (fault == COMP_FAULT_BAD_POINTER)
        *(volatile uint32_t *)COMP_FAULT_ADDR = 1;
    if (fault == COMP_FAULT_LOOP) {
        for (;;)
            __asm__ volatile("pause"); // no more heartbeats: init must notice
    }
    if (fault == COMP_FAULT_ABORT)
        rw_exit(COMP_FAULT_EXIT_CODE);
}

// Handles one control message from init. Returns true if it is the reply
// with tag want (0: none wanted), copied to *reply.
static bool control_msg(const struct comp_info *ci, struct chan_msg *m, uint64_t want,
                        struct chan_msg *reply)
{
    for (uint32_t i = 0; i < m->nhandles && i < CHAN_HANDLES; i++)
        rw_close(m->handles[i]); // init sends none; never keep what arrives
    if (m->words[0] == COMP_CTL_PING) {
        struct chan_msg pong = {.words = {COMP_CTL_PONG}};
        rw_chan_send(ci->control, &pong);
    } else if (m->words[0] == COMP_CTL_FAULT) {
        take_fault(ci, m);
    } else if (m->words[0] == COMP_CTL_REPLY && want && m->words[5] == want) {
        *reply = *m;
        return true;
    }
    return false; // anything else (a late reply) is dropped
}

// Answers every control message waiting on the channel to init.
static void serve_control(const struct comp_info *ci)
{
    struct chan_msg m;
    while (rw_chan_recv(ci->control, &m, 0) == RW_OK)
        control_msg(ci, &m, 0, NULL);
}

int comp_request(const struct comp_info *ci, struct chan_msg *m, uint64_t timeout_ns)
{
    uint64_t tag = ++next_tag;
    m->words[5] = tag;
    m->nhandles = 0;
    int s = rw_chan_send(ci->control, m);
    uint64_t deadline = rw_now_ns() + timeout_ns;
    while (s == RW_OK) {
        uint64_t now = rw_now_ns();
        if (now >= deadline)
            return RW_ETIMEDOUT;
        // blocking on the channel itself leaves the other notification bits
        // for the caller's next comp_wait
        struct chan_msg in;
        s = rw_chan_recv(ci->control, &in, deadline - now);
        if (s == RW_OK && control_msg(ci, &in, tag, m))
            return RW_OK;
    }
    return s;
}

uint64_t comp_wait(const struct comp_info *ci, uint64_t timeout_ns)
{
    // one deadline for the whole call: heartbeats must not extend it
    uint64_t deadline = timeout_ns == TIMEOUT_NEVER ? 0 : rw_now_ns() + timeout_ns;
    for (;;) {
        uint64_t bits = 0, now = rw_now_ns();
        if (deadline && now >= deadline)
            return 0;
        if (rw_wait(ci->ntfn, deadline ? deadline - now : TIMEOUT_NEVER, &bits) != RW_OK)
            return 0;
        if (bits & COMP_BIT_CONTROL)
            serve_control(ci);
        bits &= ~COMP_BIT_CONTROL;
        if (bits)
            return bits;
    }
}

uint64_t comp_service(const struct comp_info *ci)
{
    uint64_t bits = 0;
    if (rw_poll(ci->ntfn, &bits) != RW_OK)
        return 0;
    if (bits & COMP_BIT_CONTROL)
        serve_control(ci);
    return bits & ~COMP_BIT_CONTROL;
}

const struct comp_region *comp_region(const struct comp_info *ci, const char *name)
{
    for (uint32_t i = 0; i < ci->nregions && i < COMP_MAX_REGIONS; i++) {
        if (strcmp(ci->regions[i].name, name) == 0)
            return &ci->regions[i];
    }
    return 0;
}

const struct comp_channel *comp_channel(const struct comp_info *ci, const char *name, uint32_t dir)
{
    for (uint32_t i = 0; i < ci->nchannels && i < COMP_MAX_CHANNELS; i++) {
        if (ci->channels[i].dir == dir && strcmp(ci->channels[i].name, name) == 0)
            return &ci->channels[i];
    }
    return 0;
}

int comp_signal(const struct comp_channel *ch)
{
    return rw_signal(ch->ntfn, ch->bits);
}

bool comp_arg(const char *args, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = args; *p;) {
        while (*p == ' ')
            p++;
        size_t len = 0;
        while (p[len] && p[len] != ' ')
            len++;
        if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=' && len - klen - 1 < size) {
            memcpy(out, p + klen + 1, len - klen - 1);
            out[len - klen - 1] = 0;
            return true;
        }
        p += len;
    }
    return false;
}

uint64_t comp_free_bit(const struct comp_info *ci, uint64_t taken)
{
    for (uint32_t i = 0; i < ci->nchannels && i < COMP_MAX_CHANNELS; i++) {
        if (ci->channels[i].dir == COMP_CHAN_IN)
            taken |= ci->channels[i].bits;
    }
    for (int b = 62; b >= 0; b--) {
        if (!(taken & (1ull << b)))
            return 1ull << b;
    }
    return 0;
}

int comp_msix_vector(const struct comp_info *ci, uint32_t pci, volatile uint32_t *entry,
                     uint64_t *bit, uint64_t taken)
{
    uint32_t irq = 0, addr = 0, data = 0;
    *bit = comp_free_bit(ci, taken);
    if (!*bit)
        return RW_ENOMEM;
    int s = rw_pci_msi(pci, ci->core, &irq);
    if (s == RW_OK)
        s = rw_irq_bind(irq, ci->ntfn, *bit);
    if (s == RW_OK)
        s = rw_irq_msg(irq, &addr, &data);
    if (s != RW_OK)
        return s;
    // The IRQ handle stays open for the life of this process. Entry words:
    // address low, address high, data, vector control (bit 0 masks).
    entry[3] = 1;
    entry[0] = addr;
    entry[1] = 0;
    entry[2] = data;
    entry[3] = 0;
    return RW_OK;
}
