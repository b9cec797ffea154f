// SPDX-License-Identifier: MIT
// System-call entry (syscall/sysret), kernel context switch, and the first
// return to user mode of a new thread. The system-call path builds the same
// struct trap_frame as isr.S so both share one register layout.

#define SEG_KDATA 0x10
#define SEG_UDATA 0x1b
#define SEG_UCODE 0x23
#define VEC_SYSCALL 0x100

#include "kernel/arch/x86_64/frame.inc"

    .text
    .globl syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:8                 // cpu->user_rsp
    mov %gs:16, %rsp                // cpu->kernel_rsp
    pushq $SEG_UDATA                // ss
    pushq %gs:8                     // rsp
    pushq %r11                      // rflags
    pushq $SEG_UCODE                // cs
    pushq %rcx                      // rip
    pushq $0                        // error
    pushq $VEC_SYSCALL
    PUSH_GPRS
    mov %rsp, %rdi
    call syscall_dispatch
    // sysret needs a canonical rip; anything else leaves through iretq
    mov 17*8(%rsp), %rcx
    shl $16, %rcx
    sar $16, %rcx
    cmp 17*8(%rsp), %rcx
    jne syscall_iret
    POP_GPRS
    mov 4*8(%rsp), %r11             // rflags
    mov 2*8(%rsp), %rcx             // rip
    mov 5*8(%rsp), %rsp             // user rsp
    swapgs
    sysretq
syscall_iret:
    jmp trap_return

// void arch_switch(uint64_t *save_sp, uint64_t new_sp)
    .globl arch_switch
arch_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

// First switch into a new thread lands here, above its initial trap frame.
    .globl thread_first_entry
thread_first_entry:
    call sched_after_switch
    call thread_check_killed
    jmp trap_return

    .section .note.GNU-stack, "", @progbits
