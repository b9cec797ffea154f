// SPDX-License-Identifier: MIT
// lwIP's "arch/sys_arch.h" for NO_SYS=1: there are no threads, semaphores or
// mailboxes, so this only declares how a platform hands lwIP its clock and its
// failure handler. The stack runs in one event loop that feeds netif->input and
// calls sys_check_timeouts(); nothing here may block.
#ifndef LWPORT_ARCH_SYS_ARCH_H
#define LWPORT_ARCH_SYS_ARCH_H

#include <stdint.h>

// A monotonic clock in nanoseconds; the platform (host or component) sets it
// before lwip_init(). sys_now() returns it in milliseconds.
typedef uint64_t (*lwport_clock_fn)(void);
// Called when an lwIP assertion fails; must not return.
typedef void (*lwport_fail_fn)(const char *msg, const char *file, int line);
// Receives lwIP's diagnostic lines (already formatted); may be NULL.
typedef void (*lwport_log_fn)(const char *line);

void lwport_set_clock(lwport_clock_fn now_ns);
void lwport_set_fail(lwport_fail_fn fail);
void lwport_set_log(lwport_log_fn log);
uint64_t lwport_now_ns(void);

#endif
