// SPDX-License-Identifier: MIT
// Byte-order helpers for the packet-filter library (net/fw/): load and store
// 16- and 32-bit big-endian (network order) fields at any alignment. Packet
// bytes are always network order; every address and port the library keeps in
// its own structs is host order. Not a general endian library: no 64-bit
// fields and no in-place swapping.
#ifndef RW_FW_BYTES_H
#define RW_FW_BYTES_H

#include <stdint.h>

static inline uint16_t fw_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fw_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void fw_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void fw_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
