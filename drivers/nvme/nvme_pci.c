// SPDX-License-Identifier: MIT
// The PCI side of an NVMe controller: check the class code, map BAR0 (the
// controller registers and doorbells), enable memory decoding and bus
// mastering, and route one MSI-X vector per completion queue to a bit of the
// driver's notification: entry 0 for the admin queue, entry 1 + i for I/O
// queue pair i (shared when the table is short). Not here: the controller protocol
// (nvme_ctrl.c). Configuration space comes from the device: the table BAR and
// offset are range-checked before use.
#include "drivers/nvme/nvme_var.h"
#include "lib/comp.h"
#include "lib/rw.h"

static uint32_t cfg_read(struct nvme *n, uint32_t off, int width)
{
    uint32_t x = 0;
    if (rw_pci_read(n->pci, off, width, &x) != RW_OK)
        return 0xffffffff;
    return x;
}

// Maps BAR b (once) and returns its address, or NULL.
static volatile uint8_t *bar_map(struct nvme *n, uint32_t b)
{
    if (b > 5)
        return 0;
    if (!(n->bars_mapped & (1u << b))) {
        uint32_t h = 0;
        if (rw_pci_bar(n->pci, b, &h) != RW_OK)
            return 0;
        int s =
            rw_map(HANDLE_SELF_PROC, h, NVME_BAR_VA + ((uint64_t)b << 32), PROT_READ | PROT_WRITE);
        rw_close(h); // the mapping keeps the device window
        if (s != RW_OK)
            return 0;
        n->bars_mapped |= 1u << b;
    }
    return (volatile uint8_t *)(NVME_BAR_VA + ((uint64_t)b << 32));
}

static void find_msix(struct nvme *n)
{
    if (!(cfg_read(n, 0x06, 2) & 0x10)) // status: capability list present
        return;
    uint32_t p = cfg_read(n, PCI_CAP_PTR, 1) & 0xfc;
    for (int i = 0; i < 48 && p >= 0x40 && p < 0x100; i++) {
        uint32_t hdr = cfg_read(n, p, 4);
        if ((hdr & 0xff) == PCI_CAP_ID_MSIX) {
            n->msix_cap = p;
            return;
        }
        p = (hdr >> 8) & 0xfc;
    }
}

int nvme_pci_probe(struct nvme *n)
{
    n->devid = cfg_read(n, 0, 4);
    if ((cfg_read(n, 0x08, 4) >> 8) != NVME_PCI_CLASS)
        return RW_ENOENT;
    n->regs = bar_map(n, 0);
    if (!n->regs)
        return RW_ENOENT;
    find_msix(n);
    uint32_t cmd = cfg_read(n, PCI_COMMAND, 2);
    cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;
    return rw_pci_write(n->pci, PCI_COMMAND, 2, cmd);
}

// Entry e of the table: an MSI from the kernel, bound to a fresh bit.
static int vector_setup(struct nvme *n, uint32_t e, uint64_t *bit, uint64_t taken)
{
    return comp_msix_vector(n->ci, n->pci, (volatile uint32_t *)&n->msix[e], bit, taken);
}

static int msix_table(struct nvme *n)
{
    if (!n->msix_cap)
        return RW_ENOENT;
    uint32_t ctrl = cfg_read(n, n->msix_cap + MSIX_CTRL, 2);
    uint32_t tbl = cfg_read(n, n->msix_cap + MSIX_TABLE, 4);
    volatile uint8_t *base = bar_map(n, tbl & 7);
    if (!base || (tbl & ~7u) > 0x100000)
        return RW_ENOENT;
    n->msix = (volatile struct nvme_msix_entry *)(base + (tbl & ~7u));
    n->msix_count = MSIX_CTRL_SIZE(ctrl);
    for (uint32_t i = 0; i < n->msix_count; i++)
        n->msix[i].ctrl = MSIX_ENTRY_CTRL_MASK;
    return rw_pci_write(n->pci, n->msix_cap + MSIX_CTRL, 2,
                        (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
}

int nvme_msix_setup(struct nvme *n)
{
    int s = msix_table(n);
    if (s != RW_OK)
        return s;
    uint64_t taken = n->tick_bit;
    s = vector_setup(n, 0, &n->aq.bit, taken);
    taken |= n->aq.bit;
    n->aq.vector = 0;
    for (uint32_t i = 0; s == RW_OK && i < n->nq; i++) {
        struct nvme_queue *q = &n->ioq[i].q;
        q->vector = (uint16_t)(i + 1 < n->msix_count ? i + 1 : n->msix_count - 1);
        if (q->vector == 0) {
            q->bit = n->aq.bit;
            continue;
        }
        s = vector_setup(n, q->vector, &q->bit, taken);
        taken |= q->bit;
    }
    return s;
}
