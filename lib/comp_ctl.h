// SPDX-License-Identifier: MIT
// Encoding and checking of the control-channel requests of lib/component.h
// (restart, inject, status and their replies): names packed into message
// words, fault and status names for people, and the decode step init runs on
// every request before acting on it. Pure, so host unit tests compile it; it
// does not send or receive anything (lib/comp.c and servers/init do).
#ifndef RW_COMP_CTL_H
#define RW_COMP_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/uapi/syscall.h"
#include "lib/component.h"

// A request as the requester means it and as init decoded it.
struct comp_ctl_request {
    uint32_t kind;  // COMP_CTL_RESTART, COMP_CTL_INJECT, COMP_CTL_STATUS or COMP_CTL_CPU
    uint32_t fault; // INJECT: enum comp_fault
    uint32_t index; // STATUS, CPU: component index
    char target[COMP_NAME_MAX];
};

// Packs name (at most COMP_NAME_MAX - 1 bytes are kept) into w[0..1].
void comp_ctl_put_name(uint64_t w[2], const char *name);
// Unpacks w[0..1] into out; false unless it is a NUL-terminated, NUL-padded,
// non-empty name of letters, digits, '-' and '_' starting with a letter.
bool comp_ctl_get_name(const uint64_t w[2], char out[COMP_NAME_MAX]);

// Builds the message for r (the tag goes in words[5]).
void comp_ctl_encode(const struct comp_ctl_request *r, uint64_t tag, struct chan_msg *m);
// The decode step: checks a request from another component without trusting
// any word. Returns COMP_REPLY_OK with *r filled, COMP_REPLY_BAD_REQUEST or
// COMP_REPLY_BAD_FAULT.
int comp_ctl_decode(const struct chan_msg *m, struct comp_ctl_request *r);

// "bad-pointer", "bad-descriptor", "loop", "abort"; NULL for anything else.
const char *comp_fault_name(uint64_t fault);
// The fault named s, or 0.
uint32_t comp_fault_parse(const char *s);
// "ok", "no such component", ...; "unknown status" past the list.
const char *comp_reply_text(uint64_t status);
// "running", "restarting", "failed", "stopped"; "?" otherwise.
const char *comp_state_name(uint64_t state);

#endif
