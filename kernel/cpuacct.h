// SPDX-License-Identifier: MIT
// CPU-time accounting: per core, the time spent halted in the idle loop and
// the rest (busy); per process, the time its threads held a core. Both are
// counted in TSC ticks on paths that already run (the idle loop around `hlt`,
// the context switch), so the cost is one rdtsc and a few stores each. Time in
// interrupt handlers counts for whatever the core was doing: idle if it was
// halted, the running thread otherwise. It does not sample or keep history;
// readers take differences themselves.
#ifndef RW_CPUACCT_H
#define RW_CPUACCT_H

#include <stdint.h>

struct cpu;
struct thread;
struct process;

// Starts the accounting of c; called once, before c runs anything.
void cpuacct_init_cpu(struct cpu *c);
// Around the halt of the idle loop, on c itself with interrupts off at enter.
void cpuacct_idle_enter(struct cpu *c);
void cpuacct_idle_exit(struct cpu *c);
// Charges the slice prev just ran to its process; on c, before the switch.
void cpuacct_switch(struct cpu *c, struct thread *prev);
// Busy and idle nanoseconds of CPU id since it started; any CPU may ask.
void cpuacct_read(uint32_t id, uint64_t *busy_ns, uint64_t *idle_ns);
// CPU nanoseconds p's threads have run, the slices in progress included.
// Caller holds p->lock (which keeps p's thread list still).
uint64_t cpuacct_process_ns(const struct process *p);

#endif
