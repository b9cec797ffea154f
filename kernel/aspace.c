// SPDX-License-Identifier: MIT
// Address spaces: the mappings of one process, and the checked copies between
// kernel and user memory. Every user pointer a system call receives is
// translated page by page under the address-space lock, so a concurrent unmap
// cannot pull a page away mid-copy.
#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/device.h"
#include "kernel/heap.h"
#include "kernel/memobj.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/process.h"
#include "kernel/uapi/status.h"
#include "kernel/vm.h"
#include "lib/string.h"

static struct spinlock shootdown_lock = SPINLOCK_INIT;

static uint64_t obj_size(struct kobj *o)
{
    return o->type == OBJ_MEM ? ((struct memobj *)o)->size : ((struct device *)o)->size;
}

static uint64_t obj_page(struct kobj *o, uint64_t i)
{
    if (o->type == OBJ_MEM)
        return memobj_page((struct memobj *)o, i);
    return ((struct device *)o)->base + i * PAGE_SIZE;
}

static bool overlaps(struct process *p, uint64_t va, uint64_t size)
{
    for (struct mapping *m = p->maps; m; m = m->next) {
        if (va < m->va + m->size && m->va < va + size)
            return true;
    }
    return false;
}

static void unmap_pages(struct process *p, uint64_t va, uint64_t npages)
{
    for (uint64_t i = 0; i < npages; i++)
        vm_unmap(p->root, va + i * PAGE_SIZE, 0);
}

// Loads the kernel's root in place of one the idle loop kept; interrupts off.
static void drop_root(struct cpu *c)
{
    process_cpu_leave(c->root_proc, c->id);
    c->current_root = vm_kernel_root;
    c->root_proc = 0;
    write_cr3(vm_kernel_root);
}

// A shootdown or a teardown asks this CPU to forget translations. An idle
// CPU holds a root only lazily (sched.c), so it lets go of it instead: that
// flushes as well, and a process being torn down waits for exactly that.
void as_tlb_ipi(void)
{
    struct cpu *c = this_cpu();
    if (c->current == c->idle && c->root_proc)
        drop_root(c);
    else
        write_cr3(read_cr3());
    atomic_store(&c->tlb_flush, 0);
}

void cpu_spin_wait(void)
{
    if (atomic_load(&this_cpu()->tlb_flush))
        as_tlb_ipi();
    cpu_relax();
}

// Asks every CPU in mask to run as_tlb_ipi; the caller holds shootdown_lock.
static void send_flush(uint64_t mask)
{
    for (uint32_t i = 0; i < cpu_count; i++) {
        if (mask & (1ull << i)) {
            atomic_store(&cpus[i].tlb_flush, 1);
            lapic_send_ipi(cpus[i].apic_id, VEC_TLB);
        }
    }
}

// Flushes p's translations on every CPU that has its root loaded.
static void shootdown(struct process *p)
{
    struct cpu *self = this_cpu();
    if (p->root == self->current_root)
        write_cr3(read_cr3());
    uint64_t mask = atomic_load(&p->active_cpus) & ~(1ull << self->id);
    if (!mask)
        return;
    spin_lock(&shootdown_lock);
    send_flush(mask);
    for (uint32_t i = 0; i < cpu_count; i++) {
        // serve requests aimed at us while we wait, or two CPUs would deadlock
        while ((mask & (1ull << i)) && atomic_load(&cpus[i].tlb_flush))
            cpu_spin_wait();
    }
    spin_unlock(&shootdown_lock);
}

static int map_locked(struct process *p, struct kobj *obj, uint64_t va, uint32_t prot, bool pinned)
{
    uint64_t size = obj_size(obj);
    if (!p->root)
        return RW_EDEAD;
    if ((va & (PAGE_SIZE - 1)) || va == 0 || va >= USER_TOP || size > USER_TOP - va)
        return RW_EINVAL;
    if (overlaps(p, va, size))
        return RW_EEXIST;
    struct mapping *m = kmalloc(sizeof(*m));
    if (!m)
        return RW_ENOMEM;
    unsigned flags = VM_USER | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
                     ((prot & PROT_EXEC) ? VM_EXEC : 0) | (obj->type == OBJ_MMIO ? VM_UNCACHED : 0);
    for (uint64_t i = 0; i < size / PAGE_SIZE; i++) {
        int s = vm_map(p->root, va + i * PAGE_SIZE, obj_page(obj, i), flags);
        if (s != RW_OK) {
            unmap_pages(p, va, i);
            kfree(m);
            return s;
        }
    }
    kobj_get(obj);
    *m = (struct mapping){va, size, obj, prot, pinned, p->maps};
    p->maps = m;
    return RW_OK;
}

