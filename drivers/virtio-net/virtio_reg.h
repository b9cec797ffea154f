// SPDX-License-Identifier: MIT
// Hardware layouts of a virtio 1.x network device on PCI (OASIS virtio 1.1:
// "Virtio Over PCI Bus", "Split Virtqueues", "Network Device"): PCI vendor
// capabilities, the common configuration block, split-ring descriptors and
// rings, the net header and the feature and status bits. Layouts only, with
// size and offset checks; no state and no code (that is vnet_var.h and the
// .c files). Virtio 1.x is little-endian, as is x86-64: no byte swapping.
#ifndef RW_VIRTIO_REG_H
#define RW_VIRTIO_REG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

// ---- PCI ---------------------------------------------------------------------
#define VIRTIO_PCI_VENDOR           0x1af4
#define VIRTIO_PCI_NET_MODERN       0x1041 // 0x1040 + device type 1
#define VIRTIO_PCI_NET_TRANSITIONAL 0x1000
#define PCI_CAP_PTR                 0x34
#define PCI_CAP_ID_MSIX             0x11
#define PCI_CAP_ID_VENDOR           0x09
#define PCI_COMMAND                 0x04
#define PCI_COMMAND_MEMORY          (1u << 1)
#define PCI_COMMAND_MASTER          (1u << 2)
#define PCI_COMMAND_INTX_DISABLE    (1u << 10)

// Vendor capability cfg_type values.
enum virtio_pci_cap_type {
    VIRTIO_PCI_CAP_COMMON = 1,
    VIRTIO_PCI_CAP_NOTIFY = 2,
    VIRTIO_PCI_CAP_ISR = 3,
    VIRTIO_PCI_CAP_DEVICE = 4,
    VIRTIO_PCI_CAP_PCI_CFG = 5,
};

// struct virtio_pci_cap in PCI configuration space; the notify capability
// appends a 32-bit notify_off_multiplier.
struct virtio_pci_cap {
    uint8_t cap_vndr; // PCI_CAP_ID_VENDOR
    uint8_t cap_next;
    uint8_t cap_len;
    uint8_t cfg_type; // enum virtio_pci_cap_type
    uint8_t bar;
    uint8_t id;
    uint8_t padding[2];
    uint32_t offset; // within the BAR
    uint32_t length;
};
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");
_Static_assert(offsetof(struct virtio_pci_cap, offset) == 8, "virtio_pci_cap layout");
#define VIRTIO_PCI_NOTIFY_MULT_OFF 16 // notify cap: multiplier after the generic part

// MSI-X capability and table (PCI Local Bus 3.0).
#define MSIX_CTRL            2 // message control, 16 bits
#define MSIX_CTRL_ENABLE     (1u << 15)
#define MSIX_CTRL_MASKALL    (1u << 14)
#define MSIX_CTRL_SIZE(c)    (((c)&0x7ffu) + 1)
#define MSIX_TABLE           4 // table offset | BIR (low 3 bits)
#define MSIX_ENTRY_CTRL_MASK 1u
struct msix_entry {
    uint32_t addr_lo;
    uint32_t addr_hi;
    uint32_t data;
    uint32_t ctrl;
};
_Static_assert(sizeof(struct msix_entry) == 16, "msix_entry");

// ---- common configuration (BAR window named by VIRTIO_PCI_CAP_COMMON) -------------
struct virtio_pci_common_cfg {
    uint32_t device_feature_select; // rw
    uint32_t device_feature;        // ro, 32 bits chosen by the select
    uint32_t driver_feature_select; // rw
    uint32_t driver_feature;        // rw
    uint16_t config_msix_vector;    // rw
    uint16_t num_queues;            // ro
    uint8_t device_status;          // rw
    uint8_t config_generation;      // ro
    // about the queue named by queue_select
    uint16_t queue_select;      // rw
    uint16_t queue_size;        // rw: the device's maximum, may be lowered
    uint16_t queue_msix_vector; // rw
    uint16_t queue_enable;      // rw
    uint16_t queue_notify_off;  // ro
    uint64_t queue_desc;        // rw: physical address of the descriptor table
    uint64_t queue_driver;      // rw: available ring
    uint64_t queue_device;      // rw: used ring
};
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56, "virtio_pci_common_cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, config_msix_vector) == 0x10, "common cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "common cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "common cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 0x1e, "common cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc) == 0x20, "common cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_device) == 0x30, "common cfg");
#define VIRTIO_MSI_NO_VECTOR 0xffff

