// SPDX-License-Identifier: MIT
// Control channels: a pair of ends carrying small messages (a few words and up
// to CHAN_HANDLES handles) in both directions. For set-up and control only;
// data moves through shared-memory rings. Handles in a message are moved out
// of the sender's table and into the receiver's. Channel ends themselves cannot
// travel over channels (that could make reference cycles no one can free).
#ifndef RW_CHAN_H
#define RW_CHAN_H

#include <stdint.h>

#include "kernel/object.h"
#include "kernel/uapi/syscall.h"

#define CHAN_QUEUE 16

struct chan;
struct ntfn;
struct process;

struct chan_end {
    struct kobj obj;
    struct chan *chan; // [I]
    uint32_t side;     // [I] 0 or 1
};

int chan_create(struct chan_end **e0, struct chan_end **e1);
int chan_send(struct process *p, struct chan_end *e, const struct chan_msg *m);
int chan_recv(struct process *p, struct chan_end *e, uint64_t umsg, uint64_t timeout_ns);
int chan_bind(struct chan_end *e, struct ntfn *n, uint64_t bits);

#endif
