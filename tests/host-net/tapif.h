// SPDX-License-Identifier: MIT
// A Linux TAP device as an lwIP netif, for host tests only: frames the kernel
// sends to the tap go to netif->input, frames lwIP sends are written back. The
// test creates the tap (inside a network namespace it owns) and drives the loop.
#ifndef LWPORT_TAPIF_H
#define LWPORT_TAPIF_H

#include <stdint.h>

#include "lwip/netif.h"

struct lwport_tap {
    int fd;
    struct netif netif;
    uint64_t rx_frames, tx_frames, rx_drops, tx_errors;
};

// Creates (or attaches to) tap NAME; 0 or -errno.
int lwport_tap_open(struct lwport_tap *t, const char *name);
// Adds the netif with address/netmask (dotted quads) and brings it up.
int lwport_tap_add(struct lwport_tap *t, const char *addr, const char *mask);
// Reads and delivers up to budget waiting frames; returns how many.
int lwport_tap_poll(struct lwport_tap *t, int budget);

#endif