int as_map(struct process *p, struct kobj *obj, uint64_t va, uint32_t prot, bool pinned)
{
    uint64_t f = spin_lock_irq(&p->as_lock);
    int s = map_locked(p, obj, va, prot, pinned);
    spin_unlock_irq(&p->as_lock, f);
    return s;
}

int as_unmap(struct process *p, uint64_t va)
{
    uint64_t f = spin_lock_irq(&p->as_lock);
    struct mapping **pp = &p->maps;
    while (*pp && (*pp)->va != va)
        pp = &(*pp)->next;
    struct mapping *m = *pp;
    if (!m || m->pinned || !p->root) {
        spin_unlock_irq(&p->as_lock, f);
        return !m ? RW_ENOENT : m->pinned ? RW_EPERM : RW_EDEAD;
    }
    *pp = m->next;
    unmap_pages(p, m->va, m->size / PAGE_SIZE);
    shootdown(p);
    spin_unlock_irq(&p->as_lock, f);
    kobj_put(m->obj);
    kfree(m);
    return RW_OK;
}

// No thread of p runs any more, but idle CPUs may still hold its root
// (sched.c): each is asked to load the kernel's before the tables are freed.
static void release_root(struct process *p)
{
    uint64_t f = irq_save();
    struct cpu *self = this_cpu();
    if (self->root_proc == p)
        drop_root(self);
    uint64_t mask = atomic_load(&p->active_cpus);
    if (mask) {
        spin_lock(&shootdown_lock);
        send_flush(mask);
        for (uint32_t i = 0; i < cpu_count; i++) {
            while (atomic_load(&p->active_cpus) & (1ull << i))
                cpu_spin_wait();
        }
        spin_unlock(&shootdown_lock);
    }
    irq_restore(f);
}

void as_teardown(struct process *p)
{
    release_root(p);
    uint64_t f = spin_lock_irq(&p->as_lock);
    struct mapping *list = p->maps;
    uint64_t root = p->root;
    p->maps = 0;
    p->root = 0;
    spin_unlock_irq(&p->as_lock, f);
    if (root)
        vm_free_root(root);
    while (list) {
        struct mapping *m = list;
        list = m->next;
        kobj_put(m->obj);
        kfree(m);
    }
}

// Copies between a kernel buffer and user memory of p, page by page through
// the direct map; only RAM pages mapped user (and writable, to write) qualify.
static int user_copy(struct process *p, uint64_t uva, void *kbuf, uint64_t len, bool to_user)
{
    if (len == 0)
        return RW_OK;
    if (uva >= USER_TOP || len > USER_TOP - uva)
        return RW_EFAULT;
    uint64_t f = spin_lock_irq(&p->as_lock);
    int s = RW_OK;
    for (uint64_t done = 0; done < len && s == RW_OK;) {
        uint64_t va = uva + done, pa;
        unsigned flags;
        uint64_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > len - done)
            chunk = len - done;
        if (!p->root || !vm_lookup(p->root, PAGE_ALIGN_DOWN(va), &pa, &flags) ||
            !(flags & VM_USER) || (to_user && !(flags & VM_WRITE)) || !pmm_is_ram(pa)) {
            s = RW_EFAULT;
            break;
        }
        uint8_t *k = (uint8_t *)phys_to_virt(pa) + (va & (PAGE_SIZE - 1));
        if (to_user)
            memcpy(k, (uint8_t *)kbuf + done, chunk);
        else
            memcpy((uint8_t *)kbuf + done, k, chunk);
        done += chunk;
    }
    spin_unlock_irq(&p->as_lock, f);
    return s;
}

int copy_from_user(struct process *p, void *dst, uint64_t uva, uint64_t len)
{
    return user_copy(p, uva, dst, len, false);
}

int copy_to_user(struct process *p, uint64_t uva, const void *src, uint64_t len)
{
    return user_copy(p, uva, (void *)src, len, true);
}
