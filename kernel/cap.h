// SPDX-License-Identifier: MIT
// Handle tables: a process's capabilities. A handle is an index into the table;
// a slot holds one reference to a kernel object and the rights this process
// has over it. Lookups take their own reference so an object stays alive for a
// whole system call even if another thread closes the handle meanwhile.
#ifndef RW_CAP_H
#define RW_CAP_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/object.h"
#include "kernel/spinlock.h"

#define CAP_SLOTS 256

struct cap_slot {
    struct kobj *obj;
    uint32_t rights;
};

struct cap_table {
    struct spinlock lock;             // protects slots and closed
    struct cap_slot slots[CAP_SLOTS]; // [l] slots 0 and 1 are never used
    bool closed;                      // [l] torn down: nothing may be installed
};

// Installs obj (taking a new reference); returns the handle, RW_ENOMEM when
// the table is full, or RW_EDEAD once the table has been cleared.
int cap_install(struct cap_table *t, struct kobj *obj, uint32_t rights);
// Checks type (OBJ_NONE = any) and that all of need is held; returns a
// referenced object in *out, and the slot's rights in *rights if non-NULL.
int cap_lookup(struct cap_table *t, uint64_t h, uint32_t type, uint32_t need, struct kobj **out,
               uint32_t *rights);
int cap_close(struct cap_table *t, uint64_t h);
// Removes the handle and returns its reference to the caller (for moving it).
int cap_take(struct cap_table *t, uint64_t h, uint32_t need, struct kobj **out, uint32_t *rights);
// Closes every handle for good: later installs fail (a handle granted into a
// dead process could otherwise keep it, and itself, alive forever).
void cap_clear(struct cap_table *t);

#endif
