// SPDX-License-Identifier: MIT
// x86-64 4-level paging behind the vm_* interface (vm.h). Builds the kernel's
// root at boot: a 2 MiB-page direct map of all RAM, the kernel image with 4 KiB
// pages and W^X, and pre-made upper-level tables for every kernel-half slot in
// use, so that user roots can share them by copying PML4 entries once.
#include "kernel/vm.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/pmm.h"
#include "kernel/spinlock.h"
#include "kernel/uapi/status.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

uint64_t vm_kernel_root;
static uint64_t mmio_next = MMIO_BASE; // [l] mmio_lock
static struct spinlock mmio_lock = SPINLOCK_INIT;
static _Atomic uint64_t table_pages;

static inline uint64_t *table(uint64_t pa)
{
    return phys_to_virt(pa & PTE_ADDR);
}
static inline unsigned idx(uint64_t va, int level)
{
    return (va >> (12 + 9 * level)) & 511;
}

static uint64_t pte_flags(unsigned flags)
{
    uint64_t f = PTE_P;
    if (flags & VM_WRITE)
        f |= PTE_W;
    if (flags & VM_USER)
        f |= PTE_U;
    else
        f |= PTE_G;
    if (!(flags & VM_EXEC))
        f |= PTE_NX;
    if (flags & VM_UNCACHED)
        f |= PTE_PCD | PTE_PWT;
    return f;
}

// Walks to the level-0 entry for va, creating tables if create is set.
static uint64_t *walk(uint64_t root, uint64_t va, bool create)
{
    uint64_t *t = table(root);
    for (int level = 3; level > 0; level--) {
        uint64_t *e = &t[idx(va, level)];
        if (!(*e & PTE_P)) {
            if (!create)
                return 0;
            uint64_t pa = pmm_alloc();
            if (pa == PMM_NONE)
                return 0;
            table_pages++;
            // intermediate entries are permissive; leaves decide
            *e = pa | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
        } else if (*e & PTE_PS) {
            return 0;
        }
        t = table(*e);
    }
    return &t[idx(va, 0)];
}

int vm_map(uint64_t root, uint64_t va, uint64_t pa, unsigned flags)
{
    if ((va | pa) & (PAGE_SIZE - 1))
        return RW_EINVAL;
    if (((flags & VM_USER) != 0) != (va < USER_TOP))
        return RW_EINVAL;
    uint64_t *e = walk(root, va, true);
    if (!e)
        return RW_ENOMEM;
    if (*e & PTE_P)
        return RW_EEXIST;
    *e = pa | pte_flags(flags);
    return RW_OK;
}

int vm_unmap(uint64_t root, uint64_t va, uint64_t *pa)
{
    uint64_t *e = walk(root, va, false);
    if (!e || !(*e & PTE_P))
        return RW_ENOENT;
    if (pa)
        *pa = *e & PTE_ADDR;
    *e = 0;
    return RW_OK;
}

bool vm_lookup(uint64_t root, uint64_t va, uint64_t *pa, unsigned *flags)
{
    uint64_t *e = walk(root, va, false);
    if (!e || !(*e & PTE_P))
        return false;
    if (pa)
        *pa = *e & PTE_ADDR;
    if (flags) {
        *flags = ((*e & PTE_W) ? VM_WRITE : 0) | ((*e & PTE_NX) ? 0 : VM_EXEC) |
                 ((*e & PTE_U) ? VM_USER : 0) | ((*e & PTE_PCD) ? VM_UNCACHED : 0);
    }
    return true;
}

uint64_t vm_new_root(void)
{
    uint64_t root = pmm_alloc();
    if (root == PMM_NONE)
        return 0;
    table_pages++;
    uint64_t *src = table(vm_kernel_root), *dst = table(root);
    for (int i = 256; i < 512; i++)
        dst[i] = src[i];
    return root;
}

static void free_level(uint64_t pa, int level)
{
    uint64_t *t = table(pa);
    for (int i = 0; level > 0 && i < 512; i++) {
        if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
            free_level(t[i] & PTE_ADDR, level - 1);
    }
    pmm_free(pa & PTE_ADDR);
    table_pages--;
}

