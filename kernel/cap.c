// SPDX-License-Identifier: MIT
// Handle tables (see cap.h). Every system call that names an object goes
// through cap_lookup, which is where handle numbers, object types and rights
// are checked.
#include "kernel/cap.h"

#include "kernel/uapi/status.h"

int cap_install(struct cap_table *t, struct kobj *obj, uint32_t rights)
{
    uint64_t f = spin_lock_irq(&t->lock);
    if (t->closed) {
        spin_unlock_irq(&t->lock, f);
        return RW_EDEAD;
    }
    for (int h = 2; h < CAP_SLOTS; h++) { // 1 is HANDLE_SELF_PROC
        if (!t->slots[h].obj) {
            kobj_get(obj);
            t->slots[h] = (struct cap_slot){obj, rights & RIGHTS_ALL};
            spin_unlock_irq(&t->lock, f);
            return h;
        }
    }
    spin_unlock_irq(&t->lock, f);
    return RW_ENOMEM;
}

// Validates a slot; caller holds the lock.
static int check_slot(struct cap_table *t, uint64_t h, uint32_t type, uint32_t need)
{
    if (h == 0 || h >= CAP_SLOTS || !t->slots[h].obj)
        return RW_EBADH;
    if (type != OBJ_NONE && t->slots[h].obj->type != type)
        return RW_ETYPE;
    if ((t->slots[h].rights & need) != need)
        return RW_EPERM;
    return RW_OK;
}

int cap_lookup(struct cap_table *t, uint64_t h, uint32_t type, uint32_t need, struct kobj **out,
               uint32_t *rights)
{
    uint64_t f = spin_lock_irq(&t->lock);
    int s = check_slot(t, h, type, need);
    if (s == RW_OK) {
        *out = t->slots[h].obj;
        kobj_get(*out);
        if (rights)
            *rights = t->slots[h].rights;
    }
    spin_unlock_irq(&t->lock, f);
    return s;
}

int cap_take(struct cap_table *t, uint64_t h, uint32_t need, struct kobj **out, uint32_t *rights)
{
    uint64_t f = spin_lock_irq(&t->lock);
    int s = check_slot(t, h, OBJ_NONE, need);
    if (s == RW_OK) {
        *out = t->slots[h].obj;
        *rights = t->slots[h].rights;
        t->slots[h] = (struct cap_slot){0, 0};
    }
    spin_unlock_irq(&t->lock, f);
    return s;
}

int cap_close(struct cap_table *t, uint64_t h)
{
    struct kobj *o;
    uint32_t r;
    int s = cap_take(t, h, 0, &o, &r);
    if (s == RW_OK)
        kobj_put(o);
    return s;
}

void cap_clear(struct cap_table *t)
{
    uint64_t f = spin_lock_irq(&t->lock);
    t->closed = true;
    spin_unlock_irq(&t->lock, f);
    for (int h = 1; h < CAP_SLOTS; h++)
        cap_close(t, h);
}
