// SPDX-License-Identifier: MIT
// Virtio net header <-> netif header translation (see vnet_hdr.h).
#include "drivers/virtio-net/vnet_hdr.h"

static int csum_fields_ok(uint32_t start, uint32_t off, uint32_t frame_len)
{
    return start + off + 2 <= frame_len;
}

int vnet_hdr_rx(const struct virtio_net_hdr *vh, uint32_t frame_len, uint64_t features,
                struct netif_buf_hdr *nh, uint32_t *flags)
{
    *flags = 0;
    nh->csum_start = nh->csum_offset = nh->gso_size = nh->hdr_len = 0;
    if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        if (!csum_fields_ok(vh->csum_start, vh->csum_offset, frame_len))
            return VNET_HDR_BAD;
        *flags |= RING_F_CSUM_NEEDED;
        nh->csum_start = vh->csum_start;
        nh->csum_offset = vh->csum_offset;
    }
    if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID)
        *flags |= RING_F_CSUM_VALID;
    if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE)
        return VNET_HDR_OK;
    if (vh->gso_type != VIRTIO_NET_HDR_GSO_TCPV4 ||
        !(features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4)) || vh->gso_size == 0 ||
        vh->hdr_len > frame_len)
        return VNET_HDR_BAD;
    *flags |= RING_F_TSO4;
    nh->gso_size = vh->gso_size;
    nh->hdr_len = vh->hdr_len;
    return VNET_HDR_OK;
}

int vnet_hdr_tx(const struct netif_buf_hdr *nh, uint32_t flags, uint32_t frame_len,
                uint64_t features, struct virtio_net_hdr *vh)
{
    *vh = (struct virtio_net_hdr){0};
    int result = VNET_HDR_OK;
    if (flags & RING_F_CSUM_NEEDED) {
        if (!csum_fields_ok(nh->csum_start, nh->csum_offset, frame_len))
            return VNET_HDR_BAD;
        if (features & VIRTIO_BIT(VIRTIO_NET_F_CSUM)) {
            vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
            vh->csum_start = nh->csum_start;
            vh->csum_offset = nh->csum_offset;
        } else {
            result = VNET_HDR_SWCSUM;
        }
    }
    if (!(flags & RING_F_TSO4))
        return result;
    if (!(features & VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4)) || !(flags & RING_F_CSUM_NEEDED) ||
        nh->gso_size == 0 || nh->hdr_len == 0 || nh->hdr_len > frame_len)
        return VNET_HDR_BAD;
    vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    vh->gso_size = nh->gso_size;
    vh->hdr_len = nh->hdr_len;
    return VNET_HDR_OK;
}

void vnet_sw_csum(uint8_t *frame, uint32_t len, uint16_t start, uint16_t off)
{
    uint32_t at = (uint32_t)start + off;
    uint64_t sum = (uint32_t)frame[at] << 8 | frame[at + 1];
    frame[at] = frame[at + 1] = 0;
    uint32_t i = start;
    for (; i + 1 < len; i += 2)
        sum += (uint32_t)frame[i] << 8 | frame[i + 1];
    if (i < len)
        sum += (uint32_t)frame[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    if (c == 0)
        c = 0xffff; // as Linux does: a UDP sum of 0 would mean "none"
    frame[at] = (uint8_t)(c >> 8);
    frame[at + 1] = (uint8_t)c;
}

uint64_t vnet_features(uint64_t offered)
{
    uint64_t f = offered & VNET_WANTED;
    if (!(f & VIRTIO_BIT(VIRTIO_NET_F_CSUM)))
        f &= ~VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4);
    if (!(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)) || !(f & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)))
        f &= ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4);
    return f;
}

uint32_t vnet_caps(uint64_t f)
{
    return ((f & VIRTIO_BIT(VIRTIO_NET_F_CSUM)) ? NETIF_CAP_TX_CSUM : 0) |
           ((f & VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4)) ? NETIF_CAP_TX_TSO4 : 0) |
           ((f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)) ? NETIF_CAP_RX_CSUM : 0) |
           ((f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4)) ? NETIF_CAP_RX_GSO4 : 0);
}
