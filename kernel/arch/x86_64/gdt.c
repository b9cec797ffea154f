// SPDX-License-Identifier: MIT
// Per-CPU GDT and TSS. The selector order (kernel code, kernel data, user data,
// user code) is the one syscall/sysret require: STAR derives both user selectors
// from one base. Each CPU owns its GDT so its TSS can point at its own stacks.
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/seg.h"
#include "kernel/percpu.h"

struct gdt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static void gdt_set_tss(struct cpu *cpu)
{
    uint64_t base = (uint64_t)&cpu->tss;
    uint64_t limit = sizeof(cpu->tss) - 1;
    cpu->gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    cpu->gdt[6] = base >> 32;
}

void arch_gdt_init(struct cpu *cpu)
{
    cpu->gdt[0] = 0;
    cpu->gdt[1] = 0x00209a0000000000ull; // kernel code, DPL 0, long mode
    cpu->gdt[2] = 0x0000920000000000ull; // kernel data
    cpu->gdt[3] = 0x0000f20000000000ull; // user data, DPL 3
    cpu->gdt[4] = 0x0020fa0000000000ull; // user code, DPL 3, long mode
    cpu->tss.iomap_base = sizeof(cpu->tss);
    cpu->tss.ist[0] = (uint64_t)cpu->exception_stack + sizeof(cpu->exception_stack);
    gdt_set_tss(cpu);

    struct gdt_ptr p = {sizeof(cpu->gdt) - 1, (uint64_t)cpu->gdt};
    __asm__ volatile("lgdt %0" : : "m"(p));
    __asm__ volatile("pushq %0\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1:\n"
                     "mov %1, %%ax\n"
                     "mov %%ax, %%ds\n"
                     "mov %%ax, %%es\n"
                     "mov %%ax, %%ss\n"
                     :
                     : "i"((uint64_t)SEG_KCODE), "i"(SEG_KDATA)
                     : "rax", "memory");
    __asm__ volatile("ltr %w0" : : "r"(SEG_TSS));
}

void arch_set_kernel_stack(struct cpu *cpu, uint64_t rsp0)
{
    cpu->tss.rsp[0] = rsp0;
    cpu->kernel_rsp = rsp0;
}
