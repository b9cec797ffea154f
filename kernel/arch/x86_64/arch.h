// SPDX-License-Identifier: MIT
// The interface between portable kernel code and the x86-64 specific parts.
// Portable code calls arch_* only; nothing outside arch/ touches descriptors,
// control registers or the trap entry path directly.
#ifndef RW_ARCH_H
#define RW_ARCH_H

#include <stdint.h>

struct cpu;

void arch_serial_init(void);
void arch_serial_putc(char c);
int arch_serial_getc(void);

void arch_gdt_init(struct cpu *cpu);
void arch_idt_init(void);
void arch_idt_load(void);
void arch_set_kernel_stack(struct cpu *cpu, uint64_t rsp0);
void arch_cpu_setup(void);

// Ends QEMU through isa-debug-exit (iobase 0xf4): status = (code << 1) | 1.
// On a machine without the device it returns and the caller halts.
void arch_qemu_exit(uint8_t code);

#endif
