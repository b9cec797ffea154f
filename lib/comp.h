// SPDX-License-Identifier: MIT
// The component library: every component has the same shape. comp_start checks
// the start-up block init mapped (lib/component.h); comp_wait blocks on the
// component's notification, answers init's heartbeats itself and returns the
// other bits; the lookups find regions and channels by name.
#ifndef RW_COMP_H
#define RW_COMP_H

#include <stdint.h>

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

#endif
