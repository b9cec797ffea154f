// SPDX-License-Identifier: MIT
// The component contract: what init hands every component it starts, and the
// shape every component has. The start-up block is mapped read-only at
// COMP_INFO_VA and its address arrives in rdi. A component checks the magic,
// finds its regions, channels and devices by name, then loops:
//   for (;;) { bits = comp_wait(ci); handle(bits); }
// Its own notification (ci->ntfn) collects everything it waits for: peer
// signals (one bit per incoming channel), its interrupts and its timers.
#ifndef RW_COMPONENT_H
#define RW_COMPONENT_H

#include <stdint.h>

#define COMP_INFO_VA      0x10000000ull
#define COMP_MAGIC        0x636f6d70696e666full // "compinfo"
#define COMP_NAME_MAX     16
#define COMP_MAX_REGIONS  16
#define COMP_MAX_CHANNELS 16
#define COMP_MAX_DEVICES  8
#define COMP_ARGS_MAX     128
#define COMP_CONFIG_NAME  "ringwall.conf" // read-only region: the configuration text

// Bits of a component's own notification that init reserves.
#define COMP_BIT_CONTROL    (1ull << 63) // a message waits on ci->control
#define COMP_BIT_FIRST_FREE 0            // channels and devices use bits from here up

enum comp_channel_dir { COMP_CHAN_IN = 1, COMP_CHAN_OUT = 2 };
enum comp_device_kind { COMP_DEV_PCI = 1, COMP_DEV_IOPORT = 2, COMP_DEV_IRQ = 3 };

struct comp_region {
    char name[COMP_NAME_MAX];
    uint64_t va; // where init mapped it in this component
    uint64_t size;
    uint64_t phys;   // physical base (regions are contiguous, for DMA)
    uint32_t handle; // memory object handle (RIGHT_PHYS)
    uint32_t read_only;
    uint32_t id; // the region's number in the configuration, 1.. (same in every component)
    uint32_t reserved;
};

struct comp_channel {
    char name[COMP_NAME_MAX]; // the label, or the peer's name
    uint32_t dir;             // COMP_CHAN_IN or COMP_CHAN_OUT
    uint32_t ntfn;            // OUT: the peer's notification (signal right only)
    uint64_t bits;            // IN: bit in our ntfn; OUT: bit to signal at the peer
};

struct comp_device {
    uint32_t kind;
    uint32_t handle; // PCI device, I/O port range or IRQ handle
    uint32_t bdf;    // PCI: bus << 8 | dev << 3 | fn
    uint32_t reserved;
};

struct comp_info {
    uint64_t magic;
    char name[COMP_NAME_MAX];
    uint32_t ntfn;    // our notification: wait on it
    uint32_t control; // channel end to init (heartbeat, commands)
    uint32_t core;
    uint32_t restarts; // how many times init restarted this component
    uint32_t nregions, nchannels, ndevices, reserved;
    struct comp_region regions[COMP_MAX_REGIONS];
    struct comp_channel channels[COMP_MAX_CHANNELS];
    struct comp_device devices[COMP_MAX_DEVICES];
    char args[COMP_ARGS_MAX];
};

// Control messages on ci->control (words[0]).
enum comp_control {
    COMP_CTL_PING = 1, // init -> component: answer with COMP_CTL_PONG
    COMP_CTL_PONG = 2,
};

#endif
