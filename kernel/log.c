// SPDX-License-Identifier: MIT
// Console logging and panic. Output goes to the COM1 UART through arch code;
// the lock keeps lines whole when several CPUs log at once. A panic stops the
// machine: in test builds it also ends QEMU with a failing status.
#include "kernel/log.h"

#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/spinlock.h"
#include "lib/fmt.h"

enum log_level log_threshold = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;
static const char *const level_tag[] = {"ERR ", "WARN", "INFO", "DBG "};

void log_init(void)
{
    arch_serial_init();
}

static void console_sink(void *ctx, char c)
{
    (void)ctx;
    if (c == '\n')
        arch_serial_putc('\r');
    arch_serial_putc(c);
}

void console_write(const char *s, unsigned long len)
{
    uint64_t f = spin_lock_irq(&console_lock);
    for (unsigned long i = 0; i < len; i++)
        console_sink(0, s[i]);
    spin_unlock_irq(&console_lock, f);
}

static void format_locked(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vformat(console_sink, 0, fmt, ap);
    va_end(ap);
}

void kvlog(enum log_level level, const char *fmt, va_list ap)
{
    if (level > log_threshold)
        return;
    uint64_t f = spin_lock_irq(&console_lock);
    format_locked("[%s] ", level_tag[level]);
    fmt_vformat(console_sink, 0, fmt, ap);
    console_sink(0, '\n');
    spin_unlock_irq(&console_lock, f);
}

void klog(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvlog(level, fmt, ap);
    va_end(ap);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    uint64_t f = spin_lock_irq(&console_lock);
    fmt_vformat(console_sink, 0, fmt, ap);
    spin_unlock_irq(&console_lock, f);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    irq_disable();
    va_list ap;
    va_start(ap, fmt);
    kvlog(LOG_ERR, fmt, ap);
    va_end(ap);
    kprintf("ringwall: PANIC, system halted\n");
#ifdef RINGWALL_TEST
    arch_qemu_exit(1);
#endif
    cpu_stop();
}
