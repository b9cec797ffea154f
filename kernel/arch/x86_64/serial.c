// SPDX-License-Identifier: MIT
// COM1 (0x3f8) 16550 UART at 115200 8N1: the kernel's console output and the
// management console's input. Polled; no interrupts, no buffering.
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"

#define COM1 0x3f8

void arch_serial_init(void)
{
    outb(COM1 + 1, 0x00); // no interrupts
    outb(COM1 + 3, 0x80); // DLAB on
    outb(COM1 + 0, 0x01); // divisor 1 = 115200 baud
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); // 8N1, DLAB off
    outb(COM1 + 2, 0xc7); // FIFO on, cleared, 14-byte threshold
    outb(COM1 + 4, 0x03); // DTR, RTS
}

void arch_serial_putc(char c)
{
    for (int spins = 0; spins < 100000 && !(inb(COM1 + 5) & 0x20); spins++)
        cpu_relax();
    outb(COM1, (uint8_t)c);
}

int arch_serial_getc(void)
{
    if (!(inb(COM1 + 5) & 0x01))
        return -1;
    return inb(COM1);
}
