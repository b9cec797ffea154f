// SPDX-License-Identifier: MIT
// Ticket spinlocks for short kernel critical sections. The _irq variants also
// disable interrupts on this CPU and restore them on release; use them for any
// lock an interrupt handler can take.
#ifndef RW_SPINLOCK_H
#define RW_SPINLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "kernel/arch/x86_64/cpu.h"

// Called while spinning: serves requests other CPUs wait on with interrupts
// off (TLB shootdowns), so two CPUs can never wait on each other forever.
void cpu_spin_wait(void);

struct spinlock {
    _Atomic uint32_t next;
    _Atomic uint32_t owner;
};

#define SPINLOCK_INIT                                                                              \
    {                                                                                              \
        0, 0                                                                                       \
    }

static inline void spin_lock(struct spinlock *l)
{
    uint32_t me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
    // acquire: pairs with the release in spin_unlock
    while (atomic_load_explicit(&l->owner, memory_order_acquire) != me)
        cpu_spin_wait();
}

static inline void spin_unlock(struct spinlock *l)
{
    uint32_t o = atomic_load_explicit(&l->owner, memory_order_relaxed);
    // release: pairs with the acquire in spin_lock
    atomic_store_explicit(&l->owner, o + 1, memory_order_release);
}

static inline uint64_t spin_lock_irq(struct spinlock *l)
{
    uint64_t flags = irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irq(struct spinlock *l, uint64_t flags)
{
    spin_unlock(l);
    irq_restore(flags);
}

#endif
