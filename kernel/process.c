// SPDX-License-Identifier: MIT
// Process life cycle (see process.h): creation, threads joining and leaving,
// kill and fault handling, and teardown once no thread of it can run.
#include "kernel/process.h"

#include "kernel/arch/x86_64/apic.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/memobj.h"
#include "kernel/ntfn.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/uapi/status.h"
#include "kernel/vm.h"
#include "lib/string.h"

static _Atomic uint32_t next_pid = 1;
extern struct memobj *kinfo_obj;

int process_create(const char *name, struct process **out)
{
    struct process *p = kmalloc(sizeof(*p));
    if (!p)
        return RW_ENOMEM;
    p->root = vm_new_root();
    if (!p->root) {
        kfree(p);
        return RW_ENOMEM;
    }
    kobj_init(&p->obj, OBJ_PROCESS);
    p->pid = next_pid++;
    size_t n = strnlen(name, PROC_NAME_MAX - 1);
    memcpy(p->name, name, n);
    p->status.state = PROC_RUNNING;
    int s = as_map(p, &kinfo_obj->obj, USER_KINFO_VA, PROT_READ, true);
    if (s != RW_OK) {
        kobj_put(&p->obj);
        return s;
    }
    *out = p;
    return RW_OK;
}

struct process *process_current(void)
{
    return thread_current()->proc;
}

int process_add_thread(struct process *p, struct thread *t)
{
    uint64_t f = spin_lock_irq(&p->lock);
    if (p->status.state != PROC_RUNNING || p->torn_down) {
        spin_unlock_irq(&p->lock, f);
        return RW_EDEAD;
    }
    kobj_get(&p->obj);
    t->proc = p;
    t->root = p->root;
    t->proc_next = p->threads;
    p->threads = t;
    p->nthreads++;
    p->status.threads = p->nthreads;
    p->started = true;
    spin_unlock_irq(&p->lock, f);
    return RW_OK;
}

void process_thread_exited(struct thread *t, int64_t code)
{
    struct process *p = t->proc;
    uint64_t f = spin_lock_irq(&p->lock);
    for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
        if (*pp == t) {
            *pp = t->proc_next;
            break;
        }
    }
    p->nthreads--;
    p->status.threads = p->nthreads;
    if (p->status.state == PROC_RUNNING && p->nthreads == 0) {
        p->status.state = PROC_EXITED;
        p->status.exit_code = code;
    }
    spin_unlock_irq(&p->lock, f);
}

// Tears p down once it has no threads left; runs outside p's address space.
void process_reap(struct process *p)
{
    uint64_t f = spin_lock_irq(&p->lock);
    bool go = p->nthreads == 0 && p->started && !p->torn_down;
    if (go)
        p->torn_down = true;
    struct ntfn *w = p->watch;
    uint64_t bits = p->watch_bits;
    p->watch = 0;
    spin_unlock_irq(&p->lock, f);
    if (!go) {
        if (w)
            kobj_put(&w->obj);
        return;
    }
    as_teardown(p);
    cap_clear(&p->caps);
    if (p->status.state != PROC_EXITED)
        kinfo("process %u '%s' ended (%s)", p->pid, p->name,
              p->status.state == PROC_FAULTED ? "fault" : "killed");
    if (w) {
        ntfn_signal(w, bits);
        kobj_put(&w->obj);
    }
}

void process_kill(struct process *p, uint32_t state)
{
    uint64_t f = spin_lock_irq(&p->lock);
    if (p->status.state == PROC_RUNNING)
        p->status.state = state;
    bool none = p->nthreads == 0;
    for (struct thread *t = p->threads; t; t = t->proc_next) {
        t->killed = true;
        sched_wake(t);
        struct cpu *c = &cpus[t->cpu];
        if (c != this_cpu() && c->current == t && !atomic_exchange(&c->need_resched, true))
            lapic_send_ipi(c->apic_id, VEC_RESCHED);
    }
    spin_unlock_irq(&p->lock, f);
    if (none) {
        p->started = true;
        process_reap(p);
    }
}

void process_watch(struct process *p, struct ntfn *n, uint64_t bits)
{
    uint64_t f = spin_lock_irq(&p->lock);
    struct ntfn *old = p->watch;
    bool ended = p->torn_down;
    if (!ended) {
        kobj_get(&n->obj);
        p->watch = n;
        p->watch_bits = bits;
    }
    spin_unlock_irq(&p->lock, f);
    if (old)
        kobj_put(&old->obj);
    if (ended)
        ntfn_signal(n, bits);
}

void process_fault(struct trap_frame *tf)
{
    struct process *p = process_current();
    uint64_t f = spin_lock_irq(&p->lock);
    if (p->status.state == PROC_RUNNING) {
        p->status.fault_vector = tf->vector;
        p->status.fault_error = tf->error;
        p->status.fault_rip = tf->rip;
        p->status.fault_addr = tf->vector == 14 ? read_cr2() : 0;
    }
    spin_unlock_irq(&p->lock, f);
    kwarn("process %u '%s' faulted: vector %lu (%s) error %lx rip %p addr %p", p->pid, p->name,
          (unsigned long)tf->vector, trap_name(tf->vector), (unsigned long)tf->error,
          (void *)tf->rip, (void *)p->status.fault_addr);
    process_kill(p, PROC_FAULTED);
    thread_exit(-1);
}

void process_destroy(struct kobj *o)
{
    struct process *p = (struct process *)o;
    if (p->root)
        as_teardown(p);
    cap_clear(&p->caps);
    if (p->watch)
        kobj_put(&p->watch->obj);
    kfree(p);
}

void process_cpu_enter(struct process *p, uint32_t cpu)
{
    if (p)
        atomic_fetch_or(&p->active_cpus, 1ull << cpu);
}

void process_cpu_leave(struct process *p, uint32_t cpu)
{
    if (p)
        atomic_fetch_and(&p->active_cpus, ~(1ull << cpu));
}
