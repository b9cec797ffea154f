// SPDX-License-Identifier: MIT
// The register frame every interrupt, exception and system call entry builds on
// the kernel stack. isr.S and syscall.S push it in exactly this order.
#ifndef RW_ARCH_TRAP_H
#define RW_ARCH_TRAP_H

#include <stddef.h>
#include <stdint.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error;
    // pushed by the CPU
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S pushes 22 words");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "isr.S vector slot");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "CPU frame start");

#define TRAP_PAGE_FAULT   14
#define TRAP_DOUBLE_FAULT 8
#define TRAP_NMI          2
#define TRAP_EXCEPTIONS   32

static inline int trap_from_user(const struct trap_frame *tf)
{
    return (tf->cs & 3) == 3;
}

// Portable entry points the assembly calls.
void trap_dispatch(struct trap_frame *tf);
const char *trap_name(uint64_t vector);

#endif
