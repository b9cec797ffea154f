// SPDX-License-Identifier: MIT
// Ring-3 runtime helpers: formatted console output, the monotonic clock read
// from the kinfo page without a system call, and a fatal-error exit.
#include <stdarg.h>

#include "lib/fmt.h"
#include "lib/rw.h"

uint64_t rw_now_ns(void)
{
    const volatile struct kinfo *k = (const volatile struct kinfo *)USER_KINFO_VA;
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    unsigned __int128 d = (((uint64_t)hi << 32) | lo) - k->tsc_base;
    return (uint64_t)((d * k->tsc_mult) >> k->tsc_shift);
}

static int vprint(const char *fmt, va_list ap)
{
    char buf[512];
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    rw_debug_write(buf, len);
    return n;
}

int rw_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprint(fmt, ap);
    va_end(ap);
    return n;
}

void rw_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    // fault on purpose so that whoever supervises us learns of it
    *(volatile uint64_t *)0 = 0;
    rw_thread_exit(-1);
}

void rw_exit(int64_t code)
{
    rw_thread_exit(code);
}
