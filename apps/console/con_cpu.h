// SPDX-License-Identifier: MIT
// `show cpu` for the management console (apps/console): per core, the busy
// share since boot and over the last interval, from two SYS_KSTATS samples,
// and the CPU time of each component as init reports it. Pure: it formats
// what the caller read into a caller's buffer (console.c samples the kernel
// every second and asks init), so host unit tests compile it.
#ifndef RW_CON_CPU_H
#define RW_CON_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/uapi/syscall.h"
#include "lib/component.h"

#define CON_CPU_SAMPLE_NS 1000000000ull // the console keeps a sample this old, or older

// One component's CPU time: every run of it since boot, restarts included.
struct con_cpu_comp {
    char name[COMP_NAME_MAX];
    uint64_t cpu_ns;
};

// Tenths of a percent of part in whole (0..1000); 0 when whole is 0.
uint32_t con_cpu_permille(uint64_t part, uint64_t whole);

// Writes the answer NUL-terminated into out and returns its length. now is
// the current sample; then an earlier one, or NULL (or not earlier) for no
// interval. Counts the kernel reports are taken with care: at most
// KSTATS_CPUS cores, and a core whose counters went backwards shows 0.
uint32_t con_cpu_format(const struct kstats *now, const struct kstats *then,
                        const struct con_cpu_comp *comps, uint32_t ncomps, bool json, char *out,
                        uint32_t cap);

#endif
