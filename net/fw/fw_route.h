// SPDX-License-Identifier: MIT
// The router's IPv4 routing table (net/fw/): static, connected and default
// routes in a fixed array kept sorted by prefix length, longest first, so a
// lookup is the first route that covers the address (longest-prefix match).
// Built by the control side, then only read by the forwarding core: publish a
// new table the way fw.h publishes a ruleset, never edit one in use. It is not
// a neighbour (ARP) table and knows nothing of interfaces beyond their index.
#ifndef RW_FW_ROUTE_H
#define RW_FW_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_ROUTE_MAX 256

#define FW_ROUTE_GATEWAY   0x1 // packets go to gw, not to their destination
#define FW_ROUTE_CONNECTED 0x2 // the subnet of an interface address

enum fw_route_status {
    FW_ROUTE_OK = 0,
    FW_ROUTE_EINVAL = -1, // prefix length over 32 or host bits set
    FW_ROUTE_EEXIST = -2, // the prefix is already in the table
    FW_ROUTE_EFULL = -3,  // FW_ROUTE_MAX routes
    FW_ROUTE_ENOENT = -4, // no such route / no route to the destination
};

// Addresses in host order.
struct fw_route {
    uint32_t prefix; // host bits zero
    uint32_t mask;
    uint32_t gw; // FW_ROUTE_GATEWAY only
    uint8_t len; // prefix length 0..32
    uint8_t ifindex;
    uint8_t flags; // FW_ROUTE_*
};

struct fw_route_table {
    uint32_t n;
    struct fw_route r[FW_ROUTE_MAX]; // by len, longest first; same len: by prefix
};

// Where a packet goes: out of ifindex, to next_hop (the gateway, or the
// destination itself on a connected or device route).
struct fw_nexthop {
    uint32_t next_hop;
    uint8_t ifindex;
};

void fw_route_init(struct fw_route_table *t);

// Adds prefix/len out of ifindex, via gw when gw is non-zero.
int fw_route_add(struct fw_route_table *t, uint32_t prefix, unsigned len, uint32_t gw,
                 unsigned ifindex);

// Adds the connected route of an interface address (addr/len, host bits kept
// in addr are masked off).
int fw_route_add_connected(struct fw_route_table *t, uint32_t addr, unsigned len, unsigned ifindex);

int fw_route_del(struct fw_route_table *t, uint32_t prefix, unsigned len);

// Longest-prefix match for dst. FW_ROUTE_OK and *hop, or FW_ROUTE_ENOENT.
int fw_route_lookup(const struct fw_route_table *t, uint32_t dst, struct fw_nexthop *hop);

// The netmask of a prefix length (0..32).
static inline uint32_t fw_mask(unsigned len)
{
    return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

#endif
