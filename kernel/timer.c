// SPDX-License-Identifier: MIT
// Monotonic clock and per-CPU timers (see timer.h). A timer lives on the list
// of the CPU that armed it, so arming only ever reprograms the local LAPIC;
// cancelling from another CPU takes that CPU's timer lock and may leave one
// early, harmless interrupt behind.
#include "kernel/timer.h"

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/percpu.h"
#include "kernel/uapi/syscall.h"

static uint64_t tsc_base; // [I]
static uint64_t tsc_mult; // [I] ns = (tsc - base) * mult >> 32
static uint64_t tsc_hz;   // [I]

void clock_init(uint64_t hz)
{
    tsc_hz = hz;
    tsc_mult = (1000000000ull << 32) / hz;
    tsc_base = rdtsc();
}

uint64_t clock_ns(void)
{
    unsigned __int128 d = rdtsc() - tsc_base;
    return (uint64_t)((d * tsc_mult) >> 32);
}

uint64_t clock_tsc_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * tsc_mult) >> 32);
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

void clock_fill_kinfo(void *page)
{
    struct kinfo *k = page;
    k->magic = KINFO_MAGIC;
    k->tsc_base = tsc_base;
    k->tsc_mult = tsc_mult;
    k->tsc_shift = 32;
    k->ncpus = cpu_count;
    k->tsc_hz = tsc_hz;
}

// Unlinks t from its CPU list; caller holds that CPU's timer lock.
static void unlink(struct cpu *c, struct ktimer *t)
{
    for (struct ktimer **pp = &c->timers; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->armed = false;
}

bool ktimer_cancel(struct ktimer *t)
{
    struct cpu *c = &cpus[t->cpu];
    uint64_t f = spin_lock_irq(&c->timer_lock);
    bool was = t->armed;
    if (was)
        unlink(c, t);
    spin_unlock_irq(&c->timer_lock, f);
    // a callback in flight on another CPU finishes before t may be freed
    if (c != this_cpu()) {
        while (atomic_load(&c->running_timer) == t)
            cpu_relax();
    }
    return was;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline, ktimer_fn fn)
{
    ktimer_cancel(t);
    struct cpu *c = this_cpu();
    uint64_t f = spin_lock_irq(&c->timer_lock);
    t->deadline = deadline;
    t->fn = fn;
    t->cpu = c->id;
    t->armed = true;
    struct ktimer **pp = &c->timers;
    while (*pp && (*pp)->deadline <= deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    spin_unlock_irq(&c->timer_lock, f);
    ktimer_reprogram();
}

void ktimer_reprogram(void)
{
    struct cpu *c = this_cpu();
    uint64_t f = spin_lock_irq(&c->timer_lock);
    uint64_t next = c->timers ? c->timers->deadline : 0;
    spin_unlock_irq(&c->timer_lock, f);
    if (c->quantum_end && (!next || c->quantum_end < next))
        next = c->quantum_end;
    uint64_t now = clock_ns();
    if (!next)
        lapic_timer_stop();
    else
        lapic_timer_oneshot(next > now ? next - now : 1);
}

void ktimer_interrupt(void)
{
    struct cpu *c = this_cpu();
    uint64_t now = clock_ns();
    for (;;) {
        uint64_t f = spin_lock_irq(&c->timer_lock);
        struct ktimer *t = c->timers;
        if (!t || t->deadline > now) {
            spin_unlock_irq(&c->timer_lock, f);
            break;
        }
        c->timers = t->next;
        t->armed = false;
        atomic_store(&c->running_timer, t);
        spin_unlock_irq(&c->timer_lock, f);
        t->fn(t);
        atomic_store(&c->running_timer, (struct ktimer *)0);
    }
}
