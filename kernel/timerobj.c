// SPDX-License-Identifier: MIT
// Timer objects: a one-shot or periodic deadline that signals notification
// bits, so sleeps and deadlines arrive on the same word as everything else.
#include "kernel/heap.h"
#include "kernel/ntfn.h"
#include "kernel/timer.h"
#include "kernel/timerobj.h"
#include "kernel/uapi/status.h"

static void timerobj_fire(struct ktimer *kt)
{
    struct timerobj *t =
        (struct timerobj *)((uint8_t *)kt - __builtin_offsetof(struct timerobj, kt));
    ntfn_signal(t->ntfn, t->bits);
    uint64_t period = __atomic_load_n(&t->period, __ATOMIC_SEQ_CST);
    if (period)
        ktimer_arm(&t->kt, kt->deadline + period, timerobj_fire);
}

struct timerobj *timerobj_create(struct ntfn *n, uint64_t bits)
{
    struct timerobj *t = kmalloc(sizeof(*t));
    if (!t)
        return 0;
    kobj_init(&t->obj, OBJ_TIMER);
    kobj_get(&n->obj);
    t->ntfn = n;
    t->bits = bits;
    return t;
}

int timerobj_set(struct timerobj *t, uint64_t deadline, uint64_t period)
{
    if (period && period < TIMER_MIN_PERIOD_NS)
        return RW_EINVAL;
    uint64_t f = spin_lock_irq(&t->lock);
    ktimer_cancel(&t->kt);
    t->period = period;
    if (deadline)
        ktimer_arm(&t->kt, deadline, timerobj_fire);
    spin_unlock_irq(&t->lock, f);
    return RW_OK;
}

void ktimer_obj_destroy(struct kobj *o)
{
    struct timerobj *t = (struct timerobj *)o;
    __atomic_store_n(&t->period, 0, __ATOMIC_SEQ_CST);
    ktimer_cancel(&t->kt);
    ktimer_cancel(&t->kt); // a callback in flight may have re-armed it once
    kobj_put(&t->ntfn->obj);
    kfree(t);
}
