// SPDX-License-Identifier: MIT
// CPU-time accounting (see cpuacct.h). Every field is written by its own CPU
// only; other CPUs read them without a lock. A core's idle total and the start
// of its current halt change together, so readers see them through a
// sequence count (acct_seq, odd while a change is under way) and retry rather
// than count one halt twice.
#include "kernel/cpuacct.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/percpu.h"
#include "kernel/process.h"
#include "kernel/thread.h"
#include "kernel/timer.h"

void cpuacct_init_cpu(struct cpu *c)
{
    uint64_t now = rdtsc();
    c->online_tsc = now;
    atomic_store_explicit(&c->slice_tsc, now, memory_order_relaxed);
}

// Writer side of acct_seq: only c itself calls these, with interrupts off or
// from the idle loop, which nothing else on c runs beside.
static void seq_begin(struct cpu *c)
{
    uint32_t s = atomic_load_explicit(&c->acct_seq, memory_order_relaxed);
    atomic_store_explicit(&c->acct_seq, s + 1, memory_order_relaxed);
    // release fence: orders the odd count before the field stores below;
    // pairs with the acquire fence in cpuacct_read
    atomic_thread_fence(memory_order_release);
}

static void seq_end(struct cpu *c)
{
    uint32_t s = atomic_load_explicit(&c->acct_seq, memory_order_relaxed);
    // release: the field stores happen before the even count; pairs with the
    // acquire load of acct_seq in cpuacct_read
    atomic_store_explicit(&c->acct_seq, s + 1, memory_order_release);
}

void cpuacct_idle_enter(struct cpu *c)
{
    seq_begin(c);
    atomic_store_explicit(&c->idle_since, rdtsc(), memory_order_relaxed);
    seq_end(c);
}

void cpuacct_idle_exit(struct cpu *c)
{
    uint64_t now = rdtsc();
    seq_begin(c);
    uint64_t since = atomic_load_explicit(&c->idle_since, memory_order_relaxed);
    uint64_t idle = atomic_load_explicit(&c->idle_tsc, memory_order_relaxed);
    atomic_store_explicit(&c->idle_tsc, idle + (now > since ? now - since : 0),
                          memory_order_relaxed);
    atomic_store_explicit(&c->idle_since, 0, memory_order_relaxed);
    seq_end(c);
}

void cpuacct_switch(struct cpu *c, struct thread *prev)
{
    uint64_t now = rdtsc();
    uint64_t start = atomic_load_explicit(&c->slice_tsc, memory_order_relaxed);
    atomic_store_explicit(&c->slice_tsc, now, memory_order_relaxed);
    if (prev->proc && now > start)
        atomic_fetch_add_explicit(&prev->proc->cpu_tsc, now - start, memory_order_relaxed);
}

// Idle TSC ticks of c up to now, the halt in progress included.
static uint64_t idle_ticks(struct cpu *c, uint64_t now)
{
    for (;;) {
        // acquire: pairs with the release store in seq_end
        uint32_t s0 = atomic_load_explicit(&c->acct_seq, memory_order_acquire);
        uint64_t idle = atomic_load_explicit(&c->idle_tsc, memory_order_relaxed);
        uint64_t since = atomic_load_explicit(&c->idle_since, memory_order_relaxed);
        // acquire fence: the field loads happen before the re-check below;
        // pairs with the release fence in seq_begin
        atomic_thread_fence(memory_order_acquire);
        uint32_t s1 = atomic_load_explicit(&c->acct_seq, memory_order_relaxed);
        if (!(s0 & 1) && s0 == s1)
            return idle + (since && now > since ? now - since : 0);
        cpu_relax();
    }
}

void cpuacct_read(uint32_t id, uint64_t *busy_ns, uint64_t *idle_ns)
{
    struct cpu *c = &cpus[id];
    uint64_t now = rdtsc();
    uint64_t total = now > c->online_tsc ? now - c->online_tsc : 0;
    uint64_t idle = idle_ticks(c, now);
    if (idle > total)
        idle = total; // the TSCs of two cores may differ by a few ticks
    *busy_ns = clock_tsc_to_ns(total - idle);
    *idle_ns = clock_tsc_to_ns(idle);
}

uint64_t cpuacct_process_ns(const struct process *p)
{
    uint64_t ticks = atomic_load_explicit(&p->cpu_tsc, memory_order_relaxed);
    uint64_t now = rdtsc();
    for (const struct thread *t = p->threads; t; t = t->proc_next) {
        struct cpu *c = &cpus[t->cpu];
        // racy by design: the slice of a thread that switches out just now may
        // be missed or, for that instant, counted beside its charge
        if (c->current == t) {
            uint64_t start = atomic_load_explicit(&c->slice_tsc, memory_order_relaxed);
            ticks += now > start ? now - start : 0;
        }
    }
    return clock_tsc_to_ns(ticks);
}
