// SPDX-License-Identifier: MIT
// Per-core scheduling. Every thread has a home CPU (its affinity) and only that
// CPU runs it, so a thread's context is never touched by two CPUs. Priorities
// are strict; threads of equal priority share the CPU round-robin, preempted
// by the LAPIC timer. Waking a thread on another CPU enqueues it there and
// sends an IPI; there is no global lock on this path.
#ifndef RW_SCHED_H
#define RW_SCHED_H

#include <stdint.h>

struct thread;
struct cpu;

#define SCHED_QUANTUM_NS 10000000ull

void sched_init_cpu(struct cpu *cpu);
// Makes a new or blocked thread runnable on its home CPU.
void sched_wake(struct thread *t);
// Picks the next thread on this CPU and switches to it. Interrupts must be off.
void sched_schedule(void);
// The caller (current thread) blocks; it must have set its state to
// THREAD_BLOCKED under its run-queue lock (see sched_prepare_block).
void sched_prepare_block(void);
void sched_yield(void);
// Preempt at the next return to user mode if a wake-up asked for it.
void sched_check_resched(void);
// Called by the timer interrupt.
void sched_tick(void);
__attribute__((noreturn)) void sched_idle_loop(void);

#endif
