// SPDX-License-Identifier: MIT
// Timer objects (see timerobj.c): deadlines delivered as notification bits.
#ifndef RW_TIMEROBJ_H
#define RW_TIMEROBJ_H

#include <stdint.h>

#include "kernel/object.h"
#include "kernel/spinlock.h"
#include "kernel/timer.h"

struct ntfn;

struct timerobj {
    struct kobj obj;
    struct spinlock lock; // serialises set against set
    struct ktimer kt;
    struct ntfn *ntfn; // [I] holds a reference
    uint64_t bits;     // [I]
    uint64_t period;   // [lock] ns, 0 = one-shot
};

// Shortest period: a storm of timer interrupts would starve the CPU.
#define TIMER_MIN_PERIOD_NS 100000

struct timerobj *timerobj_create(struct ntfn *n, uint64_t bits);
int timerobj_set(struct timerobj *t, uint64_t deadline, uint64_t period);

#endif
