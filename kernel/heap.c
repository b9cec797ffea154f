// SPDX-License-Identifier: MIT
// Kernel heap (see heap.h). Every block starts with a 16-byte header that names
// its class, so kfree needs no lookup. Class pages are never returned to the
// page allocator; freed blocks go back on their class's free list.
#include "kernel/heap.h"

#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/pmm.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define HEAP_MIN_SHIFT 5  // 32-byte blocks
#define HEAP_MAX_SHIFT 11 // 2 KiB blocks; larger requests take whole pages
#define HEAP_CLASSES   (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)
#define HEAP_MAGIC     0x6b68656170ull

struct heap_header {
    uint32_t magic_lo; // low bits of HEAP_MAGIC, catches wild frees
    uint32_t cls;      // class index, or HEAP_CLASSES for a page run
    uint64_t pages;    // page-run length
};
_Static_assert(sizeof(struct heap_header) == 16, "keeps blocks 16-byte aligned");

struct heap_free {
    struct heap_free *next;
};

static struct heap_free *free_lists[HEAP_CLASSES]; // [l] heap_lock
static struct spinlock heap_lock = SPINLOCK_INIT;
static _Atomic uint64_t live_objects;
static _Atomic uint64_t class_pages; // pages cut into blocks; never returned

void heap_init(void)
{
    for (int i = 0; i < HEAP_CLASSES; i++)
        free_lists[i] = 0;
}

// Cuts a fresh page into blocks of class cls; caller holds the lock.
static int refill(int cls)
{
    uint64_t pa = pmm_alloc();
    if (pa == PMM_NONE)
        return -1;
    class_pages++;
    size_t bsize = (size_t)1 << (cls + HEAP_MIN_SHIFT);
    uint8_t *page = phys_to_virt(pa);
    for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
        struct heap_free *f = (void *)(page + off);
        f->next = free_lists[cls];
        free_lists[cls] = f;
    }
    return 0;
}

static void *alloc_pages(size_t size)
{
    uint64_t pages = PAGE_ALIGN_UP(size + sizeof(struct heap_header)) / PAGE_SIZE;
    uint64_t pa = pmm_alloc_contig(pages, 1);
    if (pa == PMM_NONE)
        return 0;
    struct heap_header *h = phys_to_virt(pa);
    *h = (struct heap_header){(uint32_t)HEAP_MAGIC, HEAP_CLASSES, pages};
    live_objects++;
    return h + 1;
}

void *kmalloc(size_t size)
{
    size_t need = size + sizeof(struct heap_header);
    int cls = 0;
    while (cls < HEAP_CLASSES && ((size_t)1 << (cls + HEAP_MIN_SHIFT)) < need)
        cls++;
    if (cls == HEAP_CLASSES)
        return alloc_pages(size);
    uint64_t flags = spin_lock_irq(&heap_lock);
    if (!free_lists[cls] && refill(cls) < 0) {
        spin_unlock_irq(&heap_lock, flags);
        return 0;
    }
    struct heap_free *f = free_lists[cls];
    free_lists[cls] = f->next;
    spin_unlock_irq(&heap_lock, flags);
    struct heap_header *h = (void *)f;
    memset(h, 0, (size_t)1 << (cls + HEAP_MIN_SHIFT));
    *h = (struct heap_header){(uint32_t)HEAP_MAGIC, (uint32_t)cls, 0};
    live_objects++;
    return h + 1;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct heap_header *h = (struct heap_header *)p - 1;
    if (h->magic_lo != (uint32_t)HEAP_MAGIC || h->cls > HEAP_CLASSES)
        panic("heap: kfree of %p that kmalloc did not return", p);
    h->magic_lo = 0;
    live_objects--;
    if (h->cls == HEAP_CLASSES) {
        pmm_free_contig(virt_to_phys(h), h->pages);
        return;
    }
    int cls = (int)h->cls;
    uint64_t flags = spin_lock_irq(&heap_lock);
    struct heap_free *f = (void *)h;
    f->next = free_lists[cls];
    free_lists[cls] = f;
    spin_unlock_irq(&heap_lock, flags);
}

uint64_t heap_live_objects(void)
{
    return live_objects;
}

uint64_t heap_pages(void)
{
    return class_pages;
}
