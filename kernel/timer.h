// SPDX-License-Identifier: MIT
// The monotonic clock and per-CPU one-shot timers. The clock is the TSC scaled
// to nanoseconds; user space reads it the same way from the kinfo page. Each
// CPU keeps its armed timers in a sorted list and programs its LAPIC timer for
// the soonest one (or the end of the running thread's quantum).
#ifndef RW_TIMER_H
#define RW_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct ktimer;
typedef void (*ktimer_fn)(struct ktimer *t);

struct ktimer {
    uint64_t deadline;   // ns on clock_ns()
    struct ktimer *next; // [timer_lock of cpu]
    ktimer_fn fn;        // runs in interrupt context on cpu
    uint32_t cpu;        // CPU whose list holds it, while armed
    bool armed;          // [timer_lock of cpu]
};

void clock_init(uint64_t tsc_hz);
uint64_t clock_ns(void);
uint64_t clock_tsc_hz(void);
// A span of TSC ticks in nanoseconds.
uint64_t clock_tsc_to_ns(uint64_t ticks);
void clock_fill_kinfo(void *kinfo_page);

// Arms t on the calling CPU; re-arming moves it.
void ktimer_arm(struct ktimer *t, uint64_t deadline, ktimer_fn fn);
// Cancels t wherever it is armed; returns true if it had not fired yet.
bool ktimer_cancel(struct ktimer *t);
// Timer interrupt: runs every expired timer, then reprograms the LAPIC.
void ktimer_interrupt(void);
void ktimer_reprogram(void);

#endif
