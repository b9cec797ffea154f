// SPDX-License-Identifier: MIT
// Checksum decisions of the network stack, as pure functions over frame bytes
// (no lwIP, no rings), so host tests run them: whether a received frame's
// TCP/UDP checksum may go unchecked (the NIC verified it, or the sender left
// it partial and it never crossed a wire), completing a partial checksum over
// a frame split across buffers, and preparing a transmitted TCP/UDP frame for
// checksum offload (the pseudo-header sum in the checksum field, as
// shm/netif.h RING_F_CSUM_NEEDED asks). It does not parse beyond the IPv4 and
// L4 headers and never trusts a frame whose headers are not in its first
// buffer.
#ifndef NETSTACK_NSCSUM_H
#define NETSTACK_NSCSUM_H

#include <stdbool.h>
#include <stdint.h>

#define NSCSUM_ETH_HLEN 14u

// What the stack does about a received frame's L4 checksum.
enum nscsum_rx {
    NSCSUM_RX_CHECK,    // lwIP verifies it as usual
    NSCSUM_RX_TRUSTED,  // an unfragmented TCP/UDP datagram: skip lwIP's check
    NSCSUM_RX_COMPLETE, // partial but not TCP/UDP as expected: complete it first
};

// One buffer's share of a frame.
struct nscsum_seg {
    uint8_t *data;
    uint32_t len;
};

// Decides for a received frame; first/first_len is its first buffer, flags
// the RING_F_* of its first descriptor, start/off the CSUM_NEEDED fields.
enum nscsum_rx nscsum_rx_class(const uint8_t *first, uint32_t first_len, uint32_t flags,
                               uint32_t start, uint32_t off);
// Stores the ones' complement of the sum from byte `start` of the frame to
// its end at start + off (the field holds the pseudo-header sum). False if
// the offsets do not fit the frame.
bool nscsum_complete(const struct nscsum_seg *seg, uint32_t nseg, uint32_t start, uint32_t off);
// For an unfragmented TCP or UDP IPv4 frame of len bytes: writes the
// pseudo-header sum into its checksum field and returns true with *start and
// *off set for RING_F_CSUM_NEEDED. False (frame untouched) for anything else.
bool nscsum_tx_prepare(uint8_t *frame, uint32_t len, uint16_t *start, uint16_t *off);

#endif
