// SPDX-License-Identifier: MIT
// Threads. A thread belongs to one process, has a kernel stack, a saved
// register frame, an FPU/SSE save area, a home CPU and a priority. Lock legend:
// [I] immutable after creation, [r] home CPU's run-queue lock, [c] only the
// home CPU touches it, [p] the process lock, [a] atomic.
#ifndef RW_THREAD_H
#define RW_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/x86_64/trap.h"
#include "kernel/object.h"
#include "kernel/spinlock.h"
#include "kernel/timer.h"

#define THREAD_KSTACK_PAGES 4

enum thread_state { THREAD_NEW, THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct process;

struct thread {
    struct kobj obj;
    struct process *proc;     // [I] holds a reference
    uint64_t tid;             // [I]
    uint32_t cpu;             // [I] home CPU
    uint32_t priority;        // [I]
    uint32_t state;           // [r]
    struct thread *rq_next;   // [r]
    struct thread *proc_next; // [p]
    uint64_t kstack;          // [I] base of the kernel stack (direct map)
    uint64_t ksp;             // [c] saved kernel rsp while switched out
    uint64_t root;            // [I] page-table root (the process's, or the kernel's)
    _Atomic bool killed;      // [a] exit at the next return to user mode
    uint64_t wait_value;      // [c] value handed over by a waker (bits, ...)
    struct ktimer wait_timer; // [c] timeout of the current wait
    uint8_t fpu[512] __attribute__((aligned(16))); // [c] fxsave area
};

// Creates a user thread that starts at entry with rsp = stack and rdi = arg.
int thread_create_user(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg,
                       uint32_t cpu, uint32_t priority, struct thread **out);
struct thread *thread_create_idle(uint32_t cpu);
struct thread *thread_current(void);
__attribute__((noreturn)) void thread_exit(int64_t code);
// Blocks the current thread until sched_wake or the deadline (0 = none).
// The caller has interrupts off, holds `held` (the lock guarding what it waits
// for, released here) and is registered with the object it waits on. After
// waking it must re-take that lock and look: a waker that handed something
// over has unregistered it; if it is still registered, it timed out or was
// killed, and unregisters itself.
void thread_block(uint64_t deadline_ns, struct spinlock *held);
// Called on every return to user mode: exits a killed thread.
void thread_check_killed(void);

#endif
