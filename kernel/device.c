// SPDX-License-Identifier: MIT
// Device capabilities and PCI configuration access (see device.h). The kernel
// refuses any MMIO range that touches RAM or its own interrupt controllers,
// and any I/O port range it uses itself, so a driver can only ever reach the
// device registers it was granted.
#include "kernel/device.h"

#include "kernel/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/heap.h"
#include "kernel/mm.h"
#include "kernel/pmm.h"
#include "kernel/spinlock.h"
#include "kernel/uapi/status.h"

static struct spinlock pci_lock = SPINLOCK_INIT;

struct device *device_create(enum obj_type type, uint64_t base, uint64_t size)
{
    struct device *d = kmalloc(sizeof(*d));
    if (!d)
        return 0;
    kobj_init(&d->obj, type);
    d->base = base;
    d->size = size;
    return d;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

int device_mmio(uint64_t phys, uint64_t size, struct device **out)
{
    if (size == 0 || (phys & (PAGE_SIZE - 1)) || size > (1ull << 32) || phys + size < phys)
        return RW_EINVAL;
    size = PAGE_ALIGN_UP(size);
    for (uint64_t pa = phys; pa < phys + size; pa += PAGE_SIZE) {
        if (pmm_is_ram(pa))
            return RW_EPERM;
    }
    if (overlaps(phys, size, acpi.lapic_phys, PAGE_SIZE))
        return RW_EPERM;
    for (uint32_t i = 0; i < acpi.nioapics; i++) {
        if (overlaps(phys, size, acpi.ioapics[i].phys, PAGE_SIZE))
            return RW_EPERM;
    }
    *out = device_create(OBJ_MMIO, phys, size);
    return *out ? RW_OK : RW_ENOMEM;
}

int device_pci(uint32_t bdf, struct device **out)
{
    if (bdf > 0xffff)
        return RW_EINVAL;
    if ((pci_config_read(bdf, 0, 2) & 0xffff) == 0xffff)
        return RW_ENOENT;
    *out = device_create(OBJ_PCI, bdf, 0);
    return *out ? RW_OK : RW_ENOMEM;
}

// Legacy configuration mechanism #1 (ports 0xcf8/0xcfc): the first 256 bytes.
uint32_t pci_config_read(uint32_t bdf, uint32_t off, uint32_t width)
{
    uint64_t f = spin_lock_irq(&pci_lock);
    outl(0xcf8, 0x80000000u | (bdf << 8) | (off & 0xfc));
    uint32_t v = inl(0xcfc) >> ((off & 3) * 8);
    spin_unlock_irq(&pci_lock, f);
    return width == 4 ? v : v & ((1u << (width * 8)) - 1);
}

void pci_config_write(uint32_t bdf, uint32_t off, uint32_t width, uint32_t v)
{
    uint64_t f = spin_lock_irq(&pci_lock);
    outl(0xcf8, 0x80000000u | (bdf << 8) | (off & 0xfc));
    if (width == 4)
        outl(0xcfc, v);
    else if (width == 2)
        outw(0xcfc + (off & 2), (uint16_t)v);
    else
        outb(0xcfc + (off & 3), (uint8_t)v);
    spin_unlock_irq(&pci_lock, f);
}

void device_destroy(struct kobj *o)
{
    kfree(o);
}
