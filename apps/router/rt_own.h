// SPDX-License-Identifier: MIT
// Which interfaces a router instance owns (apps/router/rt_own.c): parsed
// from the instance's args, `if=lan0` or `if=lan0,wan0` (the word may
// repeat; other words are left to others). No if= word means every
// interface: one instance doing all the work, as with a single router.
// Pure logic, shared by the router and the console; no I/O.
#ifndef RW_RT_OWN_H
#define RW_RT_OWN_H

#include <stddef.h>
#include <stdint.h>

#define RT_OWN_NAME_MAX 16

enum rt_own_status {
    RT_OWN_OK = 0,
    RT_OWN_EUNKNOWN = -1, // a name that is not an interface
    RT_OWN_EEMPTY = -2,   // "if=" with no name, or an empty name between commas
};

// Sets bit i of *mask for each owned ifnames[i] (nifs <= 32). On an error
// *mask is 0 and bad (if not NULL, badcap bytes) names the offending word.
enum rt_own_status rt_own_parse(const char *args, const char *const *ifnames, unsigned nifs,
                                uint32_t *mask, char *bad, size_t badcap);

#endif
