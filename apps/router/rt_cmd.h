// SPDX-License-Identifier: MIT
// The router's side of the management console (apps/router/rt_cmd.c): the
// command interpreter rt_cmd_exec() (declared in router.h) and the mgmt
// region poller that runs it for the console component over shm/mgmt.h.
// It does not signal: the router loop calls rt_mgmt_poll() when the console
// channel's bit arrives, and when it returns true signals the console's
// channel itself (comp_signal on the OUT channel to the console).
#ifndef RW_RT_CMD_H
#define RW_RT_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "apps/router/router.h"

// Answers the pending request in the mgmt region (base, size: the region as
// mapped; a region smaller than MGMT_REGION_SIZE is refused). Returns true
// if it published an answer, which the caller then signals to the console.
// Returns false when there is nothing new to answer (a spurious or repeated
// signal, or a request torn by a newer one the console is still writing).
bool rt_mgmt_poll(struct router *r, void *mgmt_region, uint64_t size);

// rt_cmd_exec() with the truncation reported (for rt_mgmt_poll and tests).
uint32_t rt_cmd_run(struct router *r, const char *line, char *out, uint32_t cap, bool *truncated);

#endif
