// SPDX-License-Identifier: MIT
// Device capabilities and PCI configuration access (see device.h). The kernel
// refuses any MMIO range that touches RAM or its own interrupt controllers,
// and any I/O port range it uses itself, so a driver can only ever reach the
// device registers it was granted.
#include "kernel/device.h"

#include "kernel/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/heap.h"
#include "kernel/log.h"
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

/*
 * BARs are sized once, here, at boot, and never again: sizing turns the
 * function's decoding off and writes all-ones to its BARs, and that must not
 * happen while a driver on another CPU is using a device. Each decode change
 * makes a hypervisor rebuild its physical memory map, and QEMU 7.2 under TCG
 * can then dispatch another vCPU's in-flight MMIO access through a stale
 * mapping: the access is lost, hits the wrong register, or QEMU crashes in
 * memory_region_dispatch_read/write. A lost virtqueue notification stalls a
 * NIC for good (with VIRTIO_F_EVENT_IDX no later one is sent): one NIC of
 * tests/qemu/four_nics.sh stayed silent when its driver's first kick met the
 * next driver's BAR sizing. BARs cannot move later (sys_pci_write refuses
 * BAR writes), so what is recorded here stays true.
 */
#define PCI_FUNCS_MAX 64

struct pci_func_bars {
    uint32_t bdf;
    uint8_t io;       // bit b: BAR b is an I/O BAR
    uint64_t base[6]; // 0: no usable BAR b (absent, or the top half of a 64-bit BAR)
    uint64_t size[6];
};

static struct pci_func_bars pci_funcs[PCI_FUNCS_MAX]; // [I] after pci_init
static uint32_t pci_nfuncs;                           // [I] after pci_init

// Sizes BAR b of bdf with decoding off; returns how many BAR slots it used.
static uint32_t bar_size(uint32_t bdf, uint32_t b, struct pci_func_bars *f)
{
    uint32_t off = 0x10 + b * 4, lo = pci_config_read(bdf, off, 4);
    int io = lo & 1, wide = !io && ((lo >> 1) & 3) == 2 && b < 5;
    uint32_t hi = wide ? pci_config_read(bdf, off + 4, 4) : 0;
    pci_config_write(bdf, off, 4, 0xffffffff);
    uint32_t mlo = pci_config_read(bdf, off, 4), mhi = 0xffffffff;
    pci_config_write(bdf, off, 4, lo);
    if (wide) {
        pci_config_write(bdf, off + 4, 4, 0xffffffff);
        mhi = pci_config_read(bdf, off + 4, 4);
        pci_config_write(bdf, off + 4, 4, hi);
    }
    uint64_t mask = ((uint64_t)mhi << 32) | (mlo & (io ? ~3u : ~15u));
    uint64_t base = ((uint64_t)hi << 32) | (lo & (io ? ~3u : ~15u));
    if (mlo != 0 && base != 0) {
        f->base[b] = base;
        f->size[b] = io ? (~mask & 0xffff) + 1 : ~mask + 1;
        f->io |= (uint8_t)(io << b);
    }
    return wide ? 2 : 1;
}

static void pci_add(uint32_t bdf)
{
    uint32_t type = pci_config_read(bdf, 0x0e, 1) & 0x7f;
    uint32_t nbars = type == 0 ? 6 : type == 1 ? 2 : 0;
    if (nbars == 0 || pci_config_read(bdf, 0x0a, 2) == 0x0600)
        return; // host bridges: never turn their decoding off (nor give them out)
    if (pci_nfuncs == PCI_FUNCS_MAX) {
        kwarn("pci: more than %u functions; %02x:%02x.%x has no BARs", PCI_FUNCS_MAX, bdf >> 8,
              (bdf >> 3) & 31, bdf & 7);
        return;
    }
    struct pci_func_bars *f = &pci_funcs[pci_nfuncs++];
    f->bdf = bdf;
    uint16_t cmd = (uint16_t)pci_config_read(bdf, 4, 2);
    pci_config_write(bdf, 4, 2, cmd & ~3u); // no decoding while a BAR reads all-ones
    for (uint32_t b = 0; b < nbars;)
        b += bar_size(bdf, b, f);
    pci_config_write(bdf, 4, 2, cmd);
}

void pci_init(void)
{
    for (uint32_t bus = 0; bus < 256; bus++) {
        for (uint32_t dev = 0; dev < 32; dev++) {
            uint32_t bdf0 = bus << 8 | dev << 3;
            if ((pci_config_read(bdf0, 0, 2) & 0xffff) == 0xffff)
                continue;
            uint32_t nfn = (pci_config_read(bdf0, 0x0e, 1) & 0x80) ? 8 : 1;
            for (uint32_t fn = 0; fn < nfn; fn++) {
                if ((pci_config_read(bdf0 | fn, 0, 2) & 0xffff) != 0xffff)
                    pci_add(bdf0 | fn);
            }
        }
    }
}

int pci_bar(uint32_t bdf, uint32_t bar, uint64_t *base, uint64_t *size, int *io)
{
    for (uint32_t i = 0; i < pci_nfuncs && bar < 6; i++) {
        const struct pci_func_bars *f = &pci_funcs[i];
        if (f->bdf != bdf || f->base[bar] == 0)
            continue;
        *base = f->base[bar];
        *size = f->size[bar];
        *io = (f->io >> bar) & 1;
        return RW_OK;
    }
    return RW_ENOENT;
}

void device_destroy(struct kobj *o)
{
    kfree(o);
}
