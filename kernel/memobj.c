// SPDX-License-Identifier: MIT
// Memory objects (see memobj.h). All pages are allocated and zeroed when the
// object is created: there is no demand paging, so a mapped page never faults.
#include "kernel/memobj.h"

#include "kernel/heap.h"
#include "kernel/mm.h"
#include "kernel/pmm.h"
#include "kernel/uapi/status.h"

static int alloc_pages(struct memobj *m)
{
    if (m->flags & MEM_CONTIG) {
        m->base = pmm_alloc_contig(m->npages, 1);
        return m->base == PMM_NONE ? RW_ENOMEM : RW_OK;
    }
    m->pages = kmalloc(m->npages * sizeof(uint64_t));
    if (!m->pages)
        return RW_ENOMEM;
    for (uint64_t i = 0; i < m->npages; i++) {
        m->pages[i] = pmm_alloc();
        if (m->pages[i] == PMM_NONE)
            return RW_ENOMEM;
    }
    return RW_OK;
}

static void free_pages(struct memobj *m)
{
    if (m->borrowed)
        return;
    if (m->flags & MEM_CONTIG) {
        if (m->base != PMM_NONE)
            pmm_free_contig(m->base, m->npages);
        return;
    }
    for (uint64_t i = 0; m->pages && i < m->npages && m->pages[i] != PMM_NONE; i++)
        pmm_free(m->pages[i]);
    kfree(m->pages);
}

int memobj_create(uint64_t size, uint32_t flags, struct memobj **out)
{
    if (size == 0 || size > MEMOBJ_MAX_SIZE || (flags & ~MEM_CONTIG))
        return RW_EINVAL;
    struct memobj *m = kmalloc(sizeof(*m));
    if (!m)
        return RW_ENOMEM;
    m->size = PAGE_ALIGN_UP(size);
    m->npages = m->size / PAGE_SIZE;
    m->flags = flags;
    if (m->npages > pmm_free_pages() || alloc_pages(m) != RW_OK) {
        free_pages(m);
        kfree(m);
        return RW_ENOMEM;
    }
    kobj_init(&m->obj, OBJ_MEM);
    *out = m;
    return RW_OK;
}

struct memobj *memobj_borrow(uint64_t phys, uint64_t size)
{
    struct memobj *m = kmalloc(sizeof(*m));
    if (!m)
        return 0;
    kobj_init(&m->obj, OBJ_MEM);
    m->size = PAGE_ALIGN_UP(size);
    m->npages = m->size / PAGE_SIZE;
    m->flags = MEM_CONTIG;
    m->borrowed = true;
    m->base = phys;
    return m;
}

uint64_t memobj_page(const struct memobj *m, uint64_t index)
{
    if (m->flags & MEM_CONTIG)
        return m->base + index * PAGE_SIZE;
    return m->pages[index];
}

void memobj_destroy(struct kobj *o)
{
    struct memobj *m = (struct memobj *)o;
    free_pages(m);
    kfree(m);
}
