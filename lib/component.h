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
    uint32_t core;            // the peer's core (OUT: the receiver's, IN: the sender's)
    uint32_t reserved;
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

// Control messages on ci->control: words[0] is the kind. Requests carry the
// requester's tag in words[5] and the reply echoes it, so a late reply to an
// abandoned request is recognised and dropped. Layouts (unused words are 0):
//   PING     init -> comp   answer with PONG
//   PONG     comp -> init
//   RESTART  comp -> init   [1..2] target name, NUL-padded (comp_ctl_put_name)
//   INJECT   comp -> init   [1..2] target name, [3] enum comp_fault
//   STATUS   comp -> init   [1] component index (0 .. count-1, in file order)
//   CPU      comp -> init   [1] component index, as STATUS
//   FAULT    init -> comp   [1] enum comp_fault, [5] init's tag
//   REPLY    either way     [1] enum comp_reply | request kind << 32,
//                           [2] STATUS: enum comp_run_state | failures << 8 | restarts << 32,
//                           [2] CPU: nanoseconds of CPU time of every run since boot,
//                           [3..4] STATUS, CPU: the component's name
// Requests need manage=yes on the requester's component line: init answers
// every other requester COMP_REPLY_NOT_ALLOWED and counts it. A RESTART kills
// the target and starts it again at once, without counting a failure; a
// stopped or failed target is started (a failed one with its failure count
// cleared). An INJECT is forwarded to the target as FAULT; the target answers
// init with a REPLY (OK, or NOT_SUPPORTED when it cannot produce that fault)
// before it fails, and init relays that answer to the requester, or
// COMP_REPLY_NOT_RUNNING if the target ended without answering. The failure
// an injected fault causes counts like any other.
enum comp_control {
    COMP_CTL_PING = 1,
    COMP_CTL_PONG = 2,
    COMP_CTL_RESTART = 3,
    COMP_CTL_INJECT = 4,
    COMP_CTL_STATUS = 5,
    COMP_CTL_FAULT = 6,
    COMP_CTL_REPLY = 7,
    COMP_CTL_CPU = 8,
};

// Faults init can make a component commit (COMP_CTL_INJECT, COMP_CTL_FAULT).
enum comp_fault {
    COMP_FAULT_BAD_POINTER = 1,    // write to COMP_FAULT_ADDR: a page fault
    COMP_FAULT_BAD_DESCRIPTOR = 2, // component-specific (comp_set_fault_hook)
    COMP_FAULT_LOOP = 3,           // spin without answering heartbeats (see below)
    COMP_FAULT_ABORT = 4,          // exit with COMP_FAULT_EXIT_CODE
};
// Priorities are strict: a component that loops on init's core (core 0) at a
// priority above init's (16) starves init, which then cannot see the hang.
#define COMP_FAULT_ADDR      0xdead0000ull // never mapped in a component
#define COMP_FAULT_EXIT_CODE 134

// The status in a COMP_CTL_REPLY.
enum comp_reply {
    COMP_REPLY_OK = 0,
    COMP_REPLY_NO_SUCH = 1,       // no component by that name or index
    COMP_REPLY_NOT_ALLOWED = 2,   // the requester has no manage=yes
    COMP_REPLY_NOT_RUNNING = 3,   // the target is not running (or ended before answering)
    COMP_REPLY_BAD_FAULT = 4,     // not an enum comp_fault
    COMP_REPLY_NOT_SUPPORTED = 5, // the target cannot commit this fault
    COMP_REPLY_BUSY = 6,          // an injected fault is still waiting for its answer
    COMP_REPLY_BAD_REQUEST = 7,   // malformed: a name that is not one
    COMP_REPLY_COUNT = 8,
};

// A component's state as init reports it (COMP_CTL_STATUS).
enum comp_run_state {
    COMP_STATE_RUNNING = 1,
    COMP_STATE_RESTARTING = 2, // ended; a restart is scheduled
    COMP_STATE_FAILED = 3,     // failed too often in a row: left down
    COMP_STATE_STOPPED = 4,    // ended, and its restart policy says so
};

#endif
