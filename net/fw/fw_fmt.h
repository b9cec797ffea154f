// SPDX-License-Identifier: MIT
// Text for the console (net/fw/): a compiled rule or NAT rule written back in
// the rule language (parsing the text gives the same rule), a state entry and
// a route, each as one line into a caller's buffer. Like snprintf, each
// returns the length the whole line needs and never writes past size. Not a
// parser, and not a console: the caller prints the lines.
#ifndef RW_FW_FMT_H
#define RW_FW_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "net/fw/fw_conn.h"
#include "net/fw/fw_route.h"
#include "net/fw/fw_rules.h"

int fw_rule_format(const struct fw_rule *r, const struct fw_ifnames *ifs, char *buf, size_t size);
// The text after the `nat` keyword.
int fw_nat_format(const struct fw_nat_rule *n, const struct fw_ifnames *ifs, char *buf,
                  size_t size);
// "tcp out wan0 10.0.0.2:40000 -> 192.0.2.1:80 nat 203.0.113.1:50000
//  ESTABLISHED expires 86399s pkts 3:2 bytes 180:120 rule 2"
int fw_state_format(const struct fw_state *s, const struct fw_ifnames *ifs, uint64_t now_ms,
                    char *buf, size_t size);
// "10.0.0.0/8 via 198.18.0.254 dev lan0" or "198.18.0.0/24 dev lan0 connected"
int fw_route_format(const struct fw_route *r, const struct fw_ifnames *ifs, char *buf, size_t size);

#endif
