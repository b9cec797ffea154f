// SPDX-License-Identifier: MIT
// Application-processor start-up code. smp.c copies this blob to a page below
// 1 MiB and patches the parameter block at its end; each AP starts here in real
// mode after INIT-SIPI-SIPI, climbs to long mode on the kernel's page tables
// (that page is identity-mapped while APs start) and jumps to ap_entry.

#define TRAMP_PHYS 0x8000
#define ABS(x) ((x) - tramp_start + TRAMP_PHYS)

    .section .rodata
    .globl tramp_start, tramp_end, tramp_params
    .code16
tramp_start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl ABS(tramp_gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $ABS(tramp32)

    .code32
tramp32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $0x20, %eax                  // PAE
    mov %eax, %cr4
    mov ABS(tramp_cr3), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    or $0x900, %eax                 // LME | NXE
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax            // PG | WP | PE
    mov %eax, %cr0
    ljmpl $0x18, $ABS(tramp64)

    .code64
tramp64:
    mov ABS(tramp_stack), %rsp
    mov ABS(tramp_arg), %rdi
    mov ABS(tramp_entry), %rax
    xor %ebp, %ebp
    jmp *%rax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        // 0x08: 32-bit code
    .quad 0x00cf92000000ffff        // 0x10: data
    .quad 0x00209a0000000000        // 0x18: 64-bit code
tramp_gdtr:
    .word tramp_gdtr - tramp_gdt - 1
    .long ABS(tramp_gdt)
    .balign 8
tramp_params:
tramp_cr3:   .quad 0
tramp_stack: .quad 0
tramp_entry: .quad 0
tramp_arg:   .quad 0
tramp_end:

    .section .note.GNU-stack, "", @progbits
