// SPDX-License-Identifier: MIT
// The component library: every component has the same shape. comp_start checks
// the start-up block init mapped (lib/component.h); comp_wait blocks on the
// component's notification, answers init's heartbeats itself and returns the
// other bits; the lookups find regions and channels by name. It also commits
// faults init injects, and sends a component's requests to init.
#ifndef RW_COMP_H
#define RW_COMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/uapi/syscall.h"
#include "lib/component.h"

// Returns the start-up block at arg, or NULL if it is not one.
const struct comp_info *comp_start(uint64_t arg);
// Waits for work (timeout_ns: TIMEOUT_NEVER or a bound) and returns the bits,
// with COMP_BIT_CONTROL already handled. 0 means the timeout passed.
// init's heartbeat expects an answer within two seconds: a component that
// busy-polls instead of waiting must call comp_service at least that often.
uint64_t comp_wait(const struct comp_info *ci, uint64_t timeout_ns);
// Answers pending control messages without blocking; returns the other bits
// that were pending (they are consumed, so the caller must act on them).
uint64_t comp_service(const struct comp_info *ci);
const struct comp_region *comp_region(const struct comp_info *ci, const char *name);
const struct comp_channel *comp_channel(const struct comp_info *ci, const char *name, uint32_t dir);
int comp_signal(const struct comp_channel *ch);
// Copies the value of "key=" from a blank-separated argument string.
bool comp_arg(const char *args, const char *key, char *out, size_t size);
// The highest bit of our notification below the control bit that no
// incoming channel and nothing in taken uses; 0 if there is none.
uint64_t comp_free_bit(const struct comp_info *ci, uint64_t taken);
// One MSI-X vector of a PCI device: an MSI from the kernel on our core,
// bound to a fresh bit (returned in *bit), written into the 16-byte table
// entry (masked while it is written).
int comp_msix_vector(const struct comp_info *ci, uint32_t pci, volatile uint32_t *entry,
                     uint64_t *bit, uint64_t taken);

// Sends a request to init (COMP_CTL_RESTART, _INJECT or _STATUS, built with
// comp_ctl_encode; the tag in words[5] is set here) and waits up to timeout_ns
// for its COMP_CTL_REPLY, which replaces *m. Heartbeats and injected faults
// are served meanwhile; other notification bits stay pending for the next
// comp_wait. Returns RW_OK (the status is in the reply), RW_ETIMEDOUT, or the
// channel's error.
int comp_request(const struct comp_info *ci, struct chan_msg *m, uint64_t timeout_ns);

// A component-specific fault. When init asks for COMP_FAULT_BAD_DESCRIPTOR,
// the library calls the hook from inside comp_wait/comp_service (so it must
// not block: it should arm a flag that the component's own loop acts on,
// e.g. a driver corrupting the next descriptor it posts) and sends init the
// hook's answer: COMP_REPLY_OK once armed, or COMP_REPLY_NOT_SUPPORTED.
// Without a hook the answer is COMP_REPLY_NOT_SUPPORTED and nothing happens.
// The other faults are committed by the library itself.
typedef int (*comp_fault_hook)(uint32_t fault);
void comp_set_fault_hook(comp_fault_hook fn);

#endif
