// SPDX-License-Identifier: MIT
// In-kernel tests of the memory layer: page-frame allocator, page tables and the
// kernel heap. Each test leaves free-page and live-object counts as it found them.
#include "kernel/heap.h"
#include "kernel/ktest.h"
#include "kernel/mm.h"
#include "kernel/pmm.h"
#include "kernel/vm.h"
#include "kernel/uapi/status.h"
#include "lib/string.h"

KTEST(pmm_alloc_free_restores_count)
{
    uint64_t before = pmm_free_pages();
    uint64_t pages[64];
    for (int i = 0; i < 64; i++) {
        pages[i] = pmm_alloc();
        KEXPECT(pages[i] != PMM_NONE);
        KEXPECT((pages[i] & (PAGE_SIZE - 1)) == 0);
    }
    KEXPECT(pmm_free_pages() == before - 64);
    for (int i = 0; i < 64; i++)
        pmm_free(pages[i]);
    KEXPECT(pmm_free_pages() == before);
}

KTEST(pmm_pages_distinct_and_zeroed)
{
    uint64_t a = pmm_alloc(), b = pmm_alloc();
    KEXPECT(a != b);
    uint8_t *p = phys_to_virt(a);
    bool zero = true;
    for (uint64_t i = 0; i < PAGE_SIZE; i++)
        zero = zero && p[i] == 0;
    KEXPECT(zero);
    memset(p, 0xa5, PAGE_SIZE);
    pmm_free(a);
    uint64_t c = pmm_alloc();
    KEXPECT(((uint8_t *)phys_to_virt(c))[100] == 0);
    pmm_free(b);
    pmm_free(c);
}

KTEST(pmm_contiguous_aligned)
{
    uint64_t before = pmm_free_pages();
    uint64_t pa = pmm_alloc_contig(33, 16);
    KEXPECT(pa != PMM_NONE);
    KEXPECT((pa & (16 * PAGE_SIZE - 1)) == 0);
    KEXPECT(pmm_is_ram(pa) && pmm_is_ram(pa + 32 * PAGE_SIZE));
    KEXPECT(pmm_free_pages() == before - 33);
    pmm_free_contig(pa, 33);
    KEXPECT(pmm_free_pages() == before);
    KEXPECT(pmm_alloc_contig(pmm_total_pages() + 1, 1) == PMM_NONE);
    KEXPECT(pmm_free_pages() == before);
}

KTEST(pmm_reserves_kernel_and_low_memory)
{
    KEXPECT(pmm_is_ram(0x1000));
    bool kernel_free = false;
    uint64_t pa = pmm_alloc();
    KEXPECT(pa >= 0x100000);
    kernel_free = pa >= (uint64_t)_kernel_start_phys && pa < virt_to_phys(_kernel_end);
    KEXPECT(!kernel_free);
    pmm_free(pa);
}

KTEST(vm_map_lookup_unmap)
{
    uint64_t free_before = pmm_free_pages();
    uint64_t root = vm_new_root();
    KEXPECT(root != 0);
    uint64_t frame = pmm_alloc();
    uint64_t va = 0x400000;
    KEXPECT(vm_map(root, va, frame, VM_USER | VM_WRITE) == RW_OK);
    KEXPECT(vm_map(root, va, frame, VM_USER) == RW_EEXIST);
    uint64_t pa = 0;
    unsigned flags = 0;
    KEXPECT(vm_lookup(root, va, &pa, &flags));
    KEXPECT(pa == frame);
    KEXPECT(flags == (VM_USER | VM_WRITE));
    KEXPECT(!vm_lookup(root, va + PAGE_SIZE, 0, 0));
    KEXPECT(vm_unmap(root, va, &pa) == RW_OK && pa == frame);
    KEXPECT(vm_unmap(root, va, &pa) == RW_ENOENT);
    vm_free_root(root);
    pmm_free(frame);
    KEXPECT(pmm_free_pages() == free_before);
}

KTEST(vm_rejects_bad_mappings)
{
    uint64_t root = vm_new_root();
    KEXPECT(vm_map(root, 0x1001, 0x2000, VM_USER) == RW_EINVAL);
    KEXPECT(vm_map(root, 0x1000, 0x2001, VM_USER) == RW_EINVAL);
    KEXPECT(vm_map(root, DIRECT_BASE, 0x2000, VM_USER) == RW_EINVAL);
    KEXPECT(vm_map(root, 0x1000, 0x2000, 0) == RW_EINVAL);
    vm_free_root(root);
}

KTEST(vm_roots_share_kernel_half)
{
    uint64_t root = vm_new_root();
    uint64_t pa;
    KEXPECT(vm_lookup(root, (uint64_t)_text_start, &pa, 0));
    KEXPECT(pa == virt_to_phys(_text_start));
    unsigned flags;
    KEXPECT(vm_lookup(vm_kernel_root, (uint64_t)_text_start, 0, &flags));
    KEXPECT((flags & VM_EXEC) && !(flags & VM_WRITE) && !(flags & VM_USER));
    KEXPECT(vm_lookup(vm_kernel_root, (uint64_t)_kernel_end - PAGE_SIZE, 0, &flags));
    KEXPECT((flags & VM_WRITE) && !(flags & VM_EXEC));
    vm_free_root(root);
}

KTEST(vm_mmio_window_uncached)
{
    volatile uint32_t *p = vm_map_mmio(0xfee00000, 0x1000);
    KEXPECT(p != 0);
    unsigned flags = 0;
    KEXPECT(vm_lookup(vm_kernel_root, (uint64_t)p & ~(PAGE_SIZE - 1), 0, &flags));
    KEXPECT(flags & VM_UNCACHED);
}

KTEST(heap_sizes_alignment_and_reuse)
{
    uint64_t live = heap_live_objects();
    static const size_t sizes[] = {1, 16, 17, 100, 500, 2000, 4000, 9000, 70000};
    void *p[9];
    for (int i = 0; i < 9; i++) {
        p[i] = kmalloc(sizes[i]);
        KEXPECT(p[i] != 0);
        KEXPECT(((uint64_t)p[i] & 15) == 0);
        memset(p[i], i + 1, sizes[i]);
    }
    KEXPECT(heap_live_objects() == live + 9);
    for (int i = 0; i < 9; i++) {
        const uint8_t *b = p[i];
        KEXPECT(b[0] == i + 1 && b[sizes[i] - 1] == i + 1);
    }
    for (int i = 0; i < 9; i++)
        kfree(p[i]);
    KEXPECT(heap_live_objects() == live);
}

KTEST(heap_many_small_objects)
{
    uint64_t live = heap_live_objects();
    void *objs[512];
    for (int i = 0; i < 512; i++) {
        objs[i] = kmalloc(48);
        KEXPECT(objs[i] != 0);
        *(uint64_t *)objs[i] = (uint64_t)i;
    }
    bool intact = true;
    for (int i = 0; i < 512; i++)
        intact = intact && *(uint64_t *)objs[i] == (uint64_t)i;
    KEXPECT(intact);
    for (int i = 0; i < 512; i++)
        kfree(objs[i]);
    KEXPECT(heap_live_objects() == live);
    void *again = kmalloc(48);
    KEXPECT(again != 0 && *(uint64_t *)again == 0);
    kfree(again);
}
