// SPDX-License-Identifier: MIT
// The network stack's side of the NIC rings (shm/netif.h), kept apart from lwIP
// because both name a type "struct netif". Each NIC is a small integer. Receive
// hands every frame to a callback as one contiguous copy-free view (a frame that
// spans several buffers is gathered into a per-NIC scratch area first) with a
// pending L4 checksum completed in software, then returns the buffers on
// rx.free. Transmit takes a buffer from a private stash refilled from tx.free,
// the caller copies one frame after NETIF_DATA_OFF, and nsring_flush publishes
// the batch on tx.active and signals the driver at most once, as netif.h says.
// No offloads are requested on transmit.
#ifndef NETSTACK_NSRING_H
#define NETSTACK_NSRING_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/comp.h"

#define NSRING_MAX 4

// A received frame, valid only during the call.
typedef void (*nsring_frame_fn)(void *ctx, const uint8_t *data, uint32_t len);

// Finds the NIC's region and our channel to its driver; 0 on success.
int nsring_bind(uint32_t i, const struct comp_info *ci, const char *region, const char *channel);
// Attaches once the driver has formatted the region; true when attached.
bool nsring_attach(uint32_t i);
// True if the driver is up; then copies its MAC and restart count.
bool nsring_driver_up(uint32_t i, uint8_t mac[6], uint32_t *restarts);
// Receives one batch, reclaims sent buffers and flushes (replies included);
// returns the descriptors seen.
uint32_t nsring_receive(uint32_t i, nsring_frame_fn fn, void *ctx);
// Room for one frame of len bytes, or NULL (driver down, no buffer, too long).
uint8_t *nsring_tx_begin(uint32_t i, uint32_t len);
// Queues the frame nsring_tx_begin returned room for.
void nsring_tx_commit(uint32_t i, uint32_t len);
// Publishes queued frames and returned buffers, signalling the driver once.
void nsring_flush(uint32_t i);
// Asks for signals on rx.active and tx.free; true if work arrived meanwhile.
bool nsring_arm(uint32_t i);
// Copies our counters into the region's client counter page.
void nsring_publish_counters(uint32_t i);

#endif
