// SPDX-License-Identifier: MIT
// Bitmap page-frame allocator (see pmm.h). A set bit means "not free": reserved
// by firmware, holding the kernel image, the multiboot2 block or a boot module,
// or allocated. The bitmap is static so it needs no memory to exist; the search
// starts at a moving hint so the common single-page case is fast.
#include "kernel/pmm.h"

#include "kernel/boot.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define PMM_FRAMES (PMM_MAX_PHYS / PAGE_SIZE)

static uint64_t bitmap[PMM_FRAMES / 64]; // [l] pmm_lock
static uint8_t ram_map[PMM_FRAMES / 8];  // [I] 1 = frame is usable RAM
static struct spinlock pmm_lock = SPINLOCK_INIT;
static uint64_t free_count;  // [l]
static uint64_t total_count; // [I]
static uint64_t frame_limit; // [I] frames below the highest RAM address
static uint64_t hint;        // [l] lowest frame that may be free

static inline bool frame_used(uint64_t f)
{
    return bitmap[f / 64] & (1ull << (f % 64));
}
static inline void frame_set(uint64_t f)
{
    bitmap[f / 64] |= 1ull << (f % 64);
}
static inline void frame_clear(uint64_t f)
{
    bitmap[f / 64] &= ~(1ull << (f % 64));
}

static void reserve_range(uint64_t start, uint64_t end)
{
    for (uint64_t f = start / PAGE_SIZE; f < PAGE_ALIGN_UP(end) / PAGE_SIZE && f < PMM_FRAMES;
         f++) {
        if (!frame_used(f)) {
            frame_set(f);
            free_count--;
        }
    }
}

static void add_ram(uint64_t base, uint64_t len)
{
    uint64_t first = PAGE_ALIGN_UP(base) / PAGE_SIZE;
    uint64_t last = PAGE_ALIGN_DOWN(base + len) / PAGE_SIZE;
    if (last > PMM_FRAMES)
        last = PMM_FRAMES;
    for (uint64_t f = first; f < last; f++) {
        if (frame_used(f)) {
            frame_clear(f);
            ram_map[f / 8] |= 1 << (f % 8);
            free_count++;
            total_count++;
        }
    }
    if (last > frame_limit)
        frame_limit = last;
}

void pmm_init(void)
{
    memset(bitmap, 0xff, sizeof(bitmap));
    for (uint32_t i = 0; i < boot_info.nregions; i++) {
        const struct boot_region *r = &boot_info.regions[i];
        if (r->type == BOOT_RAM)
            add_ram(r->base, r->len);
    }
    reserve_range(0, 0x100000); // real-mode area, AP trampoline lives here
    reserve_range((uint64_t)_kernel_start_phys, virt_to_phys(_kernel_end));
    reserve_range(boot_info.info_phys, boot_info.info_phys + boot_info.info_size);
    for (uint32_t i = 0; i < boot_info.nmodules; i++)
        reserve_range(boot_info.modules[i].start, boot_info.modules[i].end);
    hint = 0;
    kinfo("pmm: %lu MiB usable, %lu MiB free, top of RAM %lu MiB",
          (unsigned long)(total_count >> 8), (unsigned long)(free_count >> 8),
          (unsigned long)(frame_limit >> 8));
}

static inline uint64_t align_up(uint64_t f, uint64_t align)
{
    return (f + align - 1) / align * align;
}

// Finds n free frames starting at a multiple of align; caller holds the lock.
// Whole words of used frames are skipped 64 at a time.
static uint64_t find_run(uint64_t n, uint64_t align)
{
    uint64_t f = align_up(hint, align);
    while (f + n <= frame_limit) {
        if (bitmap[f / 64] == ~0ull) {
            f = align_up((f / 64 + 1) * 64, align);
            continue;
        }
        uint64_t i = 0;
        while (i < n && !frame_used(f + i))
            i++;
        if (i == n)
            return f;
        f = align_up(f + i + 1, align);
    }
    return UINT64_MAX;
}

uint64_t pmm_alloc_contig(uint64_t n, uint64_t align_pages)
{
    if (n == 0 || align_pages == 0)
        return PMM_NONE;
    uint64_t flags = spin_lock_irq(&pmm_lock);
    uint64_t f = find_run(n, align_pages);
    if (f == UINT64_MAX) {
        spin_unlock_irq(&pmm_lock, flags);
        return PMM_NONE;
    }
    for (uint64_t i = 0; i < n; i++)
        frame_set(f + i);
    free_count -= n;
    if (n == 1 || f == hint)
        hint = f + n; // a one-frame search proved every frame before f used
    spin_unlock_irq(&pmm_lock, flags);
    memset(phys_to_virt(f * PAGE_SIZE), 0, n * PAGE_SIZE);
    return f * PAGE_SIZE;
}

uint64_t pmm_alloc(void)
{
    return pmm_alloc_contig(1, 1);
}

void pmm_free_contig(uint64_t pa, uint64_t n)
{
    uint64_t flags = spin_lock_irq(&pmm_lock);
    for (uint64_t f = pa / PAGE_SIZE; f < pa / PAGE_SIZE + n; f++) {
        if (f >= frame_limit || !frame_used(f) || !(ram_map[f / 8] & (1 << (f % 8))))
            panic("pmm: freeing frame %lx that is not allocated RAM", (unsigned long)f);
        frame_clear(f);
        free_count++;
        if (f < hint)
            hint = f;
    }
    spin_unlock_irq(&pmm_lock, flags);
}

void pmm_free(uint64_t pa)
{
    pmm_free_contig(pa, 1);
}

bool pmm_is_ram(uint64_t pa)
{
    uint64_t f = pa / PAGE_SIZE;
    return f < frame_limit && (ram_map[f / 8] & (1 << (f % 8)));
}

uint64_t pmm_free_pages(void)
{
    return free_count;
}
uint64_t pmm_total_pages(void)
{
    return total_count;
}
uint64_t pmm_top(void)
{
    return frame_limit * PAGE_SIZE;
}
