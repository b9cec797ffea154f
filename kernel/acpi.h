// SPDX-License-Identifier: MIT
// ACPI table discovery: the RSDP comes from the multiboot2 tag (BIOS and UEFI
// alike), then the RSDT/XSDT, the MADT (CPUs, IOAPICs, interrupt overrides)
// and the MCFG (PCI ECAM). Tables are checksummed before use.
#ifndef RW_ACPI_H
#define RW_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_CPUS    16
#define ACPI_MAX_IOAPICS 4

struct acpi_ioapic {
    uint32_t id;
    uint64_t phys;
    uint32_t gsi_base;
};

struct acpi_override {
    uint8_t irq; // ISA IRQ
    uint32_t gsi;
    uint16_t flags; // MPS INTI flags: polarity bits 0-1, trigger bits 2-3
};

struct acpi_info {
    uint32_t ncpus;
    uint32_t apic_ids[ACPI_MAX_CPUS];
    uint64_t lapic_phys;
    uint32_t nioapics;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    uint32_t noverrides;
    struct acpi_override overrides[16];
    uint64_t ecam_phys; // 0 if no MCFG
    uint8_t ecam_bus_end;
};

extern struct acpi_info acpi;

bool acpi_init(void);
// Maps an ISA IRQ to its GSI and trigger/polarity (level, active_low).
uint32_t acpi_isa_gsi(uint8_t irq, bool *level, bool *active_low);

#endif
