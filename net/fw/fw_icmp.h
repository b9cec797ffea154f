// SPDX-License-Identifier: MIT
// Replies the router and the filter send about a packet (net/fw/): a TCP RST
// for a rejected TCP segment, ICMP Destination Unreachable (port unreachable
// for rejects, fragmentation needed with the next-hop MTU) and Time Exceeded.
// Each builder writes a complete IPv4 packet, checksums filled, into the
// caller's buffer and returns its length. Following RFC 1122 and RFC 1812,
// they refuse to answer ICMP errors, non-first fragments, packets to a
// broadcast or multicast address and packets from an address that cannot be
// answered. They do not send anything, and do not know subnet broadcast
// addresses: the caller refuses those itself.
#ifndef RW_FW_ICMP_H
#define RW_FW_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "net/fw/fw_pkt.h"

#define FW_REPLY_TTL  64
#define FW_ICMP_QUOTE 8 // bytes of the offending datagram after its IP header

enum fw_build_status {
    FW_BUILD_REFUSED = -1, // must not be answered
    FW_BUILD_NOSPACE = -2, // the buffer is too small
};

// The largest reply: IPv4 header, ICMP header, quoted 60-byte header + 8.
#define FW_REPLY_MAX (20 + 8 + 60 + FW_ICMP_QUOTE)

// ICMP error of type and code about orig, from src (0: orig's destination),
// with rest as the 32-bit field after the checksum. Returns the length or a
// negative enum fw_build_status.
int fw_build_icmp_error(const struct fw_pkt *orig, uint8_t type, uint8_t code, uint32_t rest,
                        uint32_t src, uint8_t *out, size_t cap);

int fw_build_icmp_unreach(const struct fw_pkt *orig, uint8_t code, uint32_t src, uint8_t *out,
                          size_t cap);
int fw_build_icmp_time_exceeded(const struct fw_pkt *orig, uint32_t src, uint8_t *out, size_t cap);
// Destination Unreachable, fragmentation needed and DF set (RFC 1191).
int fw_build_icmp_frag_needed(const struct fw_pkt *orig, uint16_t mtu, uint32_t src, uint8_t *out,
                              size_t cap);

// A RST answering TCP segment orig (RFC 793 "reset generation"), from its
// destination. Refused for a RST, a non-TCP packet or a fragment.
int fw_build_rst(const struct fw_pkt *orig, uint8_t *out, size_t cap);

// What FW_REJECT sends: a RST for TCP, else ICMP port unreachable from src.
int fw_build_reject(const struct fw_pkt *orig, uint32_t src, uint8_t *out, size_t cap);

#endif
