// SPDX-License-Identifier: MIT
// Kernel virtual memory layout and physical <-> virtual conversion.
//   0x0000000000000000 .. 0x00007fffffffffff  user space (per process)
//   0xffff800000000000 ..                      direct map of all RAM
//   0xffffc00000000000 ..                      MMIO window (uncached)
//   0xffffffff80000000 ..                      kernel image
#ifndef RW_MM_H
#define RW_MM_H

#include <stdint.h>

#define PAGE_SIZE   4096ull
#define PAGE_SHIFT  12
#define DIRECT_BASE 0xffff800000000000ull
#define MMIO_BASE   0xffffc00000000000ull
#define MMIO_SIZE   (64ull << 30)
#define KERNEL_VMA  0xffffffff80000000ull
#define USER_TOP    0x0000800000000000ull

#define PAGE_ALIGN_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

static inline void *phys_to_virt(uint64_t pa)
{
    return (void *)(pa + DIRECT_BASE);
}

// Valid for direct-map and kernel-image addresses only.
static inline uint64_t virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;
    return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_BASE;
}

extern char _kernel_start_phys[], _text_start[], _text_end[], _rodata_end[], _kernel_end[];

#endif
