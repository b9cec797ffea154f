// SPDX-License-Identifier: MIT
// Page tables. A root is the physical address of a PML4. Every root shares the
// kernel half (entries 256..511) with the kernel's own root; the user half is
// private to one address space. Mapping calls take a root, so they work on any
// address space; the caller serialises changes to one root (the address-space
// object holds its lock) and does any TLB shootdown.
#ifndef RW_VM_H
#define RW_VM_H

#include <stdbool.h>
#include <stdint.h>

#define VM_WRITE    (1u << 0)
#define VM_EXEC     (1u << 1)
#define VM_USER     (1u << 2)
#define VM_UNCACHED (1u << 3)

extern uint64_t vm_kernel_root;

void vm_init(void);
int vm_map(uint64_t root, uint64_t va, uint64_t pa, unsigned flags);
// Removes a 4 KiB mapping; returns its physical address in *pa.
int vm_unmap(uint64_t root, uint64_t va, uint64_t *pa);
// Physical address and flags of a 4 KiB mapping; false if unmapped.
bool vm_lookup(uint64_t root, uint64_t va, uint64_t *pa, unsigned *flags);
uint64_t vm_new_root(void);
// Frees the user-half page-table pages (not the frames they map) and the root.
void vm_free_root(uint64_t root);
// Maps device registers uncached into the kernel's MMIO window.
void *vm_map_mmio(uint64_t pa, uint64_t size);
uint64_t vm_table_pages(void);
// Maps (or unmaps) one low page at its own address in the kernel root, for
// the AP start-up trampoline while paging is being switched on.
int vm_identity_map(uint64_t pa, bool on);

#endif
