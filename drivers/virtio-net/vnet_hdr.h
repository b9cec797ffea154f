// SPDX-License-Identifier: MIT
// Translation between the virtio net header (what the device reads and
// writes) and the netif buffer header and descriptor flags (what the client
// sees, shm/netif.h), with every offset checked against the frame length, and
// the software checksum used when the device cannot do it. Pure functions:
// no device access, no shared-ring access; the host unit tests compile it.
#ifndef RW_VNET_HDR_H
#define RW_VNET_HDR_H

#include <stdint.h>

#include "drivers/virtio-net/virtio_reg.h"
#include "shm/netif.h"

// The features this driver can use (vnet_features() drops what cannot be used).
#define VNET_WANTED                                                                                \
    (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |                               \
     VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |                        \
     VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |                         \
     VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |                    \
     VIRTIO_BIT(VIRTIO_F_EVENT_IDX))

enum vnet_hdr_result {
    VNET_HDR_OK = 0,
    VNET_HDR_BAD,    // malformed or not negotiated: drop the frame, count it
    VNET_HDR_SWCSUM, // transmit: the caller must compute the checksum itself
};

// The subset of `offered` this driver negotiates: what it wants, minus what
// the spec forbids without its prerequisite, and minus GUEST_TSO4 without
// MRG_RXBUF (this driver never posts 64 KiB receive buffers).
uint64_t vnet_features(uint64_t offered);
// The NETIF_CAP_* offloads a client may use with these negotiated features.
uint32_t vnet_caps(uint64_t features);
// Receive: device header of a frame of frame_len bytes -> netif header fields
// and RING_F_* flags. VNET_HDR_BAD for offsets outside the frame or a GSO kind
// that was not negotiated.
int vnet_hdr_rx(const struct virtio_net_hdr *vh, uint32_t frame_len, uint64_t features,
                struct netif_buf_hdr *nh, uint32_t *flags);
// Transmit: the client's netif header and flags of a frame of frame_len bytes
// -> the device header.
int vnet_hdr_tx(const struct netif_buf_hdr *nh, uint32_t flags, uint32_t frame_len,
                uint64_t features, struct virtio_net_hdr *vh);
// Stores the ones' complement sum of frame[start..len) at frame[start + off],
// adding the 16-bit value already there (the pseudo-header sum, or 0).
void vnet_sw_csum(uint8_t *frame, uint32_t len, uint16_t start, uint16_t off);

#endif
