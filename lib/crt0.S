// SPDX-License-Identifier: MIT
// Ring-3 entry point: the kernel starts a component's first thread here with
// its start-up argument in rdi; main's return value ends the thread.
    .text
    .globl _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call main
    mov %rax, %rdi
    call rw_exit
1:  ud2
    jmp 1b

    .section .note.GNU-stack, "", @progbits
