// SPDX-License-Identifier: MIT
// IPv4 packet validation for the packet filter (net/fw/): fw_pkt_parse() checks
// an IPv4 header (version, IHL, lengths, header checksum) and its TCP, UDP or
// ICMP header, and fills a struct fw_pkt that the rest of the library matches
// and rewrites. It also names every reason the filter drops a packet (enum
// fw_reason, which doubles as a counter index). It is not an IP stack: it does
// not reassemble fragments, handle IPv6 or Ethernet headers, or verify L4
// checksums (offloaded packets may carry a partial one).
#ifndef RW_FW_PKT_H
#define RW_FW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_PROTO_ICMP 1
#define FW_PROTO_TCP  6
#define FW_PROTO_UDP  17

#define FW_ICMP_ECHOREPLY        0
#define FW_ICMP_UNREACH          3
#define FW_ICMP_ECHO             8
#define FW_ICMP_TIMEXCEED        11
#define FW_ICMP_UNREACH_PORT     3 // codes of FW_ICMP_UNREACH
#define FW_ICMP_UNREACH_NEEDFRAG 4

#define FW_TCP_FIN 0x01
#define FW_TCP_SYN 0x02
#define FW_TCP_RST 0x04
#define FW_TCP_PSH 0x08
#define FW_TCP_ACK 0x10
#define FW_TCP_URG 0x20
#define FW_TCP_ECE 0x40
#define FW_TCP_CWR 0x80

// Why a packet was dropped (or FW_R_OK). Each value indexes a drop counter;
// fw_reason_name() gives the console's name for it.
enum fw_reason {
    FW_R_OK = 0,
    FW_R_TRUNCATED,      // shorter than an IPv4 header
    FW_R_BAD_VERSION,    // version is not 4
    FW_R_BAD_IHL,        // IHL below 5 or header beyond the buffer or total length
    FW_R_BAD_LENGTH,     // total length beyond the buffer or below the header
    FW_R_BAD_CHECKSUM,   // IPv4 header checksum
    FW_R_L4_TRUNCATED,   // unfragmented or first fragment too short for its L4 header
    FW_R_BAD_FRAGMENT,   // TCP fragment at offset 8 (would overwrite the header)
    FW_R_RULE,           // blocked by a rule
    FW_R_REJECT,         // rejected by a rule (the caller may send a RST or ICMP)
    FW_R_POLICY,         // no rule matched and the interface policy is block
    FW_R_STATE_FULL,     // new flow, state table full and nothing evictable
    FW_R_NAT_EXHAUSTED,  // no free port (or ICMP id) in the NAT range
    FW_R_NAT_NO_ADDRESS, // NAT to an interface that has no address yet
    FW_R_COUNT
};

// The IPv4 flags and fragment offset field (bytes 6-7 of the header).
#define FW_IP_DF      0x4000
#define FW_IP_MF      0x2000
#define FW_IP_OFFMASK 0x1fff

// Flags in fw_pkt.flags.
#define FW_PKT_FRAG      0x01 // a fragment (MF set or offset non-zero)
#define FW_PKT_LATER     0x02 // a non-first fragment: no L4 header, ports are 0
#define FW_PKT_OPTIONS   0x04 // the header has IP options (skipped)
#define FW_PKT_CSUM_PART 0x08 // given to fw_pkt_parse: L4 checksum offload pending
#define FW_PKT_ECHO      0x10 // ICMP echo request or reply (id in the port fields)

// A parsed IPv4 packet. Addresses and ports are host order copies; ip and l4
// point into the caller's buffer, which NAT rewrites in place.
// ICMP echo: the request has sport = id, dport = 0; the reply sport = 0,
// dport = id, so that a reply's tuple is the reverse of its request's.
struct fw_pkt {
    uint8_t *ip;       // the IPv4 header
    uint8_t *l4;       // the L4 header (NULL for non-first fragments)
    uint16_t len;      // bytes the caller has at ip
    uint16_t hlen;     // IPv4 header length in bytes
    uint16_t tot_len;  // IPv4 total length
    uint16_t l4_len;   // bytes from l4 to the end of the datagram (tot_len)
    uint16_t frag_off; // fragment offset, in 8-byte units
    uint8_t proto, ttl;
    uint8_t flags;     // FW_PKT_*
    uint8_t tcp_flags; // TCP only
    uint8_t icmp_type, icmp_code;
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t tcp_seq, tcp_ack; // TCP only
    uint16_t tcp_hlen;         // TCP only, bytes
    // Filled by fw_filter():
    uint8_t reason; // enum fw_reason of a drop or reject
    bool log;       // the deciding rule has "log"
    int16_t rule;   // the deciding rule, -1 for a state match or the policy
};

// Parses len bytes at ip. flags may hold FW_PKT_CSUM_PART (kept in p->flags).
// Returns FW_R_OK and fills *p, or the reason the packet is malformed.
enum fw_reason fw_pkt_parse(struct fw_pkt *p, uint8_t *ip, size_t len, unsigned flags);

// Decrements the TTL with an incremental header checksum update. Returns false,
// changing nothing, when the TTL is 0 or 1 (the router sends Time Exceeded).
bool fw_pkt_dec_ttl(struct fw_pkt *p);

// The console name of a reason ("bad-checksum"); "?" when out of range.
const char *fw_reason_name(unsigned reason);

#endif
