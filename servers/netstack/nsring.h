// SPDX-License-Identifier: MIT
// The network stack's side of the NIC rings (shm/netif.h), kept apart from lwIP
// because both name a type "struct netif". Each NIC is a small integer.
// Receive hands every frame to a callback as the list of its buffers in the
// shared pool (no copy, no gathering); the callback either keeps all of them
// (lends them to lwIP: each comes back through nsring_rx_return, which queues
// it for rx.free) or none (they go back on rx.free at once). Transmit takes a
// buffer from a private stash refilled from tx.free, the caller copies one
// frame after NETIF_DATA_OFF and may ask for checksum offload, and
// nsring_flush publishes the batch on tx.active (and the returned receive
// buffers on rx.free), signalling the driver at most once, as netif.h says.
// The counters (NSRING_COUNTERS) are the stack's, published on the region's
// client counter page for the console.
#ifndef NETSTACK_NSRING_H
#define NETSTACK_NSRING_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/comp.h"

#define NSRING_MAX      4
#define NSRING_MAX_SEGS 48 // NETIF_MAX_SEGS (this header cannot include shm/netif.h)

// Counters of one NIC, one X() per field (names shown by the console).
#define NSRING_COUNTERS(X)                                                                         \
    X(rx_frames)    /* frames handed to lwIP */                                                    \
    X(rx_zero_copy) /* ... as pbufs over the ring buffers */                                       \
    X(rx_copied)    /* ... copied: too many buffers already lent to lwIP */                        \
    X(rx_copied_bytes)                                                                             \
    X(rx_lent)         /* ring buffers lwIP holds now */                                           \
    X(rx_lent_max)     /* ... at most */                                                           \
    X(rx_csum_trusted) /* TCP/UDP checksum not checked: NIC verified, or partial */                \
    X(rx_csum_done)    /* partial checksum completed in software */                                \
    X(rx_drops)        /* bad frame, driver down, no memory */                                     \
    X(tx_frames)                                                                                   \
    X(tx_copied_bytes) /* bytes copied from pbufs into ring buffers */                             \
    X(tx_csum_offload) /* frames sent with RING_F_CSUM_NEEDED */                                   \
    X(tx_gso_frames)   /* TSO frames made of several lwIP segments */                              \
    X(tx_gso_joined)   /* segments that joined the frame before them */                            \
    X(tx_tso_large)    /* TSO frames lwIP made as one segment larger than the link (nsif.c) */     \
    X(tx_no_buffer)                                                                                \
    X(bad_desc)                                                                                    \
    X(signals)                                                                                     \
    X(dhcp_leases)

enum nsring_counter {
#define NSRING_X_ENUM(n) NSRING_C_##n,
    NSRING_COUNTERS(NSRING_X_ENUM)
#undef NSRING_X_ENUM
        NSRING_C_N
};

// One received frame: its buffers in order, valid until returned.
struct nsring_frame {
    uint32_t flags; // RING_F_* of the first descriptor
    uint32_t len;   // bytes in all buffers
    uint16_t csum_start, csum_offset;
    uint32_t nsegs;
    struct {
        uint8_t *data;
        uint32_t len;
        uint64_t off; // the buffer, for nsring_rx_return
    } seg[NSRING_MAX_SEGS];
};

// A received frame. Returns true if the callee keeps every buffer of it (then
// returns each with nsring_rx_return), false if they can go back now.
typedef bool (*nsring_frame_fn)(void *ctx, const struct nsring_frame *f);

// What the driver side publishes in the region header.
struct nsring_link {
    uint8_t mac[6];
    uint16_t mtu; // valid for one ring buffer per frame, else 1500
    bool tx_csum; // NETIF_CAP_TX_CSUM: the NIC completes TCP/UDP checksums
    bool tso;     // ... and cuts TSO frames (NETIF_CAP_TX_TSO4)
    uint32_t restarts;
};

// Finds the NIC's region and our channel to its driver; 0 on success.
int nsring_bind(uint32_t i, const struct comp_info *ci, const char *region, const char *channel);
// Attaches once the driver has formatted the region; true when attached.
bool nsring_attach(uint32_t i);
// True if the driver is up; then fills *l.
bool nsring_driver_up(uint32_t i, struct nsring_link *l);
// Receives one batch, reclaims sent buffers and flushes (replies included);
// returns the descriptors seen.
uint32_t nsring_receive(uint32_t i, nsring_frame_fn fn, void *ctx);
// Gives back one buffer of a frame the callback kept.
void nsring_rx_return(uint32_t i, uint64_t off);
// Buffers lwIP may hold at once before frames are copied instead.
uint32_t nsring_lend_max(uint32_t i);
// Room for one frame of len bytes, or NULL (driver down, no buffer, too long).
uint8_t *nsring_tx_begin(uint32_t i, uint32_t len);
// Queues the frame nsring_tx_begin returned room for; csum_start != 0 asks the
// driver to complete the L4 checksum (RING_F_CSUM_NEEDED).
void nsring_tx_commit(uint32_t i, uint32_t len, uint16_t csum_start, uint16_t csum_offset);
// Copies n bytes of a frame, from byte off on, to dst (nsring_tx_join).
typedef void (*nsring_copy_fn)(void *ctx, uint8_t *dst, uint32_t off, uint32_t n);
// Joins a TCP segment of len bytes to the TSO frame queued last, when the
// NIC offers TSO and the segment continues that frame (nsgso.h); hdr holds
// its first have bytes, copy fetches its payload. False: nothing was done,
// queue it as a frame of its own.
bool nsring_tx_join(uint32_t i, const uint8_t *hdr, uint32_t have, uint32_t len,
                    nsring_copy_fn copy, void *ctx);
// Queues one TCP segment larger than a link frame as a TSO frame of its own,
// copied into as many buffers as it needs: the NIC cuts it into segments of
// gso_size payload behind copies of its hlen header bytes (which must carry
// the pseudo-header sum, nscsum_tx_prepare). False if the NIC has no TSO,
// the frame is too long or there are not enough buffers (nothing queued).
bool nsring_tx_tso(uint32_t i, uint32_t len, uint16_t hlen, uint16_t gso_size, nsring_copy_fn copy,
                   void *ctx);
// Publishes queued frames and returned buffers, signalling the driver once.
void nsring_flush(uint32_t i);
// Asks for signals on rx.active and tx.free; true if work arrived meanwhile.
bool nsring_arm(uint32_t i);
// Adds n to a counter, or sets a gauge.
void nsring_count(uint32_t i, enum nsring_counter c, uint64_t n);
void nsring_gauge(uint32_t i, enum nsring_counter c, uint64_t v);
// Copies our counters into the region's client counter page.
void nsring_publish_counters(uint32_t i);
// The address lwIP leased by DHCP (host order, 0 = none) for the router:
// published in the region header's `reserved` field (see README).
void nsring_publish_addr(uint32_t i, uint32_t addr, uint32_t prefix);

#endif
