// SPDX-License-Identifier: MIT
// Per-core scheduler (see sched.h). The run-queue lock of a CPU is the only lock
// a remote wake-up takes; the switch itself runs with interrupts off and never
// holds a lock across arch_switch.
#include "kernel/sched.h"

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/cpuacct.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/process.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/vm.h"

void arch_switch(uint64_t *save_sp, uint64_t new_sp);
void sched_after_switch(void);

static _Atomic uint64_t ipis_sent;
static _Atomic uint64_t root_loads;

uint64_t sched_ipis(void)
{
    return ipis_sent;
}

uint64_t sched_root_loads(void)
{
    return root_loads;
}

void sched_init_cpu(struct cpu *cpu)
{
    cpu->idle = thread_create_idle(cpu->id);
    if (!cpu->idle)
        panic("sched: no memory for CPU %u's idle thread", cpu->id);
    cpu->idle->state = THREAD_RUNNING;
    cpu->current = cpu->idle;
    cpu->current_root = vm_kernel_root;
    cpuacct_init_cpu(cpu);
}

// Appends t to its level; caller holds rq->lock.
static void rq_push(struct runq *rq, struct thread *t)
{
    uint32_t p = t->priority;
    t->rq_next = 0;
    if (rq->tail[p])
        rq->tail[p]->rq_next = t;
    else
        rq->head[p] = t;
    rq->tail[p] = t;
    rq->ready_mask |= 1u << p;
    rq->nready++;
}

// Removes the first thread of the highest non-empty level; caller holds rq->lock.
static struct thread *rq_pop(struct runq *rq)
{
    if (!rq->ready_mask)
        return 0;
    uint32_t p = 31 - __builtin_clz(rq->ready_mask);
    struct thread *t = rq->head[p];
    rq->head[p] = t->rq_next;
    if (!rq->head[p]) {
        rq->tail[p] = 0;
        rq->ready_mask &= ~(1u << p);
    }
    rq->nready--;
    return t;
}

void sched_wake(struct thread *t)
{
    struct cpu *c = &cpus[t->cpu];
    uint64_t f = spin_lock_irq(&c->rq.lock);
    if (t->state != THREAD_BLOCKED && t->state != THREAD_NEW) {
        spin_unlock_irq(&c->rq.lock, f);
        return;
    }
    t->state = THREAD_READY;
    rq_push(&c->rq, t);
    struct thread *cur = c->current;
    bool preempt = cur == c->idle || t->priority >= cur->priority;
    spin_unlock_irq(&c->rq.lock, f);
    if (!preempt)
        return;
    if (c == this_cpu()) {
        c->need_resched = true;
    } else if (!atomic_exchange(&c->need_resched, true)) {
        ipis_sent++;
        lapic_send_ipi(c->apic_id, VEC_RESCHED);
    }
}

void sched_prepare_block(void)
{
    struct cpu *c = this_cpu();
    uint64_t f = spin_lock_irq(&c->rq.lock);
    c->current->state = THREAD_BLOCKED;
    spin_unlock_irq(&c->rq.lock, f);
}

// Loads next's address space, kernel stack and FPU state. The idle thread
// runs on whatever root is loaded (every root maps the kernel), so a core
// that sleeps between two runs of one process reloads nothing: under TCG a
// CR3 write empties the whole software TLB. A root kept this way is given up
// when its process is torn down (release_root in aspace.c).
static void switch_context(struct cpu *c, struct thread *prev, struct thread *next)
{
    if (next != c->idle && next->root != c->current_root) {
        process_cpu_leave(c->root_proc, c->id);
        c->current_root = next->root;
        c->root_proc = next->proc;
        write_cr3(next->root);
        root_loads++;
        process_cpu_enter(next->proc, c->id);
    }
    arch_set_kernel_stack(c, next->kstack + THREAD_KSTACK_PAGES * 4096);
    __asm__ volatile("fxsave %0" : "=m"(prev->fpu));
    __asm__ volatile("fxrstor %0" : : "m"(next->fpu));
    c->current = next;
    arch_switch(&prev->ksp, next->ksp);
    sched_after_switch();
}

// Decides whether the next thread gets a time slice limit.
static void set_quantum(struct cpu *c, struct thread *next)
{
    bool shared = next != c->idle && (c->rq.ready_mask >> next->priority) & 1;
    c->quantum_end = shared ? clock_ns() + SCHED_QUANTUM_NS : 0;
}

void sched_schedule(void)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->current;
    c->need_resched = false;
    spin_lock(&c->rq.lock);
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        prev->state = THREAD_READY;
        rq_push(&c->rq, prev);
    }
    struct thread *next = rq_pop(&c->rq);
    if (!next)
        next = c->idle;
    next->state = THREAD_RUNNING;
    set_quantum(c, next);
    spin_unlock(&c->rq.lock);
    ktimer_reprogram();
    if (next != prev) {
        cpuacct_switch(c, prev);
        switch_context(c, prev, next);
    }
}

// Runs on the new thread's stack right after a switch.
void sched_after_switch(void)
{
    struct cpu *c = this_cpu();
    struct thread *dead = c->reap;
    c->reap = 0;
    if (dead) {
        if (dead->proc)
            process_reap(dead->proc);
        kobj_put(&dead->obj);
    }
}

void sched_yield(void)
{
    uint64_t f = irq_save();
    sched_schedule();
    irq_restore(f);
}

void sched_check_resched(void)
{
    if (this_cpu()->need_resched)
        sched_schedule();
}

void sched_tick(void)
{
    struct cpu *c = this_cpu();
    c->ticks++;
    if (c->quantum_end && clock_ns() >= c->quantum_end) {
        c->quantum_end = 0;
        c->need_resched = true;
    }
    ktimer_interrupt();
    ktimer_reprogram();
}

void sched_idle_loop(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        irq_disable();
        if (c->rq.nready || c->need_resched) {
            sched_schedule();
            continue;
        }
        cpuacct_idle_enter(c);
        __asm__ volatile("sti; hlt" ::: "memory");
        cpuacct_idle_exit(c);
    }
}
