// SPDX-License-Identifier: MIT
// Reference counting and destruction of kernel objects (see object.h).
#include "kernel/object.h"

#include "kernel/log.h"

static _Atomic uint64_t live;
static _Atomic uint64_t live_by_type[OBJ_TYPES];

typedef void (*destroy_fn)(struct kobj *o);

static const destroy_fn destroyers[OBJ_TYPES] = {
    [OBJ_PROCESS] = process_destroy, [OBJ_THREAD] = thread_destroy,
    [OBJ_NTFN] = ntfn_destroy,       [OBJ_MEM] = memobj_destroy,
    [OBJ_MMIO] = device_destroy,     [OBJ_IOPORT] = device_destroy,
    [OBJ_IRQ] = irq_destroy,         [OBJ_PCI] = device_destroy,
    [OBJ_CHAN] = chan_destroy,       [OBJ_TIMER] = ktimer_obj_destroy,
    [OBJ_PLATFORM] = device_destroy,
};

void kobj_init(struct kobj *o, enum obj_type type)
{
    atomic_store_explicit(&o->refs, 1, memory_order_relaxed);
    o->type = type;
    live++;
    live_by_type[type]++;
}

void kobj_get(struct kobj *o)
{
    atomic_fetch_add_explicit(&o->refs, 1, memory_order_relaxed);
}

void kobj_put(struct kobj *o)
{
    // acq_rel: the destroyer must see every write made under earlier references
    uint32_t old = atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel);
    if (old == 0)
        panic("kobj: reference count underflow on type %u", o->type);
    if (old == 1) {
        live--;
        live_by_type[o->type]--;
        destroyers[o->type](o);
    }
}

uint64_t kobj_live(void)
{
    return live;
}

uint64_t kobj_live_type(enum obj_type type)
{
    return type < OBJ_TYPES ? live_by_type[type] : 0;
}
