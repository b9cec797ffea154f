// SPDX-License-Identifier: MIT
// Process, thread, channel, timer and miscellaneous system calls. Decode
// first (handles, rights, user memory), then invoke.
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/chan.h"
#include "kernel/cpuacct.h"
#include "kernel/elf.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/memobj.h"
#include "kernel/ntfn.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/syscall_impl.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/timerobj.h"
#include "kernel/uapi/status.h"
#include "kernel/vm.h"

uint64_t sched_ipis(void);
uint64_t sched_root_loads(void);

int sys_proc_create(struct sys_args *s)
{
    char name[PROC_NAME_MAX] = {0};
    if (s->a[1] == 0 || s->a[1] >= PROC_NAME_MAX)
        return RW_EINVAL;
    int st = copy_from_user(cur(), name, s->a[0], s->a[1]);
    if (st != RW_OK)
        return st;
    struct process *p;
    st = process_create(name, &p);
    if (st != RW_OK)
        return st;
    return install(&p->obj, RIGHT_MANAGE | RIGHT_DUP, &s->out);
}

int sys_proc_load(struct sys_args *s)
{
    struct process *p = 0;
    struct memobj *m = 0;
    int st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st == RW_OK)
        st = get(s->a[1], OBJ_MEM, RIGHT_READ, &m);
    if (st == RW_OK && p == cur())
        st = RW_EPERM; // a running image may not be loaded over
    if (st == RW_OK)
        st = elf_load(p, m, &s->out);
    put(m);
    put(p);
    return st;
}

int sys_proc_kill(struct sys_args *s)
{
    struct process *p;
    int st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st != RW_OK)
        return st;
    process_kill(p, PROC_KILLED);
    put(p);
    return RW_OK;
}

int sys_proc_watch(struct sys_args *s)
{
    struct process *p = 0;
    struct ntfn *n = 0;
    int st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st == RW_OK)
        st = get(s->a[1], OBJ_NTFN, RIGHT_SIGNAL, &n);
    if (st == RW_OK && !s->a[2])
        st = RW_EINVAL;
    if (st == RW_OK)
        process_watch(p, n, s->a[2]);
    put(n);
    put(p);
    return st;
}

int sys_proc_status(struct sys_args *s)
{
    struct process *p;
    int st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st != RW_OK)
        return st;
    uint64_t f = spin_lock_irq(&p->lock);
    struct proc_status ps = p->status;
    ps.cpu_ns = cpuacct_process_ns(p);
    spin_unlock_irq(&p->lock, f);
    put(p);
    return copy_to_user(cur(), s->a[1], &ps, sizeof(ps));
}

int sys_thread_create(struct sys_args *s)
{
    struct thread_args ta;
    int st = copy_from_user(cur(), &ta, s->a[1], sizeof(ta));
    if (st != RW_OK)
        return st;
    struct process *p;
    st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st != RW_OK)
        return st;
    struct thread *t;
    st = thread_create_user(p, ta.entry, ta.stack, ta.arg, ta.cpu, ta.priority, &t);
    put(p);
    if (st != RW_OK)
        return st;
    int h = cap_install(&cur()->caps, &t->obj, RIGHT_MANAGE | RIGHT_DUP | RIGHT_GRANT);
    sched_wake(t); // the creation reference now belongs to the scheduler
    s->out = h > 0 ? (uint64_t)h : 0;
    return RW_OK;
}

int sys_thread_exit(struct sys_args *s)
{
    thread_exit((int64_t)s->a[0]);
}

int sys_chan_create(struct sys_args *s)
{
    struct chan_end *a, *b;
    int st = chan_create(&a, &b);
    if (st != RW_OK)
        return st;
    uint32_t rights = RIGHT_READ | RIGHT_WRITE | RIGHT_DUP | RIGHT_GRANT;
    uint64_t ha = 0, hb = 0;
    st = install(&a->obj, rights, &ha);
    if (st != RW_OK) {
        kobj_put(&b->obj);
        return st;
    }
    st = install(&b->obj, rights, &hb);
    if (st != RW_OK) {
        cap_close(&cur()->caps, ha);
        return st;
    }
    s->out = ha | (hb << 32);
    return RW_OK;
}

