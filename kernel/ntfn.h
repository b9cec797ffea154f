// SPDX-License-Identifier: MIT
// Notifications: the data-path IPC. A notification is a 64-bit word; signal ORs
// bits into it and never blocks; wait blocks until the word is non-zero, then
// returns it and clears it. Interrupts, timers, channel arrivals and peers all
// signal bits of the one notification a component waits on. One thread may
// wait on a notification at a time.
#ifndef RW_NTFN_H
#define RW_NTFN_H

#include <stdint.h>

#include "kernel/object.h"
#include "kernel/spinlock.h"

struct thread;

struct ntfn {
    struct kobj obj;
    struct spinlock lock; // protects bits and waiter
    uint64_t bits;
    struct thread *waiter; // holds no reference: a waiter is alive while it waits
};

struct ntfn *ntfn_create(void);
void ntfn_signal(struct ntfn *n, uint64_t bits);
// Blocks until bits arrive or the deadline (0 = never) passes.
int ntfn_wait(struct ntfn *n, uint64_t deadline_ns, uint64_t *bits);
uint64_t ntfn_poll(struct ntfn *n);

#endif
