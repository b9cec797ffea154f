// SPDX-License-Identifier: MIT
// Physical page-frame allocator: one bit per 4 KiB frame below PMM_MAX_PHYS.
// Single pages for page tables and kernel objects; contiguous runs for memory
// objects that devices reach by DMA. All calls are safe from any CPU.
#ifndef RW_PMM_H
#define RW_PMM_H

#include <stdbool.h>
#include <stdint.h>

#define PMM_MAX_PHYS (64ull << 30)
#define PMM_NONE     0

void pmm_init(void);
// Returns a zeroed page's physical address, or PMM_NONE when memory is out.
uint64_t pmm_alloc(void);
// n contiguous zeroed pages aligned to align_pages pages, or PMM_NONE.
uint64_t pmm_alloc_contig(uint64_t n, uint64_t align_pages);
void pmm_free(uint64_t pa);
void pmm_free_contig(uint64_t pa, uint64_t n);
bool pmm_is_ram(uint64_t pa);
uint64_t pmm_free_pages(void);
uint64_t pmm_total_pages(void);
uint64_t pmm_top(void);

#endif
