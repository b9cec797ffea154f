// SPDX-License-Identifier: MIT
// State of one virtio-net driver instance (OpenBSD's _var.h: driver state,
// kept apart from the hardware layouts in virtio_reg.h) and the functions the
// driver's files share. One process drives one NIC; everything here is
// core-local to that process except what the comments mark as shared.
// Lock legend: none needed, one thread. [I] set at start-up, [d] device
// memory (MMIO), [s] shared memory: the netif region or the queue memory.
#ifndef RW_VNET_VAR_H
#define RW_VNET_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio-net/virtio_reg.h"
#include "drivers/virtio-net/virtq.h"
#include "lib/component.h"
#include "shm/netif.h"

#define VNET_QSIZE_DEFAULT 256u
#define VNET_VQ_STRIDE     0x8000u // each queue's slice of the queue region
#define VNET_BATCH         64u     // used entries / ring slots handled per round
#define VNET_RX_POST_OFF   (NETIF_DATA_OFF - (uint32_t)sizeof(struct virtio_net_hdr))
#define VNET_BAR_VA(b)     (0x5000000000ull + ((uint64_t)(b) << 32))
#define VNET_TX_FRAME_MAX  9022u      // without TSO: a jumbo frame with a VLAN tag
#define VNET_POLL_NS       1000000ull // without MSI-X: poll every millisecond

struct vnet_queue {
    struct virtq vq;
    uint16_t index;            // [I] virtqueue number
    volatile uint16_t *notify; // [d] where to write index to notify
    uint64_t bit;              // [I] notification bit of its interrupt, 0 = none
    uint16_t vector;           // [I] MSI-X table entry, VIRTIO_MSI_NO_VECTOR = none
    void *mem;                 // [s] ring memory
    uint64_t phys;             // [I]
};

// A received frame being assembled from several buffers (MRG_RXBUF).
struct vnet_rx_frame {
    uint32_t want; // buffers the device said it spans; 0 = none open
    uint32_t have;
    uint32_t total; // data bytes so far
    bool drop;
    struct virtio_net_hdr vh; // private copy of the first buffer's device header
    struct ring_desc d[NETIF_MAX_SEGS];
};

// Another NIC's pool this driver transmits from (forwarding, shm/netif.h),
// found by region number on first use.
#define VNET_MAX_POOLS 7
struct vnet_pool {
    uint32_t id;             // [I] comp_region.id, 0 = slot unused
    uint64_t phys;           // [I] physical address of the pool
    struct pool_handle pool; // [I]
    uint8_t *held;           // [s] persist->held[slot]
};

// What a restarted driver must know to give other NICs' buffers back: which
// pool each slot named and which of its buffers the device held. It lives in
// the driver-only queue region after the two queues (VNET_PERSIST_OFF), which
// outlives the process; with a queue region too small for it, it is private
// and those buffers are lost if the driver dies (their pool runs short).
#define VNET_PERSIST_MAGIC 0x76706f6f6c730001ull // "vpools", version 1
#define VNET_PERSIST_OFF   (2 * VNET_VQ_STRIDE)
struct vnet_persist {
    uint64_t magic;
    uint32_t id[VNET_MAX_POOLS];
    uint32_t reserved;
    uint8_t held[VNET_MAX_POOLS][NETIF_MAX_BUFS];
};

// Virtqueue tokens of transmitted buffers: pool slot (0 = ours) and index.
#define VNET_TOKEN(slot, idx) ((slot)*NETIF_MAX_BUFS + (idx))

struct vnet {
    const struct comp_info *ci;        // [I]
    const struct comp_channel *client; // [I] OUT channel to the client
    // device
    uint32_t pci;                                  // [I] PCI device handle
    uint32_t bdf, devid;                           // [I]
    volatile struct virtio_pci_common_cfg *common; // [d]
    volatile uint8_t *devcfg;                      // [d]
    volatile uint8_t *notify_base;                 // [d]
    uint32_t notify_len, notify_mult;              // [I]
    uint32_t msix_cap;                             // [I] config offset of MSI-X, 0 = none
    volatile struct msix_entry *msix;              // [d] its table
    uint32_t msix_count;                           // [I]
    uint16_t cfg_vector;                           // [I] MSI-X entry for config changes
    uint32_t bars_mapped;                          // [I] bit per mapped BAR
    uint64_t cfg_bit, poll_bit;                    // [I] config interrupt bit / poll timer bit
    uint64_t features;                             // negotiated
    uint32_t qsize_max;                            // [I] from args
    struct vnet_queue rxq, txq;
    bool need_reset;                // the device broke the protocol
    volatile bool inject_bad_desc;  // console fault: give the client a bad descriptor
    bool rx_published, tx_returned; // produced on rx.active / tx.free this round
    // the region shared with the client
    struct netif nif;
    uint64_t pool_phys; // [I]
    uint32_t region_id; // [I] our region's configuration number
    struct vnet_pool pools[VNET_MAX_POOLS];
    struct vnet_persist *persist;   // [s] queue region, or persist_private
    uint8_t *vq_mem;                // [I] queue region (driver only)
    uint64_t vq_phys;               // [I]
    uint32_t spare[NETIF_MAX_BUFS]; // held empty buffers not posted to the device
    uint32_t nspare;
    struct vnet_rx_frame rxf;
    struct netif_drv_counters cnt; // private; copied to nif.drv (never read back)
};

// vnet_pci.c: PCI capabilities, BARs, MSI-X.
int vnet_pci_probe(struct vnet *v);
int vnet_msix_setup(struct vnet *v);
// vnet_dev.c: device status protocol, features, queues, link.
int vnet_dev_reset(struct vnet *v);
int vnet_dev_init(struct vnet *v);
// Re-reads status and link after a configuration interrupt; true if either
// changed (the caller tells the client).
bool vnet_dev_config_changed(struct vnet *v);
void vnet_kick(struct vnet *v, struct vnet_queue *q);
// vnet_rx.c / vnet_tx.c: the data paths; each returns the work it did.
uint32_t vnet_rx_refill(struct vnet *v);
uint32_t vnet_rx_reap(struct vnet *v);
void vnet_rx_spare(struct vnet *v, uint32_t idx);
void vnet_rx_drop_partial(struct vnet *v);
uint32_t vnet_tx_push(struct vnet *v);
uint32_t vnet_tx_reap(struct vnet *v);
void vnet_tx_return(struct vnet *v, const uint32_t *idx, uint32_t n);
int vnet_pool_slot(struct vnet *v, uint32_t id);
uint64_t vnet_tx_pools(const struct vnet *v);
void vnet_pools_reclaim(struct vnet *v);

static inline uint64_t vnet_buf_off(uint32_t idx)
{
    return (uint64_t)idx * NETIF_BUF_SIZE;
}

#endif
