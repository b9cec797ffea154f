// SPDX-License-Identifier: MIT
// Transmit segmentation offload for the network stack, the other way round:
// lwIP only makes MSS-sized TCP segments, so consecutive segments of one
// connection queued in one pass are joined into one TSO frame (shm/netif.h
// RING_F_TSO4) that the NIC cuts again, which saves every hop below the stack
// (router, driver, device, host) its per-frame cost. This file holds the
// decisions, as pure functions over frame bytes (no lwIP, no rings): which
// segment may open a TSO frame, which may join it, and how the first
// segment's headers become the frame's (IPv4 total length and checksum, TCP
// flags, the pseudo-header sum for the checksum offload). The buffers
// themselves are nsring.c's.
#ifndef NETSTACK_NSGSO_H
#define NETSTACK_NSGSO_H

#include <stdbool.h>
#include <stdint.h>

#define NSGSO_HDR_MAX   (14u + 20u + 60u) // Ethernet, IPv4 without options, TCP with options
#define NSGSO_FRAME_MAX 64000u            // below the 65535-byte IPv4 datagram with room to spare

// The TSO frame being built: its flow and where the next segment must start.
struct nsgso {
    bool open;
    uint8_t hdr[NSGSO_HDR_MAX]; // the first segment's headers (ports, ack, window, options)
    uint16_t hlen;              // Ethernet + IPv4 + TCP header bytes
    uint16_t mss;               // payload of every segment but the last (gso_size)
    uint32_t next_seq;          // sequence number a joining segment must carry
    uint32_t len;               // frame bytes so far
    uint32_t segs;              // segments joined so far
};

// Whether the frame (hdr: its first have bytes, len: its length) may open a
// TSO frame: TCP/IPv4 without IP options or fragmentation, flags exactly
// ACK, some payload. If so, g is set up for it and true is returned.
bool nsgso_open(struct nsgso *g, const uint8_t *hdr, uint32_t have, uint32_t len);

// Whether the segment may join g's frame: same addresses, ports, ACK number,
// window and TCP options, the next sequence number, flags ACK or ACK|PSH,
// payload no larger than mss, and the frame stays under NSGSO_FRAME_MAX.
bool nsgso_fits(const struct nsgso *g, const uint8_t *hdr, uint32_t have, uint32_t len);

// Accounts a segment of len bytes (headers included) that has joined, and
// rewrites the headers at first (the frame's first buffer) for the frame as
// it now is: IPv4 total length and header checksum, PSH when the segment had
// it, and the pseudo-header sum in the TCP checksum field. The frame closes
// after a PSH or a short segment. Returns the TCP checksum's offset from the
// frame start (for RING_F_CSUM_NEEDED: csum_start, with csum_offset 16).
uint16_t nsgso_join(struct nsgso *g, uint8_t *first, const uint8_t *hdr, uint32_t len);

#endif
