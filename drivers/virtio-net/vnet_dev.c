// SPDX-License-Identifier: MIT
// The virtio device protocol of one virtio-net device (virtio 1.1, "Device
// Initialization"): reset, ACKNOWLEDGE, DRIVER, feature negotiation,
// FEATURES_OK, the receive and transmit queues with their MSI-X vectors,
// DRIVER_OK; then the device configuration (MAC, link) published in the netif
// header, configuration-change handling and queue notification. Not here: PCI
// capability parsing and MSI-X (vnet_pci.c), the data paths (vnet_rx/tx.c).
#include <stdatomic.h>

#include "drivers/virtio-net/vnet_hdr.h"
#include "drivers/virtio-net/vnet_var.h"
#include "lib/rw.h"

#define SEC 1000000000ull

// 64-bit registers as two 32-bit writes, low half first, as the spec allows.
static void mmio_w64(volatile uint64_t *p, uint64_t val)
{
    volatile uint32_t *h = (volatile uint32_t *)p;
    h[0] = (uint32_t)val;
    h[1] = (uint32_t)(val >> 32);
}

static void status_or(struct vnet *v, uint8_t bits)
{
    v->common->device_status = (uint8_t)(v->common->device_status | bits);
}

int vnet_dev_reset(struct vnet *v)
{
    v->common->device_status = 0;
    uint64_t t0 = rw_now_ns();
    while (v->common->device_status != 0) { // the reset is done when 0 reads back
        if (rw_now_ns() - t0 > SEC)
            return RW_ETIMEDOUT;
        rw_yield();
    }
    return RW_OK;
}

static uint64_t features_read(struct vnet *v)
{
    v->common->device_feature_select = 0;
    uint64_t lo = v->common->device_feature;
    v->common->device_feature_select = 1;
    return lo | (uint64_t)v->common->device_feature << 32;
}

static void features_write(struct vnet *v, uint64_t f)
{
    v->common->driver_feature_select = 0;
    v->common->driver_feature = (uint32_t)f;
    v->common->driver_feature_select = 1;
    v->common->driver_feature = (uint32_t)(f >> 32);
}

static int negotiate(struct vnet *v)
{
    uint64_t offered = features_read(v);
    v->features = vnet_features(offered);
    if (!(v->features & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
        rw_printf("%s: device offers no VIRTIO_F_VERSION_1 (features %lx)\n", v->ci->name,
                  (unsigned long)offered);
        return RW_EINVAL;
    }
    features_write(v, v->features);
    status_or(v, VIRTIO_STATUS_FEATURES_OK);
    if (!(v->common->device_status & VIRTIO_STATUS_FEATURES_OK))
        return RW_EINVAL; // the device refused our subset
    return RW_OK;
}

// Sets up queue `index` in its slice of the queue region.
static int queue_setup(struct vnet *v, struct vnet_queue *q, uint16_t index, uint32_t slice)
{
    volatile struct virtio_pci_common_cfg *c = v->common;
    c->queue_select = index;
    uint32_t max = c->queue_size, size = 1;
    while (size * 2 <= max && size * 2 <= v->qsize_max)
        size *= 2;
    struct virtq_layout l;
    if (max == 0 || !virtq_layout(size, &l) || l.bytes > VNET_VQ_STRIDE)
        return RW_ENOENT;
    q->index = index;
    q->mem = v->vq_mem + slice;
    q->phys = v->vq_phys + slice;
    virtq_init(&q->vq, q->mem, size, (v->features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)) != 0);
    c->queue_size = (uint16_t)size;
    c->queue_msix_vector = q->vector;
    if (c->queue_msix_vector != q->vector)
        return RW_EBUSY; // the device has no such vector
    mmio_w64(&c->queue_desc, q->phys + l.desc_off);
    mmio_w64(&c->queue_driver, q->phys + l.avail_off);
    mmio_w64(&c->queue_device, q->phys + l.used_off);
    uint64_t off = (uint64_t)c->queue_notify_off * v->notify_mult;
    if (off + 2 > v->notify_len)
        return RW_EINVAL;
    q->notify = (volatile uint16_t *)(v->notify_base + off);
    c->queue_enable = 1;
    return RW_OK;
}

