// SPDX-License-Identifier: MIT
// The Ringwall system-call library: the one header through which every
// component reaches the kernel. Each wrapper returns a status (RW_OK or a
// negative RW_E* value); calls that produce a value store it through an out
// pointer. The ABI itself is kernel/uapi/syscall.h.
#ifndef RW_RW_H
#define RW_RW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/uapi/status.h"
#include "kernel/uapi/syscall.h"

struct rw_result {
    int64_t status;
    uint64_t value;
};

static inline struct rw_result rw_syscall(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2,
                                          uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    uint64_t rax = n, rdx = a2;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+d"(rdx), "+S"(a1), "+D"(a0), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return (struct rw_result){(int64_t)rax, rdx};
}

#define RW_SYS(n, a0, a1, a2, a3, a4, a5)                                                          \
    rw_syscall((n), (uint64_t)(a0), (uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3),                \
               (uint64_t)(a4), (uint64_t)(a5))

// Returns the status and stores the value (if out is non-NULL).
static inline int rw_value(struct rw_result r, uint64_t *out)
{
    if (out && r.status == RW_OK)
        *out = r.value;
    return (int)r.status;
}

static inline int rw_handle_out(struct rw_result r, uint32_t *h)
{
    if (h && r.status == RW_OK)
        *h = (uint32_t)r.value;
    return (int)r.status;
}

static inline int rw_debug_write(const char *s, size_t len)
{
    return (int)RW_SYS(SYS_DEBUG_WRITE, s, len, 0, 0, 0, 0).status;
}
static inline int rw_close(uint32_t h)
{
    return (int)RW_SYS(SYS_HANDLE_CLOSE, h, 0, 0, 0, 0, 0).status;
}
static inline int rw_dup(uint32_t h, uint32_t rights, uint32_t *out)
{
    return rw_handle_out(RW_SYS(SYS_HANDLE_DUP, h, rights, 0, 0, 0, 0), out);
}
static inline int rw_handle_info(uint32_t h, uint64_t *info)
{
    return rw_value(RW_SYS(SYS_HANDLE_INFO, h, 0, 0, 0, 0, 0), info);
}
static inline int rw_grant(uint32_t proc, uint32_t h, uint32_t rights, uint32_t *theirs)
{
    return rw_handle_out(RW_SYS(SYS_HANDLE_GRANT, proc, h, rights, 0, 0, 0), theirs);
}

static inline int rw_ntfn_create(uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_NTFN_CREATE, 0, 0, 0, 0, 0, 0), h);
}
static inline int rw_signal(uint32_t h, uint64_t bits)
{
    return (int)RW_SYS(SYS_NTFN_SIGNAL, h, bits, 0, 0, 0, 0).status;
}
// Blocks until bits arrive (timeout_ns: TIMEOUT_NEVER, or 0 to poll).
static inline int rw_wait(uint32_t h, uint64_t timeout_ns, uint64_t *bits)
{
    return rw_value(RW_SYS(SYS_NTFN_WAIT, h, timeout_ns, 0, 0, 0, 0), bits);
}
static inline int rw_poll(uint32_t h, uint64_t *bits)
{
    return rw_value(RW_SYS(SYS_NTFN_POLL, h, 0, 0, 0, 0, 0), bits);
}

static inline int rw_mem_create(uint64_t size, uint32_t flags, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_MEM_CREATE, size, flags, 0, 0, 0, 0), h);
}
static inline int rw_mem_phys(uint32_t h, uint64_t *pa)
{
    return rw_value(RW_SYS(SYS_MEM_PHYS, h, 0, 0, 0, 0, 0), pa);
}
static inline int rw_map(uint32_t proc, uint32_t obj, uint64_t va, uint32_t prot)
{
    return (int)RW_SYS(SYS_VM_MAP, proc, obj, va, prot, 0, 0).status;
}
static inline int rw_unmap(uint32_t proc, uint64_t va)
{
    return (int)RW_SYS(SYS_VM_UNMAP, proc, va, 0, 0, 0, 0).status;
}

static inline int rw_io_read(uint32_t h, uint16_t port, int width, uint32_t *v)
{
    uint64_t x = 0;
    int s = rw_value(RW_SYS(SYS_IOPORT_READ, h, port, width, 0, 0, 0), &x);
    *v = (uint32_t)x;
    return s;
}
static inline int rw_io_write(uint32_t h, uint16_t port, int width, uint32_t v)
{
    return (int)RW_SYS(SYS_IOPORT_WRITE, h, port, width, v, 0, 0).status;
}
static inline int rw_irq_bind(uint32_t irq, uint32_t ntfn, uint64_t bits)
{
    return (int)RW_SYS(SYS_IRQ_BIND, irq, ntfn, bits, 0, 0, 0).status;
}
static inline int rw_irq_ack(uint32_t irq)
{
    return (int)RW_SYS(SYS_IRQ_ACK, irq, 0, 0, 0, 0, 0).status;
}
static inline int rw_irq_msg(uint32_t irq, uint32_t *addr, uint32_t *data)
{
    uint64_t v = 0;
    int s = rw_value(RW_SYS(SYS_IRQ_MSG, irq, 0, 0, 0, 0, 0), &v);
    *data = (uint32_t)v;
    *addr = (uint32_t)(v >> 32);
    return s;
}
static inline int rw_pci_read(uint32_t pci, uint32_t off, int width, uint32_t *v)
{
    uint64_t x = 0;
    int s = rw_value(RW_SYS(SYS_PCI_READ, pci, off, width, 0, 0, 0), &x);
    *v = (uint32_t)x;
    return s;
}
static inline int rw_pci_write(uint32_t pci, uint32_t off, int width, uint32_t v)
{
    return (int)RW_SYS(SYS_PCI_WRITE, pci, off, width, v, 0, 0).status;
}
static inline int rw_pci_bar(uint32_t pci, uint32_t bar, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_PCI_BAR, pci, bar, 0, 0, 0, 0), h);
}
static inline int rw_pci_msi(uint32_t pci, uint32_t cpu, uint32_t *irq)
{
    return rw_handle_out(RW_SYS(SYS_PCI_MSI, pci, cpu, 0, 0, 0, 0), irq);
}
static inline int rw_plat_irq(uint32_t plat, uint32_t irq, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_PLAT_IRQ, plat, irq, 0, 0, 0, 0), h);
}
static inline int rw_plat_ioport(uint32_t plat, uint32_t base, uint32_t count, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_PLAT_IOPORT, plat, base, count, 0, 0, 0), h);
}
static inline int rw_plat_mmio(uint32_t plat, uint64_t phys, uint64_t size, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_PLAT_MMIO, plat, phys, size, 0, 0, 0), h);
}
static inline int rw_plat_pci(uint32_t plat, uint32_t bdf, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_PLAT_PCI, plat, bdf, 0, 0, 0, 0), h);
}

