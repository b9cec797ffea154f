// SPDX-License-Identifier: MIT
// Component library (see comp.h).
#include "lib/comp.h"

#include "lib/rw.h"
#include "lib/string.h"

const struct comp_info *comp_start(uint64_t arg)
{
    const struct comp_info *ci = (const struct comp_info *)arg;
    if (arg != COMP_INFO_VA || ci->magic != COMP_MAGIC)
        return 0;
    return ci;
}

// Answers every control message waiting on the channel to init.
static void serve_control(const struct comp_info *ci)
{
    struct chan_msg m;
    while (rw_chan_recv(ci->control, &m, 0) == RW_OK) {
        if (m.words[0] == COMP_CTL_PING) {
            m.words[0] = COMP_CTL_PONG;
            m.nhandles = 0;
            rw_chan_send(ci->control, &m);
        }
    }
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
