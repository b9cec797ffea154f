// SPDX-License-Identifier: MIT
// Per-CPU state set-up: GS points at this CPU's struct cpu from here on.
#include "kernel/percpu.h"

#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"

struct cpu cpus[CPU_MAX];
uint32_t cpu_count = 1;

void percpu_init(struct cpu *cpu, uint32_t id, uint32_t apic_id)
{
    cpu->self = cpu;
    cpu->id = id;
    cpu->apic_id = apic_id;
    wrmsr(MSR_GS_BASE, (uint64_t)cpu);
    wrmsr(MSR_KERNEL_GS, 0);
    arch_gdt_init(cpu);
    arch_idt_load();
}
