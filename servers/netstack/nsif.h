// SPDX-License-Identifier: MIT
// One lwIP netif per interface of the network stack, over the NIC rings of
// nsring.h. Receive is zero-copy: each ring buffer of a frame becomes a
// PBUF_REF custom pbuf pointing into the shared pool (a multi-buffer frame, a
// GSO super-frame included, becomes a pbuf chain), and the buffer goes back to
// rx.free when lwIP frees the pbuf. At most nsring_lend_max() buffers are lent
// this way; past that (lwIP keeping data in its out-of-sequence queue or an
// unread window) frames are copied into PBUF_POOL pbufs, so the ring never
// starves. Checksums: a frame the NIC verified (or left partial, never having
// crossed a wire) skips lwIP's TCP/UDP check for that frame only; transmit
// leaves TCP/UDP checksums to the NIC when it offers NETIF_CAP_TX_CSUM.
// Transmit copies each frame once into ring buffers (lwIP's memory is not in
// the shared pool). Where the NIC cuts TSO frames, an established TCP
// connection's send MSS grows with its congestion window to as many link
// segments as the window holds, up to 44 (NSIF_TSO_SEGS, under 64 KB), so
// lwIP builds one segment where it would make up to 44 and the NIC makes the
// link-sized ones; congestion avoidance still grows by one link MSS per round
// trip. Anything else larger than the link is fragmented as IPv4 allows. The
// netif is added once the driver is up (its MAC is known) and follows the
// driver's state; with `dhcp` lwIP's DHCP client gets the address.
#ifndef NETSTACK_NSIF_H
#define NETSTACK_NSIF_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

#define NSIF_LEND_CAP 1024 // custom pbufs per netif (nsring_lend_max of 4096 buffers)

// A pbuf over one lent ring buffer.
struct nsif_rxbuf {
    struct pbuf_custom pc; // first: lwIP hands back the struct pbuf
    struct nsif *n;
    uint64_t off;
};

struct nsif {
    uint32_t idx;  // the nsring NIC number
    char name[16]; // the interface's name in the configuration
    bool dhcp;     // address by DHCP instead of ip/mask
    ip4_addr_t ip, mask;
    struct netif lw;
    bool added, up;
    uint32_t restarts;
    bool tx_csum;     // the NIC completes TCP/UDP checksums
    bool tso_large;   // ... and cuts TSO frames: lwIP makes large TCP segments
    u16_t mtu;        // the link's (lw.mtu is larger with tso_large)
    u16_t csum_flags; // NETIF_CHECKSUM_* in force (generation follows caps)
    uint32_t leased;  // the DHCP address last reported (network order)
    uint32_t lent, lent_max, nfree;
    struct nsif_rxbuf *free[NSIF_LEND_CAP];
    struct nsif_rxbuf bufs[NSIF_LEND_CAP];
};

// Installs the lwIP hook behind large TCP segments (before any netif is added).
void nsif_init_tcp(void);
// Brings the netif in line with its driver and moves one batch; returns work done.
uint32_t nsif_poll(struct nsif *n);
// Copies the counters nsif keeps into nsring's and publishes them.
void nsif_publish(struct nsif *n);

#endif
