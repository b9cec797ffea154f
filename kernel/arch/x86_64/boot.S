// SPDX-License-Identifier: MIT
// Multiboot2 entry. GRUB (BIOS or EFI) jumps here in 32-bit protected mode with
// paging off. We build boot page tables that map the first 4 GiB twice (identity
// and direct map at 0xffff800000000000) and the first 1 GiB at -2 GiB for the
// kernel image, so GRUB may put modules anywhere below 4 GiB. Then we switch to
// long mode, and jump to kmain in the higher half. C code replaces these tables.
// Application processors enter through smp_trampoline.S, not here.

#define MB2_MAGIC       0xe85250d6
#define MB2_ARCH_I386   0
#define KERNEL_VMA      0xffffffff80000000

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    // information request: cmdline 1, modules 3, mmap 6, ACPI old 14, ACPI new 15
    .balign 8
    .word 1, 0
    .long 28
    .long 1, 3, 6, 14, 15
    // module alignment: modules start on page boundaries
    .balign 8
    .word 6, 0
    .long 8
    // end tag
    .balign 8
    .word 0, 0
    .long 8
mb2_header_end:

    .section .boot.data, "aw"
    .balign 4096
boot_pml4:  .fill 512, 8, 0
boot_pdpt_lo: .fill 512, 8, 0
boot_pdpt_hi: .fill 512, 8, 0
boot_pd:    .fill 4*512, 8, 0
boot_gdt:
    .quad 0
    .quad 0x00209a0000000000        // 0x08: 64-bit kernel code
    .quad 0x0000920000000000        // 0x10: kernel data
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt
boot_mb2_info: .long 0
boot_fail_msg: .asciz "ringwall: not booted by multiboot2 / no long mode\r\n"

    .section .boot.text, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov $boot_stack_top_phys, %esp
    cmp $0x36d76289, %eax
    jne boot_fail
    mov %ebx, boot_mb2_info
    // long mode supported?
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb boot_fail
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc boot_fail

    // boot_pd: 4 x 512 x 2 MiB pages = first 4 GiB
    mov $boot_pd, %edi
    mov $0x83, %eax                 // present | writable | huge
    xor %ecx, %ecx
1:  mov %eax, (%edi,%ecx,8)
    movl $0, 4(%edi,%ecx,8)
    add $0x200000, %eax
    inc %ecx
    cmp $2048, %ecx
    jne 1b
    // pdpt_lo[0..3] -> the four pds ; pdpt_hi[510] -> first pd
    mov $boot_pd, %eax
    or $3, %eax
    mov %eax, boot_pdpt_hi + 510*8
    xor %ecx, %ecx
5:  mov %eax, boot_pdpt_lo(,%ecx,8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jne 5b
    // pml4[0] and pml4[256] -> pdpt_lo ; pml4[511] -> pdpt_hi
    mov $boot_pdpt_lo, %eax
    or $3, %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256*8
    mov $boot_pdpt_hi, %eax
    or $3, %eax
    mov %eax, boot_pml4 + 511*8

    mov %cr4, %eax
    or $0x20, %eax                  // PAE
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx           // EFER: LME | NXE
    rdmsr
    or $0x900, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax            // PG | WP | PE
    mov %eax, %cr0
    lgdt boot_gdtr
    ljmp $0x08, $boot_long

boot_fail:
    mov $boot_fail_msg, %esi
2:  movb (%esi), %al
    test %al, %al
    jz 3f
    mov $0x3f8, %dx
    outb %al, %dx
    inc %esi
    jmp 2b
3:  hlt
    jmp 3b

    .code64
boot_long:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp
    mov boot_mb2_info, %edi
    movabs $kmain, %rax
    call *%rax
4:  hlt
    jmp 4b

    .section .bss
    .balign 16
    .globl boot_stack_top
boot_stack: .skip 16384
boot_stack_top:
    .set boot_stack_top_phys, boot_stack_top - KERNEL_VMA

    .section .note.GNU-stack, "", @progbits
