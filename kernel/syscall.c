// SPDX-License-Identifier: MIT
// System-call dispatch. Each call first decodes: it resolves every handle with
// the type and rights it needs and copies in every user argument, with no side
// effect until all checks pass; then it invokes the object operation. Every
// failure returns a named status (uapi/status.h).
#include "kernel/syscall.h"

#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/cap.h"
#include "kernel/chan.h"
#include "kernel/device.h"
#include "kernel/elf.h"
#include "kernel/heap.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/memobj.h"
#include "kernel/ntfn.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/timerobj.h"
#include "kernel/uapi/status.h"
#include "kernel/vm.h"

#include "kernel/syscall_impl.h"

typedef int (*sys_fn)(struct sys_args *s);

static _Atomic uint64_t syscall_count;

struct process *cur(void)
{
    return process_current();
}

// Resolves h in the caller's table; HANDLE_SELF_PROC names the caller itself.
int get(uint64_t h, uint32_t type, uint32_t need, void *out)
{
    if (h == HANDLE_SELF_PROC && (type == OBJ_PROCESS || type == OBJ_NONE)) {
        kobj_get(&cur()->obj);
        *(struct kobj **)out = &cur()->obj;
        return RW_OK;
    }
    return cap_lookup(&cur()->caps, h, type, need, out, 0);
}

void put(void *o)
{
    if (o)
        kobj_put(o);
}

// Installs a new object's handle and drops the creation reference.
int install(struct kobj *o, uint32_t rights, uint64_t *out)
{
    int h = cap_install(&cur()->caps, o, rights);
    kobj_put(o);
    if (h < 0)
        return h;
    *out = (uint64_t)h;
    return RW_OK;
}

static int sys_debug_write(struct sys_args *s)
{
    char buf[256];
    uint64_t len = s->a[1];
    if (len > 4096)
        return RW_EINVAL;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done > sizeof(buf) ? sizeof(buf) : len - done;
        int st = copy_from_user(cur(), buf, s->a[0] + done, n);
        if (st != RW_OK)
            return st;
        console_write(buf, n);
        done += n;
    }
    return RW_OK;
}

static int sys_handle_close(struct sys_args *s)
{
    return cap_close(&cur()->caps, s->a[0]);
}

static uint32_t grantable(struct kobj *o, uint32_t rights)
{
    // process handles never travel: a process could otherwise keep itself alive
    return o->type == OBJ_PROCESS ? rights & ~RIGHT_GRANT : rights;
}

static int sys_handle_dup(struct sys_args *s)
{
    struct kobj *o;
    uint32_t have;
    int st = cap_lookup(&cur()->caps, s->a[0], OBJ_NONE, RIGHT_DUP, &o, &have);
    if (st != RW_OK)
        return st;
    int h = cap_install(&cur()->caps, o, grantable(o, have & s->a[1]));
    put(o);
    s->out = h > 0 ? (uint64_t)h : 0;
    return h > 0 ? RW_OK : h;
}

static int sys_handle_info(struct sys_args *s)
{
    struct kobj *o;
    uint32_t have;
    int st = cap_lookup(&cur()->caps, s->a[0], OBJ_NONE, 0, &o, &have);
    if (st != RW_OK)
        return st;
    s->out = o->type | ((uint64_t)have << 32);
    put(o);
    return RW_OK;
}

static int sys_handle_grant(struct sys_args *s)
{
    struct process *p = 0;
    struct kobj *o = 0;
    uint32_t have;
    int st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st == RW_OK)
        st = cap_lookup(&cur()->caps, s->a[1], OBJ_NONE, RIGHT_GRANT, &o, &have);
    if (st == RW_OK && o->type == OBJ_PROCESS)
        st = RW_EPERM;
    if (st == RW_OK) {
        int h = cap_install(&p->caps, o, grantable(o, have & s->a[2]));
        s->out = h > 0 ? (uint64_t)h : 0;
        st = h > 0 ? RW_OK : h;
    }
    put(o);
    put(p);
    return st;
}

static int sys_ntfn_create(struct sys_args *s)
{
    struct ntfn *n = ntfn_create();
    if (!n)
        return RW_ENOMEM;
    return install(&n->obj, RIGHT_SIGNAL | RIGHT_WAIT | RIGHT_DUP | RIGHT_GRANT, &s->out);
}

static int sys_ntfn_signal(struct sys_args *s)
{
    struct ntfn *n;
    int st = get(s->a[0], OBJ_NTFN, RIGHT_SIGNAL, &n);
    if (st != RW_OK)
        return st;
    ntfn_signal(n, s->a[1]);
    put(n);
    return RW_OK;
}

