// SPDX-License-Identifier: MIT
// What the boot loader handed over, copied out of the multiboot2 information
// so that nothing later depends on where GRUB put it: the kernel command line,
// the physical memory map, the boot modules (component ELF images and the
// appliance configuration) and the ACPI RSDP.
#ifndef RW_BOOT_H
#define RW_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 32
#define BOOT_NAME_MAX    48

enum boot_region_type {
    BOOT_RAM = 1,
    BOOT_RESERVED = 2,
    BOOT_ACPI = 3,
    BOOT_NVS = 4,
    BOOT_BAD = 5
};

struct boot_region {
    uint64_t base;
    uint64_t len;
    uint32_t type;
};

struct boot_module {
    uint64_t start; // physical, page aligned (the header asks GRUB for it)
    uint64_t end;
    char name[BOOT_NAME_MAX];
};

struct boot_info {
    char cmdline[256];
    uint32_t nregions;
    struct boot_region regions[BOOT_MAX_REGIONS];
    uint32_t nmodules;
    struct boot_module modules[BOOT_MAX_MODULES];
    uint8_t rsdp[36]; // RSDP (v1 uses the first 20 bytes)
    bool have_rsdp;
    uint64_t info_phys; // the multiboot2 block itself, kept reserved
    uint64_t info_size;
    uint64_t ram_bytes; // sum of usable RAM
};

extern struct boot_info boot_info;

// Parses the multiboot2 information at physical address mb2 (still reachable
// through the boot identity map). Returns false if it is malformed.
bool boot_parse(uint64_t mb2_phys);
const struct boot_module *boot_find_module(const char *name);
// Value of "key=value" in the kernel command line, or NULL.
const char *boot_cmdline_value(const char *key, char *buf, unsigned size);

#endif
