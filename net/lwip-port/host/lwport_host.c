// SPDX-License-Identifier: MIT
// Host platform for the lwIP port: a monotonic clock from clock_gettime, lwIP
// assertions that print and abort, and diagnostics on stderr. Host test programs
// call lwport_host_init() before lwip_init(). Never linked into a component.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "net/lwip-port/host/lwport_host.h"
#include "arch/sys_arch.h"

static uint64_t host_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void host_fail(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwip assertion \"%s\" failed at %s:%d\n", msg, file, line);
    abort();
}

static void host_log(const char *line)
{
    fputs(line, stderr);
}

void lwport_host_init(void)
{
    lwport_set_clock(host_now_ns);
    lwport_set_fail(host_fail);
    lwport_set_log(host_log);
}
