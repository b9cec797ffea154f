// SPDX-License-Identifier: MIT
// Kernel heap for kernel objects: power-of-two size classes carved from pages
// (a small slab per class), and whole page runs for larger requests. Counts of
// live objects are kept so tests can prove that nothing leaks.
#ifndef RW_HEAP_H
#define RW_HEAP_H

#include <stddef.h>
#include <stdint.h>

void heap_init(void);
// Zeroed memory of at least size bytes, 16-byte aligned; NULL when out of memory.
void *kmalloc(size_t size);
void kfree(void *p);
uint64_t heap_live_objects(void);
// Pages the size classes hold (free blocks included).
uint64_t heap_pages(void);

#endif
