// SPDX-License-Identifier: MIT
// Internet checksums for the packet filter (net/fw/): the one's-complement sum
// over bytes, the IPv4 header checksum, and RFC 1624 incremental updates for a
// changed 16- or 32-bit field (TTL decrement, NAT rewrites of addresses and
// ports, which for TCP and UDP also change the pseudo-header). Words are taken
// big-endian, as they sit in the packet, and checksums are returned in the same
// order, ready for fw_put16(). Not a verifier of TCP/UDP checksums: the filter
// never checks those, because offloaded packets may carry a partial one.
#ifndef RW_FW_CSUM_H
#define RW_FW_CSUM_H

#include <stddef.h>
#include <stdint.h>

// Adds len bytes at p (big-endian words, an odd last byte padded with zero) to
// a running 32-bit sum; start with 0. Sums of up to 64 KiB cannot overflow.
uint32_t fw_csum_add(uint32_t sum, const uint8_t *p, size_t len);

// Folds a running sum to 16 bits (not complemented).
uint16_t fw_csum_fold(uint32_t sum);

// The checksum to store in an IPv4 header of hlen bytes whose checksum field
// is zero. On a received header (field as sent) it returns 0 when valid.
uint16_t fw_ip_csum(const uint8_t *hdr, size_t hlen);

// RFC 1624 eqn. 3: the checksum hc after a 16-bit word of the covered data
// changed from old to new: ~(~hc + ~old + new).
uint16_t fw_csum_update16(uint16_t hc, uint16_t old, uint16_t new_);

// The same for a 32-bit field (an address), as two 16-bit words.
uint16_t fw_csum_update32(uint16_t hc, uint32_t old, uint32_t new_);

// Flags of fw_l4_csum_fix(), describing the field and the change.
#define FW_CSUM_WIDE   0x1 // old and new_ are 32 bits (an address), else 16 (a port)
#define FW_CSUM_PSEUDO 0x2 // the changed field is in the pseudo-header (an address)
#define FW_CSUM_UDP                                                                                \
    0x4 // a UDP checksum: 0 means "none" and stays 0; a result
        // of 0 is stored as 0xffff
#define FW_CSUM_PARTIAL                                                                            \
    0x8 // checksum offload pending: the field holds the folded,
        // uncomplemented pseudo-header sum, so only pseudo-
        // header changes update it and port changes leave it

// Updates the L4 checksum field at p (two bytes, network order) after a field
// of the covered data changed from old to new_, according to flags.
void fw_l4_csum_fix(uint8_t *p, uint32_t old, uint32_t new_, unsigned flags);

#endif