// MAC and status, re-read until config_generation is stable.
static void read_config(struct vnet *v, uint8_t mac[6], uint16_t *status)
{
    for (int tries = 0; tries < 16; tries++) {
        uint8_t gen = v->common->config_generation;
        for (int i = 0; i < 6; i++)
            mac[i] = v->devcfg[VIRTIO_NET_CFG_MAC + i];
        *status = *(volatile uint16_t *)(v->devcfg + VIRTIO_NET_CFG_STATUS);
        if (gen == v->common->config_generation)
            return;
    }
}

// Stores the carrier state; true if it changed.
static bool link_publish(struct vnet *v, uint16_t status)
{
    uint32_t up =
        !(v->features & VIRTIO_BIT(VIRTIO_NET_F_STATUS)) || (status & VIRTIO_NET_S_LINK_UP);
    return atomic_exchange_explicit(&v->nif.hdr->link_up, up, memory_order_relaxed) != up;
}

// Fills the header's device fields, then flips drv_state to UP (release:
// a client that acquires UP sees the MAC, MTU and caps).
static void state_publish(struct vnet *v)
{
    struct netif_header *h = v->nif.hdr;
    uint8_t mac[6] = {0x02, 0x52, 0x57, 0, (uint8_t)(v->bdf >> 8), (uint8_t)v->bdf};
    uint16_t status = 0;
    uint8_t dev_mac[6];
    read_config(v, dev_mac, &status);
    for (int i = 0; i < 6 && (v->features & VIRTIO_BIT(VIRTIO_NET_F_MAC)); i++)
        mac[i] = dev_mac[i];
    for (int i = 0; i < 6; i++)
        h->mac[i] = mac[i];
    h->mtu = 1500;
    h->caps = vnet_caps(v->features);
    atomic_store_explicit(&h->tx_pools, vnet_tx_pools(v), memory_order_relaxed);
    link_publish(v, status);
    atomic_fetch_add_explicit(&h->drv_restarts, 1, memory_order_relaxed);
    atomic_store_explicit(&h->drv_state, NETIF_DRV_UP, memory_order_release);
}

static int queues_setup(struct vnet *v)
{
    int s = queue_setup(v, &v->rxq, VIRTIO_NET_RXQ, 0);
    if (s == RW_OK)
        s = queue_setup(v, &v->txq, VIRTIO_NET_TXQ, VNET_VQ_STRIDE);
    if (s == RW_OK) {
        v->common->config_msix_vector = v->cfg_vector;
        if (v->common->config_msix_vector != v->cfg_vector)
            v->cfg_bit = 0; // no config interrupts: link changes seen on polls only
    }
    return s;
}

int vnet_dev_init(struct vnet *v)
{
    atomic_store_explicit(&v->nif.hdr->drv_state, NETIF_DRV_DOWN, memory_order_release);
    int s = vnet_dev_reset(v);
    if (s != RW_OK)
        return s;
    status_or(v, VIRTIO_STATUS_ACKNOWLEDGE);
    status_or(v, VIRTIO_STATUS_DRIVER);
    s = negotiate(v);
    if (s == RW_OK)
        s = queues_setup(v);
    if (s != RW_OK) {
        status_or(v, VIRTIO_STATUS_FAILED);
        return s;
    }
    status_or(v, VIRTIO_STATUS_DRIVER_OK);
    state_publish(v);
    return RW_OK;
}

bool vnet_dev_config_changed(struct vnet *v)
{
    if (v->common->device_status & VIRTIO_STATUS_NEEDS_RESET) {
        v->need_reset = true;
        return true;
    }
    uint8_t mac[6];
    uint16_t status = 0;
    read_config(v, mac, &status);
    return link_publish(v, status);
}

void vnet_kick(struct vnet *v, struct vnet_queue *q)
{
    *q->notify = q->index;
    v->cnt.kicks++;
}