static int sys_ntfn_wait(struct sys_args *s)
{
    struct ntfn *n;
    int st = get(s->a[0], OBJ_NTFN, RIGHT_WAIT, &n);
    if (st != RW_OK)
        return st;
    uint64_t timeout = s->a[1];
    if (timeout == 0) {
        s->out = ntfn_poll(n);
        st = s->out ? RW_OK : RW_ETIMEDOUT;
    } else {
        uint64_t deadline = timeout == TIMEOUT_NEVER ? 0 : clock_ns() + timeout;
        st = ntfn_wait(n, deadline, &s->out);
    }
    put(n);
    return st;
}

static int sys_ntfn_poll(struct sys_args *s)
{
    struct ntfn *n;
    int st = get(s->a[0], OBJ_NTFN, RIGHT_WAIT, &n);
    if (st != RW_OK)
        return st;
    s->out = ntfn_poll(n);
    put(n);
    return RW_OK;
}

static int sys_mem_create(struct sys_args *s)
{
    if (s->a[1] & ~(uint64_t)MEM_CONTIG)
        return RW_EINVAL;
    struct memobj *m;
    int st = memobj_create(s->a[0], (uint32_t)s->a[1], &m);
    if (st != RW_OK)
        return st;
    uint32_t rights = RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC | RIGHT_DUP | RIGHT_GRANT;
    return install(&m->obj, rights | ((m->flags & MEM_CONTIG) ? RIGHT_PHYS : 0), &s->out);
}

static int sys_mem_phys(struct sys_args *s)
{
    struct memobj *m;
    int st = get(s->a[0], OBJ_MEM, RIGHT_PHYS, &m);
    if (st != RW_OK)
        return st;
    if (m->flags & MEM_CONTIG)
        s->out = m->base;
    else
        st = RW_EINVAL;
    put(m);
    return st;
}

static int sys_vm_map(struct sys_args *s)
{
    if (s->a[3] & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
        return RW_EINVAL;
    uint32_t prot = (uint32_t)s->a[3];
    if (!(prot & PROT_READ) || ((prot & PROT_WRITE) && (prot & PROT_EXEC)))
        return RW_EINVAL;
    uint32_t need = RIGHT_READ | ((prot & PROT_WRITE) ? RIGHT_WRITE : 0) |
                    ((prot & PROT_EXEC) ? RIGHT_EXEC : 0);
    struct process *p = 0;
    struct kobj *o = 0;
    int st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st == RW_OK)
        st = get(s->a[1], OBJ_NONE, need, &o);
    if (st == RW_OK && o->type != OBJ_MEM && o->type != OBJ_MMIO)
        st = RW_ETYPE;
    if (st == RW_OK && o->type == OBJ_MMIO && (prot & PROT_EXEC))
        st = RW_EPERM;
    if (st == RW_OK)
        st = as_map(p, o, s->a[2], prot, false);
    put(o);
    put(p);
    return st;
}

static int sys_vm_unmap(struct sys_args *s)
{
    struct process *p;
    int st = get(s->a[0], OBJ_PROCESS, RIGHT_MANAGE, &p);
    if (st != RW_OK)
        return st;
    st = as_unmap(p, s->a[1]);
    put(p);
    return st;
}

// Checks [port, port+width) against an I/O range handle.
static int ioport_get(struct sys_args *s, uint32_t need, struct device **d)
{
    uint64_t port = s->a[1], width = s->a[2];
    if (width != 1 && width != 2 && width != 4)
        return RW_EINVAL;
    int st = get(s->a[0], OBJ_IOPORT, need, d);
    if (st != RW_OK)
        return st;
    if (port < (*d)->base || port + width > (*d)->base + (*d)->size) {
        put(*d);
        return RW_EPERM;
    }
    return RW_OK;
}

static int sys_ioport_read(struct sys_args *s)
{
    struct device *d;
    int st = ioport_get(s, RIGHT_READ, &d);
    if (st != RW_OK)
        return st;
    uint16_t port = (uint16_t)s->a[1];
    s->out = s->a[2] == 1 ? inb(port) : s->a[2] == 2 ? inw(port) : inl(port);
    put(d);
    return RW_OK;
}

static int sys_ioport_write(struct sys_args *s)
{
    struct device *d;
    int st = ioport_get(s, RIGHT_WRITE, &d);
    if (st != RW_OK)
        return st;
    uint16_t port = (uint16_t)s->a[1];
    if (s->a[2] == 1)
        outb(port, (uint8_t)s->a[3]);
    else if (s->a[2] == 2)
        outw(port, (uint16_t)s->a[3]);
    else
        outl(port, (uint32_t)s->a[3]);
    put(d);
    return RW_OK;
}

