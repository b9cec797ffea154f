// SPDX-License-Identifier: MIT
// Device system calls: deriving capabilities from the platform root and from
// PCI functions, and PCI configuration access. Decode first, then invoke.
#include "kernel/device.h"
#include "kernel/irq.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/syscall_impl.h"
#include "kernel/uapi/status.h"

// I/O ports the kernel keeps: PICs, PIT, PIT gate, PCI configuration.
static const struct {
    uint16_t base, count;
} kernel_ports[] = {{0x20, 2}, {0x40, 4}, {0x61, 1}, {0xa0, 2}, {0xcf8, 8}};

static int pci_offset_ok(uint64_t off, uint64_t width)
{
    return (width == 1 || width == 2 || width == 4) && off < 256 && (off & (width - 1)) == 0;
}

int sys_pci_read(struct sys_args *s)
{
    if (!pci_offset_ok(s->a[1], s->a[2]))
        return RW_EINVAL;
    struct device *d;
    int st = get(s->a[0], OBJ_PCI, RIGHT_READ, &d);
    if (st != RW_OK)
        return st;
    s->out = pci_config_read((uint32_t)d->base, (uint32_t)s->a[1], (uint32_t)s->a[2]);
    put(d);
    return RW_OK;
}

int sys_pci_write(struct sys_args *s)
{
    uint64_t off = s->a[1], width = s->a[2];
    if (!pci_offset_ok(off, width))
        return RW_EINVAL;
    // BARs and the ROM BAR are the kernel's: moving them could alias RAM
    if ((off < 0x28 && off + width > 0x10) || (off < 0x34 && off + width > 0x30))
        return RW_EPERM;
    struct device *d;
    int st = get(s->a[0], OBJ_PCI, RIGHT_WRITE, &d);
    if (st != RW_OK)
        return st;
    pci_config_write((uint32_t)d->base, (uint32_t)off, (uint32_t)width, (uint32_t)s->a[3]);
    put(d);
    return RW_OK;
}

int sys_pci_bar(struct sys_args *s)
{
    if (s->a[1] > 5)
        return RW_EINVAL;
    struct device *d;
    int st = get(s->a[0], OBJ_PCI, RIGHT_DERIVE, &d);
    if (st != RW_OK)
        return st;
    uint64_t base, size;
    int io;
    // sized at boot (pci_init): never with decoding off while drivers run
    st = pci_bar((uint32_t)d->base, (uint32_t)s->a[1], &base, &size, &io);
    put(d);
    if (st != RW_OK)
        return st;
    struct device *bar;
    if (io) {
        bar = device_create(OBJ_IOPORT, base, size);
        st = bar ? RW_OK : RW_ENOMEM;
    } else {
        st = device_mmio(base, PAGE_ALIGN_UP(size), &bar);
    }
    if (st != RW_OK)
        return st;
    return install(&bar->obj, RIGHT_READ | RIGHT_WRITE | RIGHT_DUP | RIGHT_GRANT, &s->out);
}

int sys_pci_msi(struct sys_args *s)
{
    if (s->a[1] >= CPU_MAX)
        return RW_EINVAL;
    struct device *d;
    int st = get(s->a[0], OBJ_PCI, RIGHT_DERIVE, &d);
    if (st != RW_OK)
        return st;
    put(d);
    struct irq *irq;
    st = irq_create_msi((uint32_t)s->a[1], &irq);
    if (st != RW_OK)
        return st;
    return install(&irq->obj, RIGHT_WAIT | RIGHT_DUP | RIGHT_GRANT, &s->out);
}

static int platform_check(uint64_t h)
{
    struct device *d;
    int st = get(h, OBJ_PLATFORM, RIGHT_DERIVE, &d);
    if (st == RW_OK)
        put(d);
    return st;
}

int sys_plat_irq(struct sys_args *s)
{
    if (s->a[1] > 0xff)
        return RW_EINVAL;
    int st = platform_check(s->a[0]);
    if (st != RW_OK)
        return st;
    struct irq *irq;
    st = irq_create_legacy((uint32_t)s->a[1], this_cpu()->id, &irq);
    if (st != RW_OK)
        return st;
    return install(&irq->obj, RIGHT_WAIT | RIGHT_DUP | RIGHT_GRANT, &s->out);
}

int sys_plat_ioport(struct sys_args *s)
{
    uint64_t base = s->a[1], count = s->a[2];
    if (count == 0 || base > 0xffff || count > 0x10000 - base)
        return RW_EINVAL;
    for (unsigned i = 0; i < sizeof(kernel_ports) / sizeof(kernel_ports[0]); i++) {
        if (base < kernel_ports[i].base + kernel_ports[i].count &&
            kernel_ports[i].base < base + count)
            return RW_EPERM;
    }
    int st = platform_check(s->a[0]);
    if (st != RW_OK)
        return st;
    struct device *d = device_create(OBJ_IOPORT, base, count);
    if (!d)
        return RW_ENOMEM;
    return install(&d->obj, RIGHT_READ | RIGHT_WRITE | RIGHT_DUP | RIGHT_GRANT, &s->out);
}

int sys_plat_mmio(struct sys_args *s)
{
    int st = platform_check(s->a[0]);
    if (st != RW_OK)
        return st;
    struct device *d;
    st = device_mmio(s->a[1], s->a[2], &d);
    if (st != RW_OK)
        return st;
    return install(&d->obj, RIGHT_READ | RIGHT_WRITE | RIGHT_DUP | RIGHT_GRANT, &s->out);
}

int sys_plat_pci(struct sys_args *s)
{
    if (s->a[1] > 0xffff)
        return RW_EINVAL;
    int st = platform_check(s->a[0]);
    if (st != RW_OK)
        return st;
    struct device *d;
    st = device_pci((uint32_t)s->a[1], &d);
    if (st != RW_OK)
        return st;
    uint32_t rights = RIGHT_READ | RIGHT_WRITE | RIGHT_DERIVE | RIGHT_DUP | RIGHT_GRANT;
    return install(&d->obj, rights, &s->out);
}
