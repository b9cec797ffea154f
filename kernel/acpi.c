// SPDX-License-Identifier: MIT
// ACPI table parsing (see acpi.h). Layouts from the ACPI specification: RSDP,
// SDT header, MADT entry types 0 (LAPIC), 1 (IOAPIC), 2 (interrupt source
// override), 9 (x2APIC); MCFG allocation entries.
#include "kernel/acpi.h"

#include "kernel/boot.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "lib/string.h"

struct acpi_rsdp {
    char sig[8];
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t xchecksum;
    uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");

struct acpi_sdt {
    char sig[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem[6];
    char oem_table[8];
    uint32_t oem_rev;
    uint32_t creator;
    uint32_t creator_rev;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt) == 36, "SDT header layout");

struct acpi_info acpi;

static bool checksum_ok(const void *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

// Returns the table at pa through the direct map if its checksum holds.
static const struct acpi_sdt *table_at(uint64_t pa)
{
    const struct acpi_sdt *t = phys_to_virt(pa);
    if (t->length < sizeof(*t) || t->length > (1u << 20) || !checksum_ok(t, t->length))
        return 0;
    return t;
}

static void madt_entry(const uint8_t *e)
{
    switch (e[0]) {
    case 0: // processor local APIC: flags bit 0 enabled, bit 1 online-capable
        if ((e[4] & 3) && acpi.ncpus < ACPI_MAX_CPUS)
            acpi.apic_ids[acpi.ncpus++] = e[3];
        break;
    case 1: // IOAPIC
        if (acpi.nioapics < ACPI_MAX_IOAPICS) {
            struct acpi_ioapic *io = &acpi.ioapics[acpi.nioapics++];
            io->id = e[2];
            memcpy(&io->phys, e + 4, 4);
            io->phys &= 0xffffffff;
            memcpy(&io->gsi_base, e + 8, 4);
        }
        break;
    case 2: // interrupt source override
        if (acpi.noverrides < 16) {
            struct acpi_override *o = &acpi.overrides[acpi.noverrides++];
            o->irq = e[3];
            memcpy(&o->gsi, e + 4, 4);
            memcpy(&o->flags, e + 8, 2);
        }
        break;
    case 9: { // processor local x2APIC
        uint32_t id, flags;
        memcpy(&id, e + 4, 4);
        memcpy(&flags, e + 8, 4);
        if ((flags & 3) && id < 255 && acpi.ncpus < ACPI_MAX_CPUS)
            acpi.apic_ids[acpi.ncpus++] = id;
        break;
    }
    default: break;
    }
}

static void parse_madt(const struct acpi_sdt *t)
{
    const uint8_t *p = (const uint8_t *)t;
    uint32_t lapic;
    memcpy(&lapic, p + 36, 4);
    acpi.lapic_phys = lapic;
    for (uint32_t off = 44; off + 2 <= t->length;) {
        uint8_t len = p[off + 1];
        if (len < 2 || off + len > t->length)
            break;
        madt_entry(p + off);
        off += len;
    }
}

static void parse_mcfg(const struct acpi_sdt *t)
{
    const uint8_t *p = (const uint8_t *)t;
    if (t->length < 44 + 16)
        return;
    uint16_t segment;
    memcpy(&acpi.ecam_phys, p + 44, 8);
    memcpy(&segment, p + 52, 2);
    acpi.ecam_bus_end = p[55];
    if (segment != 0)
        acpi.ecam_phys = 0;
}

static void parse_table(uint64_t pa)
{
    const struct acpi_sdt *t = table_at(pa);
    if (!t)
        return;
    if (memcmp(t->sig, "APIC", 4) == 0)
        parse_madt(t);
    else if (memcmp(t->sig, "MCFG", 4) == 0)
        parse_mcfg(t);
}

bool acpi_init(void)
{
    if (!boot_info.have_rsdp)
        return false;
    const struct acpi_rsdp *r = (const void *)boot_info.rsdp;
    if (memcmp(r->sig, "RSD PTR ", 8) != 0 || !checksum_ok(r, 20))
        return false;
    bool x = r->revision >= 2 && r->xsdt;
    const struct acpi_sdt *root = table_at(x ? r->xsdt : r->rsdt);
    if (!root)
        return false;
    uint32_t esize = x ? 8 : 4;
    const uint8_t *entries = (const uint8_t *)root + sizeof(*root);
    for (uint32_t i = 0; i < (root->length - sizeof(*root)) / esize; i++) {
        uint64_t pa = 0;
        memcpy(&pa, entries + i * esize, esize);
        parse_table(pa);
    }
    kinfo("acpi: %u CPUs, %u IOAPICs, %u overrides, ECAM %lx", acpi.ncpus, acpi.nioapics,
          acpi.noverrides, (unsigned long)acpi.ecam_phys);
    return acpi.ncpus > 0 && acpi.lapic_phys;
}

uint32_t acpi_isa_gsi(uint8_t irq, bool *level, bool *active_low)
{
    *level = false;
    *active_low = false;
    for (uint32_t i = 0; i < acpi.noverrides; i++) {
        const struct acpi_override *o = &acpi.overrides[i];
        if (o->irq != irq)
            continue;
        *active_low = (o->flags & 3) == 3;
        *level = ((o->flags >> 2) & 3) == 3;
        return o->gsi;
    }
    return irq;
}