static inline int rw_proc_create(const char *name, size_t len, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_PROC_CREATE, name, len, 0, 0, 0, 0), h);
}
static inline int rw_proc_load(uint32_t proc, uint32_t image, uint64_t *entry)
{
    return rw_value(RW_SYS(SYS_PROC_LOAD, proc, image, 0, 0, 0, 0), entry);
}
static inline int rw_proc_kill(uint32_t proc)
{
    return (int)RW_SYS(SYS_PROC_KILL, proc, 0, 0, 0, 0, 0).status;
}
static inline int rw_proc_watch(uint32_t proc, uint32_t ntfn, uint64_t bits)
{
    return (int)RW_SYS(SYS_PROC_WATCH, proc, ntfn, bits, 0, 0, 0).status;
}
static inline int rw_proc_status(uint32_t proc, struct proc_status *st)
{
    return (int)RW_SYS(SYS_PROC_STATUS, proc, st, 0, 0, 0, 0).status;
}
static inline int rw_thread_create(uint32_t proc, const struct thread_args *a, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_THREAD_CREATE, proc, a, 0, 0, 0, 0), h);
}
static inline __attribute__((noreturn)) void rw_thread_exit(int64_t code)
{
    RW_SYS(SYS_THREAD_EXIT, code, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}

static inline int rw_chan_create(uint32_t *a, uint32_t *b)
{
    uint64_t v = 0;
    int s = rw_value(RW_SYS(SYS_CHAN_CREATE, 0, 0, 0, 0, 0, 0), &v);
    *a = (uint32_t)v;
    *b = (uint32_t)(v >> 32);
    return s;
}
static inline int rw_chan_send(uint32_t h, const struct chan_msg *m)
{
    return (int)RW_SYS(SYS_CHAN_SEND, h, m, 0, 0, 0, 0).status;
}
static inline int rw_chan_recv(uint32_t h, struct chan_msg *m, uint64_t timeout_ns)
{
    return (int)RW_SYS(SYS_CHAN_RECV, h, m, timeout_ns, 0, 0, 0).status;
}
static inline int rw_chan_bind(uint32_t h, uint32_t ntfn, uint64_t bits)
{
    return (int)RW_SYS(SYS_CHAN_BIND, h, ntfn, bits, 0, 0, 0).status;
}
static inline int rw_chan_call(uint32_t h, struct chan_msg *m, uint64_t timeout_ns)
{
    return (int)RW_SYS(SYS_CHAN_CALL, h, m, timeout_ns, 0, 0, 0).status;
}

static inline int rw_timer_create(uint32_t ntfn, uint64_t bits, uint32_t *h)
{
    return rw_handle_out(RW_SYS(SYS_TIMER_CREATE, ntfn, bits, 0, 0, 0, 0), h);
}
static inline int rw_timer_set(uint32_t h, uint64_t deadline_ns, uint64_t period_ns)
{
    return (int)RW_SYS(SYS_TIMER_SET, h, deadline_ns, period_ns, 0, 0, 0).status;
}
static inline int rw_sleep(uint64_t ns)
{
    return (int)RW_SYS(SYS_SLEEP, ns, 0, 0, 0, 0, 0).status;
}
static inline int rw_yield(void)
{
    return (int)RW_SYS(SYS_YIELD, 0, 0, 0, 0, 0, 0).status;
}
static inline uint32_t rw_cpu_id(void)
{
    return (uint32_t)RW_SYS(SYS_CPU_ID, 0, 0, 0, 0, 0, 0).value;
}
static inline int rw_kstats(struct kstats *k)
{
    return (int)RW_SYS(SYS_KSTATS, k, 0, 0, 0, 0, 0).status;
}
static inline __attribute__((noreturn)) void rw_test_exit(int code)
{
    RW_SYS(SYS_TEST_EXIT, code, 0, 0, 0, 0, 0);
    rw_thread_exit(code);
}

// Runtime helpers (lib/rt.c).
uint64_t rw_now_ns(void);
__attribute__((noreturn)) void rw_exit(int64_t code);
int rw_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void rw_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
