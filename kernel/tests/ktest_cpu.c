// SPDX-License-Identifier: MIT
// In-kernel tests of CPU-time accounting (cpuacct.c). They run on the boot
// CPU before init exists, while every other CPU sits halted in its idle loop:
// the boot CPU spinning here must count as busy for about the wall time it
// spins, a halted CPU as idle, and every core's busy + idle must be its uptime.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/cpuacct.h"
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/timer.h"

#define SPIN_NS 200000000ull // long enough that a few microseconds of slack stay under 1%

static void spin_for(uint64_t ns)
{
    uint64_t end = clock_ns() + ns;
    while (clock_ns() < end)
        cpu_relax();
}

KTEST(cpuacct_spinning_core_is_busy)
{
    uint32_t me = this_cpu()->id;
    uint64_t b0, i0, b1, i1;
    cpuacct_read(me, &b0, &i0);
    uint64_t t0 = clock_ns();
    spin_for(SPIN_NS);
    uint64_t wall = clock_ns() - t0;
    cpuacct_read(me, &b1, &i1);
    KEXPECT(b1 - b0 >= wall * 98 / 100);
    KEXPECT(b1 - b0 <= wall * 102 / 100);
    KEXPECT(i1 == i0); // this CPU did not halt
}

KTEST(cpuacct_halted_core_is_idle)
{
    if (cpu_count < 2) {
        KEXPECT(cpu_count == 1); // nothing else to watch on one CPU
        return;
    }
    uint64_t b0, i0, b1, i1;
    cpuacct_read(1, &b0, &i0);
    uint64_t t0 = clock_ns();
    spin_for(SPIN_NS);
    uint64_t wall = clock_ns() - t0;
    cpuacct_read(1, &b1, &i1);
    // CPU 1 only wakes for its own interrupts; they count as idle too
    KEXPECT(i1 - i0 >= wall * 95 / 100);
    KEXPECT(i1 - i0 <= wall * 102 / 100);
    KEXPECT(b1 - b0 <= wall * 5 / 100);
}

KTEST(cpuacct_busy_plus_idle_is_uptime)
{
    for (uint32_t id = 0; id < cpu_count; id++) {
        uint64_t busy, idle;
        uint64_t before = clock_tsc_to_ns(rdtsc() - cpus[id].online_tsc);
        cpuacct_read(id, &busy, &idle);
        uint64_t after = clock_tsc_to_ns(rdtsc() - cpus[id].online_tsc);
        KEXPECT(busy + idle >= before);
        KEXPECT(busy + idle <= after);
        KEXPECT(busy > 0); // every CPU ran its own bring-up
    }
}

// Readers on this CPU against a CPU that halts and wakes: its idle time must
// never go backwards (the sequence count keeps a halt from counting twice).
KTEST(cpuacct_idle_never_goes_back)
{
    uint32_t id = cpu_count > 1 ? cpu_count - 1 : 0;
    uint64_t busy, idle, last_busy = 0, last_idle = 0;
    bool ok = true;
    for (int i = 0; i < 100000; i++) {
        cpuacct_read(id, &busy, &idle);
        ok = ok && idle >= last_idle && busy + idle >= last_busy + last_idle;
        last_busy = busy;
        last_idle = idle;
    }
    KEXPECT(ok);
}