// Device status bits.
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED      128u

// Feature bits: network device (0-23) and transport/ring (24-).
#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU        3
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_HOST_TSO4  11
#define VIRTIO_NET_F_MRG_RXBUF  15
#define VIRTIO_NET_F_STATUS     16
#define VIRTIO_NET_F_CTRL_VQ    17
#define VIRTIO_NET_F_MQ         22
#define VIRTIO_F_INDIRECT_DESC  28
#define VIRTIO_F_EVENT_IDX      29
#define VIRTIO_F_VERSION_1      32
#define VIRTIO_F_RING_PACKED    34
#define VIRTIO_BIT(f)           (1ull << (f))

// ---- split virtqueue ---------------------------------------------------------------
#define VIRTQ_DESC_F_NEXT     1u
#define VIRTQ_DESC_F_WRITE    2u // device writes (otherwise device reads)
#define VIRTQ_DESC_F_INDIRECT 4u

struct virtq_desc {
    uint64_t addr; // physical
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is read by the device");
_Static_assert(offsetof(struct virtq_desc, flags) == 12, "virtq_desc layout");

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
// Driver area: written by the driver. used_event follows ring[size].
struct virtq_avail {
    _Atomic uint16_t flags;
    _Atomic uint16_t idx;
    uint16_t ring[]; // [size], then _Atomic uint16_t used_event
};
_Static_assert(sizeof(struct virtq_avail) == 4, "virtq_avail");
_Static_assert(sizeof(_Atomic uint16_t) == 2, "atomic u16 must be a plain u16");

#define VIRTQ_USED_F_NO_NOTIFY 1u
struct virtq_used_elem {
    uint32_t id;  // head of the chain
    uint32_t len; // bytes the device wrote into the chain
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem");

// Device area: written by the device. avail_event follows ring[size].
struct virtq_used {
    _Atomic uint16_t flags;
    _Atomic uint16_t idx;
    struct virtq_used_elem ring[]; // [size], then _Atomic uint16_t avail_event
};
_Static_assert(sizeof(struct virtq_used) == 4, "virtq_used");
_Static_assert(offsetof(struct virtq_used, ring) == 4, "virtq_used layout");

// ---- network device ----------------------------------------------------------------
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_F_DATA_VALID 2u
#define VIRTIO_NET_HDR_GSO_NONE     0u
#define VIRTIO_NET_HDR_GSO_TCPV4    1u
#define VIRTIO_NET_HDR_GSO_UDP      3u
#define VIRTIO_NET_HDR_GSO_TCPV6    4u
#define VIRTIO_NET_HDR_GSO_ECN      0x80u

// The header in front of every frame (VERSION_1: always with num_buffers).
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers; // receive with MRG_RXBUF: buffers this frame spans
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr");
_Static_assert(offsetof(struct virtio_net_hdr, num_buffers) == 10, "virtio_net_hdr layout");

// Device configuration (BAR window named by VIRTIO_PCI_CAP_DEVICE).
#define VIRTIO_NET_CFG_MAC    0  // 6 bytes, with VIRTIO_NET_F_MAC
#define VIRTIO_NET_CFG_STATUS 6  // 16 bits, with VIRTIO_NET_F_STATUS
#define VIRTIO_NET_CFG_MTU    10 // 16 bits, with VIRTIO_NET_F_MTU
#define VIRTIO_NET_S_LINK_UP  1u
#define VIRTIO_NET_RXQ        0 // queue numbers without multiqueue
#define VIRTIO_NET_TXQ        1

#endif
