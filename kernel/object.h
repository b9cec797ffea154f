// SPDX-License-Identifier: MIT
// The common header of every kernel object a handle can name. Objects are
// reference counted: each handle slot, each binding (an IRQ to its
// notification, a mapping to its memory object) and each in-flight system call
// holds one reference. The last kobj_put destroys the object by type.
#ifndef RW_OBJECT_H
#define RW_OBJECT_H

#include <stdatomic.h>
#include <stdint.h>

#include "kernel/uapi/syscall.h"

struct kobj {
    _Atomic uint32_t refs; // [a]
    uint32_t type;         // [I] enum obj_type
};

void kobj_init(struct kobj *o, enum obj_type type);
void kobj_get(struct kobj *o);
void kobj_put(struct kobj *o);
uint64_t kobj_live(void);
uint64_t kobj_live_type(enum obj_type type);

// Per-type destructors, called by kobj_put when the count reaches zero.
void process_destroy(struct kobj *o);
void thread_destroy(struct kobj *o);
void ntfn_destroy(struct kobj *o);
void memobj_destroy(struct kobj *o);
void device_destroy(struct kobj *o);
void irq_destroy(struct kobj *o);
void chan_destroy(struct kobj *o);
void ktimer_obj_destroy(struct kobj *o);

#endif