int sys_chan_send(struct sys_args *s)
{
    struct chan_msg m;
    int st = copy_from_user(cur(), &m, s->a[1], sizeof(m));
    if (st != RW_OK)
        return st;
    struct chan_end *e;
    st = get(s->a[0], OBJ_CHAN, RIGHT_WRITE, &e);
    if (st != RW_OK)
        return st;
    st = chan_send(cur(), e, &m);
    put(e);
    return st;
}

int sys_chan_recv(struct sys_args *s)
{
    struct chan_end *e;
    int st = get(s->a[0], OBJ_CHAN, RIGHT_READ, &e);
    if (st != RW_OK)
        return st;
    st = chan_recv(cur(), e, s->a[1], s->a[2]);
    put(e);
    return st;
}

int sys_chan_bind(struct sys_args *s)
{
    struct chan_end *e = 0;
    struct ntfn *n = 0;
    int st = get(s->a[0], OBJ_CHAN, RIGHT_READ, &e);
    if (st == RW_OK)
        st = get(s->a[1], OBJ_NTFN, RIGHT_SIGNAL, &n);
    if (st == RW_OK)
        st = s->a[2] ? chan_bind(e, n, s->a[2]) : RW_EINVAL;
    put(n);
    put(e);
    return st;
}

int sys_chan_call(struct sys_args *s)
{
    int st = sys_chan_send(s);
    if (st != RW_OK)
        return st;
    return sys_chan_recv(s);
}

int sys_timer_create(struct sys_args *s)
{
    struct ntfn *n;
    int st = get(s->a[0], OBJ_NTFN, RIGHT_SIGNAL, &n);
    if (st != RW_OK)
        return st;
    if (!s->a[1]) {
        put(n);
        return RW_EINVAL;
    }
    struct timerobj *t = timerobj_create(n, s->a[1]);
    put(n);
    if (!t)
        return RW_ENOMEM;
    return install(&t->obj, RIGHT_MANAGE | RIGHT_DUP | RIGHT_GRANT, &s->out);
}

int sys_timer_set(struct sys_args *s)
{
    struct timerobj *t;
    int st = get(s->a[0], OBJ_TIMER, RIGHT_MANAGE, &t);
    if (st != RW_OK)
        return st;
    st = timerobj_set(t, s->a[1], s->a[2]);
    put(t);
    return st;
}

int sys_sleep(struct sys_args *s)
{
    if (s->a[0] > 3600ull * 1000000000ull)
        return RW_EINVAL;
    uint64_t deadline = clock_ns() + s->a[0];
    struct thread *t = thread_current();
    struct spinlock l = SPINLOCK_INIT;
    while (clock_ns() < deadline && !t->killed) {
        uint64_t f = spin_lock_irq(&l);
        thread_block(deadline, &l);
        irq_restore(f);
    }
    return RW_OK;
}

int sys_yield(struct sys_args *s)
{
    (void)s;
    sched_yield();
    return RW_OK;
}

int sys_cpu_id(struct sys_args *s)
{
    s->out = this_cpu()->id;
    return RW_OK;
}

int sys_kstats(struct sys_args *s)
{
    struct kstats k = {
        .free_pages = pmm_free_pages() + heap_pages(),
        .live_objects = heap_live_objects(),
        .table_pages = vm_table_pages(),
        .kobjects = kobj_live(),
        .syscalls = syscall_total(),
        .ipis = sched_ipis(),
        .cpus = cpu_count,
        .heap_pages = heap_pages(),
        .uptime_ns = clock_ns(),
        .root_loads = sched_root_loads(),
    };
    for (int t = 0; t < OBJ_TYPES; t++)
        k.objects[t] = kobj_live_type(t);
    for (uint32_t i = 0; i < cpu_count; i++)
        cpuacct_read(i, &k.cpu[i].busy_ns, &k.cpu[i].idle_ns);
    return copy_to_user(cur(), s->a[0], &k, sizeof(k));
}

int sys_test_exit(struct sys_args *s)
{
#ifdef RINGWALL_TEST
    kprintf("RINGWALL-TEST-VERDICT: %s\n", s->a[0] ? "FAIL" : "PASS");
    arch_qemu_exit(s->a[0] ? 1 : 0);
    cpu_stop();
#else
    (void)s;
    return RW_ENOSYS;
#endif
}
