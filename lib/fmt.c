// SPDX-License-Identifier: MIT
// Formatted output shared by the kernel and ring-3 components (see fmt.h).
// Not a full printf: no floating point, no positional arguments.
#include "lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct fmt_spec {
    int width;
    bool zero_pad;
    bool left;
    int length; // 0 int, 1 long, 2 long long, 3 size_t
};

struct fmt_out {
    fmt_sink_fn sink;
    void *ctx;
    int count;
};

static void fmt_put(struct fmt_out *out, char c)
{
    out->sink(out->ctx, c);
    out->count++;
}

static void fmt_pad(struct fmt_out *out, int n, char c)
{
    while (n-- > 0)
        fmt_put(out, c);
}

// Emit a string honouring width and alignment.
static void fmt_string(struct fmt_out *out, const char *s, const struct fmt_spec *sp)
{
    int len = 0;
    while (s[len])
        len++;
    if (!sp->left)
        fmt_pad(out, sp->width - len, ' ');
    for (int i = 0; i < len; i++)
        fmt_put(out, s[i]);
    if (sp->left)
        fmt_pad(out, sp->width - len, ' ');
}

// Emit an unsigned number in base 10 or 16, with an optional minus sign.
static void fmt_number(struct fmt_out *out, uint64_t v, unsigned base, bool upper, bool neg,
                       const struct fmt_spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    if (!sp->left && !sp->zero_pad)
        fmt_pad(out, sp->width - len, ' ');
    if (neg)
        fmt_put(out, '-');
    if (!sp->left && sp->zero_pad)
        fmt_pad(out, sp->width - len, '0');
    while (n)
        fmt_put(out, tmp[--n]);
    if (sp->left)
        fmt_pad(out, sp->width - len, ' ');
}

static const char *fmt_parse_spec(const char *f, struct fmt_spec *sp)
{
    *sp = (struct fmt_spec){0};
    for (;; f++) {
        if (*f == '0')
            sp->zero_pad = true;
        else if (*f == '-')
            sp->left = true;
        else
            break;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == 'l') {
        sp->length = 1;
        if (*++f == 'l') {
            sp->length = 2;
            f++;
        }
    } else if (*f == 'z') {
        sp->length = 3;
        f++;
    }
    return f;
}

static uint64_t fmt_arg_unsigned(va_list *ap, int length)
{
    switch (length) {
    case 0: return va_arg(*ap, unsigned int);
    case 1: return va_arg(*ap, unsigned long);
    case 2: return va_arg(*ap, unsigned long long);
    default: return va_arg(*ap, size_t);
    }
}

static int64_t fmt_arg_signed(va_list *ap, int length)
{
    switch (length) {
    case 0: return va_arg(*ap, int);
    case 1: return va_arg(*ap, long);
    case 2: return va_arg(*ap, long long);
    default: return (int64_t)va_arg(*ap, size_t);
    }
}

static void fmt_conversion(struct fmt_out *out, char conv, struct fmt_spec *sp, va_list *ap)
{
    switch (conv) {
    case 'd':
    case 'i': {
        int64_t v = fmt_arg_signed(ap, sp->length);
        fmt_number(out, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, v < 0, sp);
        break;
    }
    case 'u': fmt_number(out, fmt_arg_unsigned(ap, sp->length), 10, false, false, sp); break;
    case 'x': fmt_number(out, fmt_arg_unsigned(ap, sp->length), 16, false, false, sp); break;
    case 'X': fmt_number(out, fmt_arg_unsigned(ap, sp->length), 16, true, false, sp); break;
    case 'p':
        fmt_put(out, '0');
        fmt_put(out, 'x');
        sp->zero_pad = true;
        sp->width = 16;
        fmt_number(out, (uintptr_t)va_arg(*ap, void *), 16, false, false, sp);
        break;
    case 's': {
        const char *s = va_arg(*ap, const char *);
        fmt_string(out, s ? s : "(null)", sp);
        break;
    }
    case 'c': fmt_put(out, (char)va_arg(*ap, int)); break;
    case '%': fmt_put(out, '%'); break;
    default:
        fmt_put(out, '%');
        fmt_put(out, conv);
        break;
    }
}

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
    struct fmt_out out = {sink, ctx, 0};
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        if (*fmt != '%') {
            fmt_put(&out, *fmt++);
            continue;
        }
        struct fmt_spec sp;
        fmt = fmt_parse_spec(fmt + 1, &sp);
        if (!*fmt)
            break;
        fmt_conversion(&out, *fmt++, &sp, &args);
    }
    va_end(args);
    return out.count;
}

struct fmt_buf {
    char *buf;
    size_t size;
    size_t pos;
};

static void fmt_buf_sink(void *ctx, char c)
{
    struct fmt_buf *b = ctx;
    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_buf b = {buf, size, 0};
    int n = fmt_vformat(fmt_buf_sink, &b, fmt, ap);
    if (size)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

const char *fmt_clip(const char *s, size_t n, char *buf, size_t size)
{
    size_t k = n < size - 1 ? n : size - 1;
    for (size_t i = 0; i < k; i++)
        buf[i] = s[i];
    buf[k] = '\0';
    if (k < n && size > 4) {
        for (size_t i = 0; i < 4; i++)
            buf[size - 4 + i] = "..."[i];
    }
    return buf;
}
