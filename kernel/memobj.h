// SPDX-License-Identifier: MIT
// Memory objects: page-granular memory that can be mapped into one or more
// address spaces. A contiguous object (MEM_CONTIG) is one physical run whose
// address a holder with RIGHT_PHYS may read, for device DMA. Boot modules are
// wrapped as borrowed objects that are never freed.
#ifndef RW_MEMOBJ_H
#define RW_MEMOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/object.h"

#define MEMOBJ_MAX_SIZE (256ull << 20)

struct memobj {
    struct kobj obj;
    uint64_t size;   // [I] bytes, page multiple
    uint64_t npages; // [I]
    uint32_t flags;  // [I] MEM_CONTIG
    bool borrowed;   // [I] pages belong to someone else (boot modules)
    uint64_t base;   // [I] first page, contiguous objects
    uint64_t *pages; // [I] page list, other objects
};

int memobj_create(uint64_t size, uint32_t flags, struct memobj **out);
struct memobj *memobj_borrow(uint64_t phys, uint64_t size);
uint64_t memobj_page(const struct memobj *m, uint64_t index);

#endif
