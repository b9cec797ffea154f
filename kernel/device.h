// SPDX-License-Identifier: MIT
// Device capabilities: the platform root (from which everything else is
// derived), MMIO ranges, I/O port ranges and PCI functions. Holding one of
// these is the only way a driver reaches hardware; none of them can cover RAM.
#ifndef RW_DEVICE_H
#define RW_DEVICE_H

#include <stdint.h>

#include "kernel/object.h"

struct device {
    struct kobj obj;
    uint64_t base; // [I] MMIO: physical address; IOPORT: first port; PCI: bdf
    uint64_t size; // [I] MMIO: bytes; IOPORT: count
};

struct device *device_create(enum obj_type type, uint64_t base, uint64_t size);
int device_mmio(uint64_t phys, uint64_t size, struct device **out);
int device_pci(uint32_t bdf, struct device **out);
uint32_t pci_config_read(uint32_t bdf, uint32_t off, uint32_t width);
void pci_config_write(uint32_t bdf, uint32_t off, uint32_t width, uint32_t v);
// Sizes every BAR of every PCI function once, at boot, before other CPUs run.
void pci_init(void);
// A BAR as pci_init found it: RW_OK, or RW_ENOENT (no such function or BAR).
int pci_bar(uint32_t bdf, uint32_t bar, uint64_t *base, uint64_t *size, int *io);

#endif
