// SPDX-License-Identifier: MIT
// Per-CPU state. Each CPU finds its own struct cpu through GS (this_cpu()); no
// other accessor exists. Fields are core-local [c] unless marked: [I] set once
// at bring-up and read-only afterwards, [a] accessed atomically by other cores.
#ifndef RW_PERCPU_H
#define RW_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/spinlock.h"
#include "kernel/uapi/syscall.h"

struct thread;
struct ktimer;

// One CPU's run queue: a FIFO per priority and a bitmap of non-empty levels.
// Only the owning CPU dequeues; other CPUs only enqueue (cross-core wake-ups).
struct runq {
    struct spinlock lock; // protects everything below
    uint32_t ready_mask;  // bit p: level p non-empty
    uint32_t nready;
    struct thread *head[SCHED_PRIORITIES];
    struct thread *tail[SCHED_PRIORITIES];
};

#define CPU_MAX 16
_Static_assert(CPU_MAX <= KSTATS_CPUS, "SYS_KSTATS reports every CPU");

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct cpu {
    struct cpu *self;                     // [I] must stay at offset 0 (this_cpu)
    uint64_t user_rsp;                    // [c] scratch for the syscall entry path
    uint64_t kernel_rsp;                  // [c] top of the current thread's kernel stack
    uint32_t id;                          // [I] dense index 0..ncpus-1
    uint32_t apic_id;                     // [I]
    uint64_t gdt[7];                      // [I] null, kcode, kdata, udata, ucode, tss(2)
    struct tss tss;                       // [c]
    struct thread *current;               // [c]
    struct thread *idle;                  // [I]
    struct thread *reap;                  // [c] exited thread, released after the switch
    struct runq rq;                       // see struct runq
    _Atomic bool need_resched;            // [a] set by wake-ups, consumed by this CPU
    struct spinlock timer_lock;           // protects timers
    struct ktimer *timers;                // [timer_lock] armed timers, soonest first
    struct ktimer *_Atomic running_timer; // [a] callback in progress
    uint64_t quantum_end;                 // [c] ns; 0 when no other thread shares the level
    _Atomic uint32_t tlb_flush;           // [a] a shootdown asks for a CR3 reload
    uint64_t current_root;                // [c] page-table root loaded in CR3
    struct process *root_proc;            // [c] its process; NULL for the kernel's root
    _Atomic uint64_t ticks;               // [a] timer interrupts taken
    bool online;                          // [I] this CPU finished bring-up
    uint64_t online_tsc;                  // [I] TSC when its accounting began (cpuacct.c)
    _Atomic uint32_t acct_seq;            // [a] odd while idle_tsc/idle_since change
    _Atomic uint64_t idle_tsc;            // [a] TSC ticks halted in the idle loop
    _Atomic uint64_t idle_since;          // [a] TSC the current halt began; 0 when not halted
    _Atomic uint64_t slice_tsc;           // [a] TSC the current thread was switched in
    uint8_t exception_stack[4096] __attribute__((aligned(16))); // IST1: double fault/NMI
};
_Static_assert(offsetof(struct cpu, self) == 0, "asm uses gs:0");
_Static_assert(offsetof(struct cpu, user_rsp) == 8, "asm uses gs:8");
_Static_assert(offsetof(struct cpu, kernel_rsp) == 16, "asm uses gs:16");

extern struct cpu cpus[CPU_MAX];
extern uint32_t cpu_count;

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

void percpu_init(struct cpu *cpu, uint32_t id, uint32_t apic_id);

#endif
