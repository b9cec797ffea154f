// SPDX-License-Identifier: MIT
// Thread creation, blocking with a timeout, and exit. A new thread's kernel
// stack is laid out so that the first switch to it "returns" into
// thread_first_entry, which leaves for user mode through the trap frame above.
#include "kernel/thread.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/seg.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/uapi/status.h"
#include "kernel/vm.h"
#include "lib/string.h"

extern char thread_first_entry[];
static _Atomic uint64_t next_tid = 1;
static uint8_t fpu_initial[512] __attribute__((aligned(16)));

// Captures the FPU state every new thread starts from (after fninit).
void thread_fpu_init(void)
{
    __asm__ volatile("fninit; fxsave %0" : "=m"(fpu_initial));
}

static struct thread *thread_alloc(uint32_t cpu, uint32_t priority)
{
    struct thread *t = kmalloc(sizeof(*t));
    if (!t)
        return 0;
    uint64_t stack = pmm_alloc_contig(THREAD_KSTACK_PAGES, 1);
    if (stack == PMM_NONE) {
        kfree(t);
        return 0;
    }
    kobj_init(&t->obj, OBJ_THREAD);
    t->kstack = (uint64_t)phys_to_virt(stack);
    t->cpu = cpu;
    t->priority = priority;
    t->state = THREAD_NEW;
    t->tid = next_tid++;
    t->root = vm_kernel_root;
    memcpy(t->fpu, fpu_initial, sizeof(t->fpu));
    return t;
}

struct thread *thread_create_idle(uint32_t cpu)
{
    return thread_alloc(cpu, 0);
}

int thread_create_user(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg,
                       uint32_t cpu, uint32_t priority, struct thread **out)
{
    if (cpu >= cpu_count || priority >= SCHED_PRIORITIES)
        return RW_EINVAL;
    if (entry >= USER_TOP || stack >= USER_TOP || stack < 4096)
        return RW_EINVAL;
    struct thread *t = thread_alloc(cpu, priority);
    if (!t)
        return RW_ENOMEM;
    uint64_t top = t->kstack + THREAD_KSTACK_PAGES * PAGE_SIZE;
    struct trap_frame *tf = (struct trap_frame *)top - 1;
    memset(tf, 0, sizeof(*tf));
    tf->rip = entry;
    tf->cs = SEG_UCODE;
    tf->rflags = 0x202;
    tf->rsp = (stack & ~15ull) - 8; // as if a call had pushed a return address
    tf->ss = SEG_UDATA;
    tf->rdi = arg;
    uint64_t *sp = (uint64_t *)tf;
    *--sp = (uint64_t)thread_first_entry;
    for (int i = 0; i < 6; i++) // rbp rbx r12..r15 popped by arch_switch
        *--sp = 0;
    t->ksp = (uint64_t)sp;
    int s = process_add_thread(p, t);
    if (s != RW_OK) {
        kobj_put(&t->obj);
        return s;
    }
    *out = t;
    return RW_OK;
}

void thread_destroy(struct kobj *o)
{
    struct thread *t = (struct thread *)o;
    if (t->proc)
        kobj_put(&t->proc->obj);
    pmm_free_contig(virt_to_phys((void *)t->kstack), THREAD_KSTACK_PAGES);
    kfree(t);
}

struct thread *thread_current(void)
{
    return this_cpu()->current;
}

void thread_exit(int64_t code)
{
    irq_disable();
    struct cpu *c = this_cpu();
    struct thread *t = c->current;
    ktimer_cancel(&t->wait_timer);
    process_thread_exited(t, code);
    spin_lock(&c->rq.lock);
    t->state = THREAD_DEAD;
    spin_unlock(&c->rq.lock);
    // the scheduler's reference is dropped on the next thread's stack
    c->reap = t;
    sched_schedule();
    panic("thread: dead thread %lu was scheduled", (unsigned long)t->tid);
}

void thread_check_killed(void)
{
    if (thread_current()->killed)
        thread_exit(-1);
}

static void wait_timeout(struct ktimer *kt)
{
    sched_wake((struct thread *)((uint8_t *)kt - __builtin_offsetof(struct thread, wait_timer)));
}

void thread_block(uint64_t deadline_ns, struct spinlock *held)
{
    struct thread *t = thread_current();
    sched_prepare_block();
    if (deadline_ns)
        ktimer_arm(&t->wait_timer, deadline_ns, wait_timeout);
    spin_unlock(held);
    sched_schedule();
    ktimer_cancel(&t->wait_timer);
}
