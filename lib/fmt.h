// SPDX-License-Identifier: MIT
// Minimal formatted output shared by the kernel and ring-3 components. It formats
// into a caller's buffer or a byte sink; it never allocates and knows nothing of
// consoles. Supported: %d %i %u %x %X %p %s %c %% with l/ll/z, width, '0' and '-'.
#ifndef RW_FMT_H
#define RW_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_sink_fn)(void *ctx, char c);

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
// Copies n bytes of s (not NUL-terminated) into buf as a string for a
// message, cut to fit and ending in "..." when it was cut. Returns buf.
const char *fmt_clip(const char *s, size_t n, char *buf, size_t size);

#endif
