// SPDX-License-Identifier: MIT
// Segment selectors of the per-CPU GDT (see gdt.c for the order's reason).
#ifndef RW_ARCH_SEG_H
#define RW_ARCH_SEG_H

#define SEG_KCODE 0x08
#define SEG_KDATA 0x10
#define SEG_UDATA (0x18 | 3)
#define SEG_UCODE (0x20 | 3)
#define SEG_TSS   0x28

#endif