static int sys_irq_bind(struct sys_args *s)
{
    struct irq *irq = 0;
    struct ntfn *n = 0;
    int st = get(s->a[0], OBJ_IRQ, RIGHT_WAIT, &irq);
    if (st == RW_OK)
        st = get(s->a[1], OBJ_NTFN, RIGHT_SIGNAL, &n);
    if (st == RW_OK)
        st = irq_bind(irq, n, s->a[2]);
    put(n);
    put(irq);
    return st;
}

static int sys_irq_ack(struct sys_args *s)
{
    struct irq *irq;
    int st = get(s->a[0], OBJ_IRQ, RIGHT_WAIT, &irq);
    if (st != RW_OK)
        return st;
    st = irq_ack(irq);
    put(irq);
    return st;
}

static int sys_irq_msg(struct sys_args *s)
{
    struct irq *irq;
    int st = get(s->a[0], OBJ_IRQ, RIGHT_WAIT, &irq);
    if (st != RW_OK)
        return st;
    if (irq->msi) {
        uint32_t addr, data;
        irq_msi_message(irq, &addr, &data);
        s->out = data | ((uint64_t)addr << 32);
    } else {
        st = RW_ETYPE;
    }
    put(irq);
    return st;
}

static const sys_fn sys_table[SYS_COUNT] = {
    [SYS_DEBUG_WRITE] = sys_debug_write,
    [SYS_HANDLE_CLOSE] = sys_handle_close,
    [SYS_HANDLE_DUP] = sys_handle_dup,
    [SYS_HANDLE_INFO] = sys_handle_info,
    [SYS_HANDLE_GRANT] = sys_handle_grant,
    [SYS_NTFN_CREATE] = sys_ntfn_create,
    [SYS_NTFN_SIGNAL] = sys_ntfn_signal,
    [SYS_NTFN_WAIT] = sys_ntfn_wait,
    [SYS_NTFN_POLL] = sys_ntfn_poll,
    [SYS_MEM_CREATE] = sys_mem_create,
    [SYS_MEM_PHYS] = sys_mem_phys,
    [SYS_VM_MAP] = sys_vm_map,
    [SYS_VM_UNMAP] = sys_vm_unmap,
    [SYS_IOPORT_READ] = sys_ioport_read,
    [SYS_IOPORT_WRITE] = sys_ioport_write,
    [SYS_IRQ_BIND] = sys_irq_bind,
    [SYS_IRQ_ACK] = sys_irq_ack,
    [SYS_PCI_READ] = sys_pci_read,
    [SYS_PCI_WRITE] = sys_pci_write,
    [SYS_PCI_BAR] = sys_pci_bar,
    [SYS_PCI_MSI] = sys_pci_msi,
    [SYS_IRQ_MSG] = sys_irq_msg,
    [SYS_PLAT_IRQ] = sys_plat_irq,
    [SYS_PLAT_IOPORT] = sys_plat_ioport,
    [SYS_PLAT_MMIO] = sys_plat_mmio,
    [SYS_PLAT_PCI] = sys_plat_pci,
    [SYS_PROC_CREATE] = sys_proc_create,
    [SYS_PROC_LOAD] = sys_proc_load,
    [SYS_PROC_KILL] = sys_proc_kill,
    [SYS_PROC_WATCH] = sys_proc_watch,
    [SYS_PROC_STATUS] = sys_proc_status,
    [SYS_THREAD_CREATE] = sys_thread_create,
    [SYS_THREAD_EXIT] = sys_thread_exit,
    [SYS_CHAN_CREATE] = sys_chan_create,
    [SYS_CHAN_SEND] = sys_chan_send,
    [SYS_CHAN_RECV] = sys_chan_recv,
    [SYS_CHAN_BIND] = sys_chan_bind,
    [SYS_CHAN_CALL] = sys_chan_call,
    [SYS_TIMER_CREATE] = sys_timer_create,
    [SYS_TIMER_SET] = sys_timer_set,
    [SYS_SLEEP] = sys_sleep,
    [SYS_YIELD] = sys_yield,
    [SYS_CPU_ID] = sys_cpu_id,
    [SYS_KSTATS] = sys_kstats,
    [SYS_TEST_EXIT] = sys_test_exit,
};

uint64_t syscall_total(void)
{
    return syscall_count;
}

void syscall_dispatch(struct trap_frame *tf)
{
    syscall_count++;
    struct sys_args s = {{tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9}, 0};
    int st = tf->rax < SYS_COUNT ? sys_table[tf->rax](&s) : RW_ENOSYS;
    tf->rax = (uint64_t)(int64_t)st;
    tf->rdx = s.out;
    sched_check_resched();
    thread_check_killed();
}
