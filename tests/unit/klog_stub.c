// SPDX-License-Identifier: MIT
// Host stand-ins for the kernel's logging, so kernel sources that log can be
// compiled into host unit tests. Messages are counted and kept for checks.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/log.h"

enum log_level log_threshold = LOG_DEBUG;
int klog_stub_count;
char klog_stub_last[256];

void kvlog(enum log_level level, const char *fmt, va_list ap)
{
    (void)level;
    klog_stub_count++;
    vsnprintf(klog_stub_last, sizeof(klog_stub_last), fmt, ap);
}

void klog(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvlog(level, fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}