void vm_free_root(uint64_t root)
{
    uint64_t *t = table(root);
    for (int i = 0; i < 256; i++) {
        if (t[i] & PTE_P)
            free_level(t[i] & PTE_ADDR, 2);
    }
    pmm_free(root);
    table_pages--;
}

void *vm_map_mmio(uint64_t pa, uint64_t size)
{
    uint64_t off = pa & (PAGE_SIZE - 1);
    uint64_t len = PAGE_ALIGN_UP(size + off);
    uint64_t flags = spin_lock_irq(&mmio_lock);
    uint64_t va = mmio_next;
    if (va + len > MMIO_BASE + MMIO_SIZE) {
        spin_unlock_irq(&mmio_lock, flags);
        return 0;
    }
    mmio_next += len + PAGE_SIZE; // an unmapped guard page between ranges
    for (uint64_t i = 0; i < len; i += PAGE_SIZE) {
        if (vm_map(vm_kernel_root, va + i, PAGE_ALIGN_DOWN(pa) + i, VM_WRITE | VM_UNCACHED) !=
            RW_OK) {
            spin_unlock_irq(&mmio_lock, flags);
            return 0;
        }
    }
    spin_unlock_irq(&mmio_lock, flags);
    return (void *)(va + off);
}

uint64_t vm_table_pages(void)
{
    return table_pages;
}

// Direct map of [0, top) with 2 MiB pages.
static void map_direct(uint64_t root, uint64_t top)
{
    for (uint64_t pa = 0; pa < top; pa += 0x200000) {
        uint64_t va = DIRECT_BASE + pa;
        uint64_t *t = table(root);
        for (int level = 3; level > 1; level--) {
            uint64_t *e = &t[idx(va, level)];
            if (!(*e & PTE_P)) {
                uint64_t np = pmm_alloc();
                if (np == PMM_NONE)
                    panic("vm: out of memory building the direct map");
                table_pages++;
                *e = np | PTE_P | PTE_W;
            }
            t = table(*e);
        }
        t[idx(va, 1)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
    }
}

static void map_kernel_image(uint64_t root)
{
    for (uint64_t va = (uint64_t)_text_start; va < (uint64_t)_kernel_end; va += PAGE_SIZE) {
        unsigned flags = 0;
        if (va < (uint64_t)_text_end)
            flags = VM_EXEC;
        else if (va >= (uint64_t)_rodata_end)
            flags = VM_WRITE;
        if (vm_map(root, va, va - KERNEL_VMA, flags) != RW_OK)
            panic("vm: cannot map the kernel image");
    }
}

void vm_init(void)
{
    uint64_t root = pmm_alloc();
    if (root == PMM_NONE)
        panic("vm: no memory for the kernel root");
    table_pages++;
    uint64_t top = pmm_top() < (4ull << 30) ? (4ull << 30) : pmm_top();
    map_direct(root, (top + 0x1fffff) & ~0x1fffffull);
    map_kernel_image(root);
    // make the MMIO window's top-level entry exist so user roots share it
    uint64_t *pml4 = table(root);
    uint64_t pdpt = pmm_alloc();
    if (pdpt == PMM_NONE)
        panic("vm: no memory for the MMIO window");
    table_pages++;
    pml4[idx(MMIO_BASE, 3)] = pdpt | PTE_P | PTE_W;
    write_cr4(read_cr4() | (1u << 7)); // PGE: global kernel pages
    vm_kernel_root = root;
    write_cr3(root);
}

int vm_identity_map(uint64_t pa, bool on)
{
    if (!on)
        return vm_unmap(vm_kernel_root, pa, 0);
    uint64_t *e = walk(vm_kernel_root, pa, true);
    if (!e)
        return RW_ENOMEM;
    *e = pa | PTE_P | PTE_W; // executable, supervisor only
    invlpg(pa);
    return RW_OK;
}
