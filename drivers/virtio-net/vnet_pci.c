// SPDX-License-Identifier: MIT
// The PCI side of a modern virtio-net device: identify it, walk its
// capability list for the virtio configuration windows (common, notify,
// device) and MSI-X, map the BARs they live in, and route one MSI-X vector per
// virtqueue (plus one for configuration changes) to a bit of the driver's
// notification. Not here: the virtio status protocol and queues (vnet_dev.c).
// Configuration space comes from the device: every pointer and BAR number is
// range-checked before use.
#include "drivers/virtio-net/vnet_var.h"
#include "lib/comp.h"
#include "lib/rw.h"

static uint32_t cfg_read(struct vnet *v, uint32_t off, int width)
{
    uint32_t x = 0;
    if (rw_pci_read(v->pci, off, width, &x) != RW_OK)
        return 0xffffffff;
    return x;
}

// Maps BAR b (once) and returns its address, or NULL.
static volatile uint8_t *bar_map(struct vnet *v, uint32_t b)
{
    if (b > 5)
        return 0;
    if (!(v->bars_mapped & (1u << b))) {
        uint32_t h = 0;
        if (rw_pci_bar(v->pci, b, &h) != RW_OK)
            return 0;
        int s = rw_map(HANDLE_SELF_PROC, h, VNET_BAR_VA(b), PROT_READ | PROT_WRITE);
        rw_close(h); // the mapping keeps the device window
        if (s != RW_OK)
            return 0;
        v->bars_mapped |= 1u << b;
    }
    return (volatile uint8_t *)VNET_BAR_VA(b);
}

struct vnet_caps {
    uint32_t at[6]; // config offset of the first capability of each cfg_type
};

// Records the first vendor capability of each kind and the MSI-X capability.
static void walk_caps(struct vnet *v, struct vnet_caps *c)
{
    if (!(cfg_read(v, 0x06, 2) & 0x10)) // status: capability list present
        return;
    uint32_t p = cfg_read(v, PCI_CAP_PTR, 1) & 0xfc;
    for (int i = 0; i < 48 && p >= 0x40 && p < 0x100; i++) {
        uint32_t hdr = cfg_read(v, p, 4);
        uint32_t id = hdr & 0xff, type = (hdr >> 24) & 0xff;
        if (id == PCI_CAP_ID_MSIX && !v->msix_cap)
            v->msix_cap = p;
        if (id == PCI_CAP_ID_VENDOR && type >= 1 && type <= 5 && !c->at[type] && p <= 0xf0)
            c->at[type] = p;
        p = (hdr >> 8) & 0xfc;
    }
}

// The window a vendor capability describes, mapped; NULL if unusable.
static volatile uint8_t *cap_window(struct vnet *v, uint32_t cap, uint32_t min_len, uint32_t *len)
{
    if (!cap)
        return 0;
    uint32_t bar = cfg_read(v, cap + 4, 1), off = cfg_read(v, cap + 8, 4);
    *len = cfg_read(v, cap + 12, 4);
    if (*len < min_len || off > 0xffffffffu - *len)
        return 0;
    volatile uint8_t *base = bar_map(v, bar);
    return base ? base + off : 0;
}

static bool is_virtio_net(struct vnet *v)
{
    uint32_t id = cfg_read(v, 0, 4);
    v->devid = id;
    if ((id & 0xffff) != VIRTIO_PCI_VENDOR)
        return false;
    if (id >> 16 == VIRTIO_PCI_NET_MODERN)
        return true;
    // transitional: usable only through its modern capabilities (checked later)
    return id >> 16 == VIRTIO_PCI_NET_TRANSITIONAL && cfg_read(v, 0x2e, 2) == 1;
}

int vnet_pci_probe(struct vnet *v)
{
    if (!is_virtio_net(v))
        return RW_ENOENT;
    struct vnet_caps c = {{0}};
    walk_caps(v, &c);
    uint32_t len = 0;
    v->common = (volatile struct virtio_pci_common_cfg *)cap_window(
        v, c.at[VIRTIO_PCI_CAP_COMMON], sizeof(struct virtio_pci_common_cfg), &len);
    v->devcfg = cap_window(v, c.at[VIRTIO_PCI_CAP_DEVICE], 8, &len);
    v->notify_base = cap_window(v, c.at[VIRTIO_PCI_CAP_NOTIFY], 2, &v->notify_len);
    if (!v->common || !v->devcfg || !v->notify_base)
        return RW_ENOENT; // a legacy-only device: not supported
    v->notify_mult = cfg_read(v, c.at[VIRTIO_PCI_CAP_NOTIFY] + VIRTIO_PCI_NOTIFY_MULT_OFF, 4);
    uint32_t cmd = cfg_read(v, PCI_COMMAND, 2);
    cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;
    return rw_pci_write(v->pci, PCI_COMMAND, 2, cmd);
}

// Entry e of the table: an MSI from the kernel, bound to a fresh bit.
static int vector_setup(struct vnet *v, uint32_t e, uint64_t *bit, uint64_t taken)
{
    return comp_msix_vector(v->ci, v->pci, (volatile uint32_t *)&v->msix[e], bit, taken);
}

// Maps the MSI-X table and enables MSI-X with every vector masked.
static int msix_table(struct vnet *v)
{
    if (!v->msix_cap)
        return RW_ENOENT;
    uint32_t ctrl = cfg_read(v, v->msix_cap + MSIX_CTRL, 2);
    uint32_t tbl = cfg_read(v, v->msix_cap + MSIX_TABLE, 4);
    volatile uint8_t *base = bar_map(v, tbl & 7);
    if (!base)
        return RW_ENOENT;
    v->msix = (volatile struct msix_entry *)(base + (tbl & ~7u));
    v->msix_count = MSIX_CTRL_SIZE(ctrl);
    for (uint32_t i = 0; i < v->msix_count; i++)
        v->msix[i].ctrl = MSIX_ENTRY_CTRL_MASK;
    return rw_pci_write(v->pci, v->msix_cap + MSIX_CTRL, 2,
                        (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
}

int vnet_msix_setup(struct vnet *v)
{
    v->rxq.vector = v->txq.vector = v->cfg_vector = VIRTIO_MSI_NO_VECTOR;
    int s = msix_table(v);
    if (s != RW_OK)
        return s;
    uint32_t last = v->msix_count - 1;
    uint16_t rx = 0, tx = last < 1 ? last : 1, cfg = last < 2 ? last : 2;
    s = vector_setup(v, rx, &v->rxq.bit, 0);
    v->txq.bit = v->cfg_bit = v->rxq.bit; // shared when the table is short
    if (s == RW_OK && tx != rx)
        s = vector_setup(v, tx, &v->txq.bit, v->rxq.bit);
    v->cfg_bit = v->txq.bit;
    if (s == RW_OK && cfg != tx)
        s = vector_setup(v, cfg, &v->cfg_bit, v->rxq.bit | v->txq.bit);
    if (s != RW_OK)
        return s;
    v->rxq.vector = rx;
    v->txq.vector = tx;
    v->cfg_vector = cfg;
    return RW_OK;
}
