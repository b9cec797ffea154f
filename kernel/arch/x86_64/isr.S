// SPDX-License-Identifier: MIT
// Interrupt and exception entry stubs for all 256 vectors. Each stub makes the
// stack look the same (a dummy error code where the CPU pushes none, then the
// vector number), saves the general registers into a struct trap_frame and
// calls trap_dispatch. Entries from ring 3 swap GS to the kernel's per-CPU base.

#include "kernel/arch/x86_64/frame.inc"

    .text
    .macro ISR_NOERR n
    .balign 16
isr\n:
    pushq $0
    pushq $\n
    jmp isr_common
    .endm

    .macro ISR_ERR n
    .balign 16
isr\n:
    pushq $\n
    jmp isr_common
    .endm

    .altmacro
    .macro ISR_ONE n
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
        ISR_ERR \n
    .else
        ISR_NOERR \n
    .endif
    .endm

    .set i, 0
    .rept 256
        ISR_ONE %i
        .set i, i + 1
    .endr

    .globl isr_common
isr_common:
    testb $3, 24(%rsp)              // CS of the interrupted context
    jz 1f
    swapgs
1:  PUSH_GPRS
    cld
    mov %rsp, %rdi
    call trap_dispatch
    .globl trap_return
trap_return:
    POP_GPRS
    addq $16, %rsp                  // vector, error code
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:  iretq

    .section .rodata
    .balign 8
    .globl isr_table
isr_table:
    .set i, 0
    .rept 256
        .macro ISR_ADDR n
            .quad isr\n
        .endm
        ISR_ADDR %i
        .purgem ISR_ADDR
        .set i, i + 1
    .endr

    .section .note.GNU-stack, "", @progbits
