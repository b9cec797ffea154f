// SPDX-License-Identifier: MIT
// Notification objects (see ntfn.h). Each notification has its own lock; a
// signal to a waiter on another CPU wakes it through that CPU's run queue and
// an IPI, so no lock is shared between unrelated signal/wait pairs.
#include "kernel/ntfn.h"

#include "kernel/heap.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/uapi/status.h"

struct ntfn *ntfn_create(void)
{
    struct ntfn *n = kmalloc(sizeof(*n));
    if (n)
        kobj_init(&n->obj, OBJ_NTFN);
    return n;
}

void ntfn_signal(struct ntfn *n, uint64_t bits)
{
    if (!bits)
        return;
    uint64_t f = spin_lock_irq(&n->lock);
    struct thread *w = n->waiter;
    if (w) {
        // hand the word straight to the waiter
        w->wait_value = n->bits | bits;
        n->bits = 0;
        n->waiter = 0;
    } else {
        n->bits |= bits;
    }
    spin_unlock_irq(&n->lock, f);
    if (w)
        sched_wake(w);
}

int ntfn_wait(struct ntfn *n, uint64_t deadline_ns, uint64_t *bits)
{
    struct thread *t = thread_current();
    uint64_t f = spin_lock_irq(&n->lock);
    if (n->bits) {
        *bits = n->bits;
        n->bits = 0;
        spin_unlock_irq(&n->lock, f);
        return RW_OK;
    }
    if (n->waiter) {
        spin_unlock_irq(&n->lock, f);
        return RW_EBUSY;
    }
    n->waiter = t;
    thread_block(deadline_ns, &n->lock);
    spin_lock(&n->lock);
    int s = RW_OK;
    if (n->waiter == t) {
        // nobody handed us bits: the deadline passed or we are being killed
        n->waiter = 0;
        s = t->killed ? RW_EDEAD : RW_ETIMEDOUT;
    } else {
        *bits = t->wait_value;
    }
    spin_unlock_irq(&n->lock, f);
    return s;
}

uint64_t ntfn_poll(struct ntfn *n)
{
    uint64_t f = spin_lock_irq(&n->lock);
    uint64_t b = n->bits;
    n->bits = 0;
    spin_unlock_irq(&n->lock, f);
    return b;
}

void ntfn_destroy(struct kobj *o)
{
    kfree(o);
}
