// SPDX-License-Identifier: MIT
// One lwIP netif per NIC of the network stack: lwIP's linkoutput copies the
// pbuf chain into a ring buffer (nsring.h) and received frames are copied into
// PBUF_POOL pbufs and handed to ethernet_input. lwIP computes every checksum in
// software (no transmit offloads). The netif is added once the driver is up
// (its MAC is known) and follows the driver's state afterwards.
#ifndef NETSTACK_NSIF_H
#define NETSTACK_NSIF_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

struct nsif {
    uint32_t idx; // the nsring NIC number
    ip4_addr_t ip, mask;
    struct netif lw;
    bool added, up;
    uint32_t restarts;
    uint64_t rx_nomem, tx_nobuf;
};

// Brings the netif in line with its driver and moves one batch; returns work done.
uint32_t nsif_poll(struct nsif *n);

#endif
