// SPDX-License-Identifier: MIT
// The NO_SYS=1 operating-system layer for lwIP, shared by the host tests and the
// Ringwall components: sys_now() from a clock callback the platform installs,
// assertion and diagnostic hooks, and a small xorshift generator for LWIP_RAND
// (port numbers and the like; not for anything that needs secrecy). It uses only
// lib/fmt.h, so it builds freestanding and hosted alike.
#include <stdarg.h>

#include "lib/fmt.h"
#include "lwip/arch.h"
#include "lwip/sys.h"
#include "arch/sys_arch.h"

static lwport_clock_fn clock_fn;
static lwport_fail_fn fail_fn;
static lwport_log_fn log_fn;
static uint32_t rand_state;
void (*lwport_tcp_input_hook)(struct tcp_pcb *pcb); // see lwipopts.h

void lwport_set_clock(lwport_clock_fn now_ns)
{
    clock_fn = now_ns;
    rand_state = (uint32_t)(now_ns ? now_ns() : 0) | 1u;
}

void lwport_set_fail(lwport_fail_fn fail)
{
    fail_fn = fail;
}

void lwport_set_log(lwport_log_fn log)
{
    log_fn = log;
}

uint64_t lwport_now_ns(void)
{
    return clock_fn ? clock_fn() : 0;
}

u32_t sys_now(void)
{
    return (u32_t)(lwport_now_ns() / 1000000u);
}

uint32_t lwport_rand(void)
{
    uint32_t x = rand_state ? rand_state : 0x2545f491u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rand_state = x;
    return x;
}

void lwport_assert_fail(const char *msg, const char *file, int line)
{
    if (fail_fn)
        fail_fn(msg, file, line);
    for (;;)
        __asm__ volatile("ud2");
}

void lwport_diag(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    if (!log_fn)
        return;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_fn(buf);
}
