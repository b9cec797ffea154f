// SPDX-License-Identifier: MIT
// The init server's shared state: one entry per component of the appliance
// configuration, with everything needed to (re)start it with the same
// resources. Only init.c (building), supervise.c (watching) and manage.c
// (operator requests) use it.
#ifndef RW_INIT_H
#define RW_INIT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/uapi/syscall.h"
#include "lib/component.h"
#include "servers/init/config.h"

#define INIT_REGION_BASE 0x40000000ull
#define INIT_SCRATCH_VA  0x3f000000ull

// Each region starts a few pages past a 2 MiB boundary, a different number
// for each region of the configuration (its "colour"). Two regions with the
// same layout (a NIC's and the stack's, both 4 MiB) would otherwise hold
// buffer i at the same low address bits, and a direct-mapped TLB, like the
// one of QEMU's TCG, then loses the source page on every access of a copy
// from one to the other: copies measured 14x slower per byte, TCP to the
// stack 330 instead of 1450 Mbit/s.
#define INIT_REGION_COLOUR  0x11000ull // 17 pages: odd, so colours never repeat within 2 MiB
#define INIT_REGION_COLOURS 16u

struct comp_state {
    const struct config_component *cfg;
    uint32_t index;
    uint32_t image;                       // boot module handle
    uint32_t ntfn;                        // the component's notification; lives across restarts
    uint32_t ctl;                         // init's end of the current control channel
    uint32_t proc, thread;                // current incarnation, 0 when not running
    uint32_t devices[CONFIG_MAX_DEVICES]; // derived device handles
    uint64_t next_in_bit;                 // next free bit of ntfn for incoming channels
    uint64_t region_va;                   // next free address for regions in the component
    struct comp_info info;                // start-up block, with init's handle numbers
    // supervision
    uint32_t restarts;
    uint32_t failures; // consecutive failed lives
    uint64_t started_ns;
    uint64_t restart_at_ns; // 0: no restart pending
    uint64_t ping_sent_ns;  // 0: no heartbeat outstanding
    uint64_t last_ping_ns;  // when the last heartbeat went out
    bool hung;              // killed for missing its heartbeat
    bool stopping;          // killed by an operator's restart: its end is no failure
    bool given_up;
    bool absent;           // optional=yes and a PCI device is missing: never started
    uint64_t cpu_ended_ns; // CPU time of the runs that have ended
    // operator requests (manage.c)
    uint32_t inject_from; // requester's index + 1 awaiting this one's fault answer; 0: none
    uint64_t inject_tag;  // the requester's tag for that answer
    uint32_t denied;      // requests refused for want of manage=yes
    uint32_t bad_msgs;    // control messages that were not a known kind
};

struct region_state {
    uint32_t handle;
    uint64_t phys;
};

extern struct config cfg;
extern struct comp_state comps[CONFIG_MAX_COMPONENTS];
extern struct region_state regions[CONFIG_MAX_REGIONS];
extern uint32_t init_ntfn;

int comp_launch(struct comp_state *c);
__attribute__((noreturn)) void supervise(void);
// A control message from c other than a heartbeat answer (manage.c).
void manage_message(struct comp_state *c, const struct chan_msg *m);
// c has ended: a fault answer it still owes is relayed as "not running".
void manage_ended(struct comp_state *c);

#endif
