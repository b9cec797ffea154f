// SPDX-License-Identifier: MIT
// Kernel console logging on COM1 with levels. Lines from different CPUs are
// never interleaved: each klog call holds the console lock for its whole line.
#ifndef RW_LOG_H
#define RW_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_init(void);
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kvlog(enum log_level level, const char *fmt, va_list ap);
// Raw console output (no prefix, no newline added), for the exception report.
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, unsigned long len);

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define kinfo(...)  klog(LOG_INFO, __VA_ARGS__)
#define kwarn(...)  klog(LOG_WARN, __VA_ARGS__)
#define kerr(...)   klog(LOG_ERR, __VA_ARGS__)
#define kdebug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
