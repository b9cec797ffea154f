// SPDX-License-Identifier: MIT
// Processes: an address space, a handle table and a set of threads. A process
// runs until its last thread exits, it faults, or it is killed; then it is torn
// down (mappings, page tables, handles released) and whoever watches it is
// signalled. The object itself lives on while handles to it remain, so a
// supervisor can still read why it ended.
// Lock legend: [I] immutable, [p] lock, [as] as_lock, [a] atomic.
#ifndef RW_PROCESS_H
#define RW_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cap.h"
#include "kernel/object.h"
#include "kernel/spinlock.h"
#include "kernel/uapi/syscall.h"

struct thread;
struct ntfn;
struct trap_frame;

struct mapping {
    uint64_t va;
    uint64_t size;
    struct kobj *obj; // holds a reference: OBJ_MEM or OBJ_MMIO
    uint32_t prot;
    bool pinned; // made by the loader; cannot be unmapped by the process
    struct mapping *next;
};

struct process {
    struct kobj obj;
    char name[PROC_NAME_MAX]; // [I]
    uint32_t pid;             // [I]
    uint64_t root;            // [as] 0 once torn down
    struct spinlock as_lock;
    struct mapping *maps;         // [as]
    _Atomic uint64_t active_cpus; // [a] CPUs with this root in CR3
    struct cap_table caps;
    struct spinlock lock;
    struct thread *threads;    // [p]
    uint32_t nthreads;         // [p]
    bool started;              // [p] has had a thread
    bool torn_down;            // [p]
    struct proc_status status; // [p]
    struct ntfn *watch;        // [p] signalled when the process ends
    uint64_t watch_bits;       // [p]
    _Atomic uint64_t cpu_tsc;  // [a] TSC ticks its threads ran, charged at each switch away
};

int process_create(const char *name, struct process **out);
int process_add_thread(struct process *p, struct thread *t);
void process_thread_exited(struct thread *t, int64_t code);
// Stops every thread of p; state is PROC_KILLED or PROC_FAULTED.
void process_kill(struct process *p, uint32_t state);
void process_fault(struct trap_frame *tf);
void process_watch(struct process *p, struct ntfn *n, uint64_t bits);
struct process *process_current(void);
// Deferred teardown, run after the last thread has switched out.
void process_reap(struct process *p);

// Called by the scheduler around CR3 switches (TLB shootdown bookkeeping);
// p may be NULL (the kernel's root).
void process_cpu_enter(struct process *p, uint32_t cpu);
void process_cpu_leave(struct process *p, uint32_t cpu);

// Address space (aspace.c).
int as_map(struct process *p, struct kobj *obj, uint64_t va, uint32_t prot, bool pinned);
int as_unmap(struct process *p, uint64_t va);
void as_teardown(struct process *p);
int copy_from_user(struct process *p, void *dst, uint64_t uva, uint64_t len);
int copy_to_user(struct process *p, uint64_t uva, const void *src, uint64_t len);
void as_tlb_ipi(void);

#endif
