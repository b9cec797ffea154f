// SPDX-License-Identifier: MIT
// Per-CPU feature set-up shared by the boot CPU and every AP: syscall/sysret
// MSRs and the FPU/SSE state that threads save and restore on a switch.
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/seg.h"

void syscall_entry(void);

void arch_cpu_setup(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1); // SCE
    // sysret derives user SS/CS from STAR[63:48] + 8 / + 16
    wrmsr(MSR_STAR, ((uint64_t)SEG_KDATA << 48) | ((uint64_t)SEG_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, 0x40700); // IF, TF, DF, AC
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(1ull << 2)) | (1ull << 1) | (1ull << 5); // !EM, MP, NE
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    write_cr4(read_cr4() | (1ull << 9) | (1ull << 10)); // OSFXSR, OSXMMEXCPT
    __asm__ volatile("fninit");
}
