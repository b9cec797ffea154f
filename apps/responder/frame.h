// SPDX-License-Identifier: MIT
// The responder's frame logic: decide what one received Ethernet frame is
// (an ARP request or ICMP echo request for our address, something to ignore,
// or something malformed, with the reason) and turn the requests into replies
// in the same buffer. Every length and checksum is checked before a byte is
// trusted; nothing outside [frame, frame + len) is read or written. Pure
// functions over a byte array: no rings, no system calls, so the host unit
// tests compile it. Not an IP stack: no fragments, options are echoed as they
// came, no routing, IPv4 only.
#ifndef RW_FRAME_H
#define RW_FRAME_H

#include <stdint.h>

#define FRAME_ETH_LEN  14u
#define FRAME_MAX      1514u // MTU 1500
#define FRAME_TTL      64u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_ARP  0x0806u
#define ETHERTYPE_IPV6 0x86ddu

enum frame_verdict {
    FRAME_REPLY_ARP,      // *frame now holds an ARP reply
    FRAME_REPLY_ECHO,     // *frame now holds an ICMP echo reply
    FRAME_IGNORED,        // well-formed but not ours to answer
    FRAME_DROP_RUNT,      // shorter than its headers say
    FRAME_DROP_OVERSIZE,  // longer than FRAME_MAX
    FRAME_DROP_ETHERTYPE, // neither IPv4, ARP nor IPv6
    FRAME_DROP_BAD_ARP,   // not Ethernet/IPv4 ARP
    FRAME_DROP_BAD_IP,    // version, header length, total length
    FRAME_DROP_IP_CSUM,
    FRAME_DROP_ICMP_CSUM,
    FRAME_VERDICTS,
};

// Counter names, indexed by verdict.
extern const char *const frame_verdict_name[FRAME_VERDICTS];

struct frame_if {
    uint8_t mac[6];
    uint8_t ip[4]; // network byte order
};

// Classifies frame[0..len) and, for a request, rewrites it into the reply and
// stores the reply's length in *reply_len.
enum frame_verdict frame_respond(const struct frame_if *fi, uint8_t *frame, uint32_t len,
                                 uint32_t *reply_len);
// Internet checksum helpers: the 32-bit partial sum of big-endian words, and
// the folded, complemented result.
uint32_t frame_sum(const uint8_t *p, uint32_t len, uint32_t sum);
uint16_t frame_fold(uint32_t sum);
// RFC 1624 eqn. 3: checksum hc after one 16-bit word changed from m to m2.
uint16_t frame_csum_update(uint16_t hc, uint16_t m, uint16_t m2);
// "198.18.0.1" -> 4 bytes; 0 on success.
int frame_parse_ip(const char *s, uint32_t n, uint8_t ip[4]);

#endif
