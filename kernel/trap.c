// SPDX-License-Identifier: MIT
// Portable trap handling: routes every vector from isr.S. A CPU exception in the
// kernel is fatal and reported with vector, error code, RIP and CR2, then the
// machine halts cleanly. Device interrupts and user faults are routed by later
// layers through trap_set_handler.
#include "kernel/arch/x86_64/trap.h"

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/trap_handlers.h"

static const char *const exception_names[TRAP_EXCEPTIONS] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FP error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "hypervisor injection",
    "VMM communication",
    "security",
    "reserved",
};

static trap_handler_fn handlers[256];

const char *trap_name(uint64_t vector)
{
    if (vector < TRAP_EXCEPTIONS)
        return exception_names[vector];
    return "interrupt";
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
    handlers[vector & 0xff] = fn;
}

// Print everything known about a fatal exception.
void trap_report(const struct trap_frame *tf)
{
    kprintf("\n*** EXCEPTION vector %lu (%s) error 0x%lx\n", (unsigned long)tf->vector,
            trap_name(tf->vector), (unsigned long)tf->error);
    kprintf("    RIP %p  CS %lx  RFLAGS %lx\n", (void *)tf->rip, (unsigned long)tf->cs,
            (unsigned long)tf->rflags);
    kprintf("    RSP %p  SS %lx  CR2 %p\n", (void *)tf->rsp, (unsigned long)tf->ss,
            (void *)read_cr2());
    kprintf("    RAX %p RBX %p RCX %p RDX %p\n", (void *)tf->rax, (void *)tf->rbx, (void *)tf->rcx,
            (void *)tf->rdx);
    kprintf("    RSI %p RDI %p RBP %p R8  %p\n", (void *)tf->rsi, (void *)tf->rdi, (void *)tf->rbp,
            (void *)tf->r8);
}

// Kernel-owned vectors: timer and inter-processor interrupts.
static void system_vector(struct trap_frame *tf)
{
    switch (tf->vector) {
    case VEC_TIMER:
        lapic_eoi();
        sched_tick();
        break;
    case VEC_RESCHED: lapic_eoi(); break;
    case VEC_TLB:
        as_tlb_ipi();
        lapic_eoi();
        break;
    case VEC_STOP: cpu_stop();
    case VEC_SPURIOUS: break;
    default:
        lapic_eoi();
        kwarn("trap: stray vector %lu", (unsigned long)tf->vector);
        break;
    }
}

void trap_dispatch(struct trap_frame *tf)
{
    trap_handler_fn fn = handlers[tf->vector & 0xff];
    if (fn) {
        fn(tf);
    } else if (tf->vector < TRAP_EXCEPTIONS) {
        if (trap_from_user(tf))
            process_fault(tf); // never returns: the process is stopped
        trap_report(tf);
        panic("unhandled %s in kernel mode", trap_name(tf->vector));
    } else if (tf->vector >= VEC_IRQ_BASE && tf->vector <= VEC_IRQ_LAST) {
        irq_dispatch((uint32_t)tf->vector);
    } else {
        system_vector(tf);
    }
    if (trap_from_user(tf)) {
        sched_check_resched();
        thread_check_killed();
    }
}
