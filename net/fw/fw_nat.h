// SPDX-License-Identifier: MIT
// Network address translation for the packet filter (net/fw/): finding the
// nat or rdr rule for a packet, choosing the translated tuple of a new flow
// (source port or ICMP echo id from the rule's range, unique among the
// tracked flows), and rewriting a packet's addresses and ports in place with
// incremental IP and L4 checksum updates. The binding itself lives in the
// flow's connection-tracking entry (fw_conn.h), so replies are translated
// back by fw_filter(), and so are ICMP errors about the flow (their quoted
// datagram too). It parses only the `nat` text (fw_lex.h) and decides no policy.
#ifndef RW_FW_NAT_H
#define RW_FW_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "net/fw/fw_conn.h"
#include "net/fw/fw_pkt.h"
#include "net/fw/fw_rules.h"

#define FW_NAT_PROBES 4096 // ports tried before a range counts as exhausted

// The first NAT rule for p seen in dir on ifindex: nat rules apply going out,
// rdr rules coming in. NULL when none matches.
const struct fw_nat_rule *fw_nat_find(const struct fw_ruleset *rs, const struct fw_pkt *p,
                                      unsigned ifindex, unsigned dir);

// The address nat translates to: to_addr, or the current address of to_if
// from if_addr[] (0 when the interface has none yet).
uint32_t fw_nat_addr(const struct fw_nat_rule *n, _Atomic uint32_t *if_addr);

// Chooses *xlat for a new flow orig, seen in dir, under rule n translating to
// address to (fw_nat_addr). The reply key of *xlat is free in t. Returns
// FW_R_OK or FW_R_NAT_EXHAUSTED.
enum fw_reason fw_nat_bind(struct fw_conn_table *t, const struct fw_nat_rule *n, uint32_t to,
                           unsigned dir, const struct fw_tuple *orig, struct fw_tuple *xlat,
                           uint64_t now_ms);

// Rewrites p so that its tuple becomes to (addresses always; ports and ICMP
// echo ids only when p has an L4 header), updating the IPv4 header checksum
// and the TCP, UDP or ICMP checksum incrementally; p's fields follow.
void fw_nat_rewrite(struct fw_pkt *p, const struct fw_tuple *to);

// ICMP errors about a tracked flow ("related" packets). fw_nat_icmp_inner()
// reads the tuple of the datagram quoted in ICMP error p (false when p is not
// an ICMP error or the quote is too short). fw_nat_rewrite_icmp() translates
// such an error travelling like a reply to the quoted datagram: reply is the
// tuple that reply is translated to; the quoted datagram becomes its reverse,
// and the outer addresses follow where they were the quoted ones.
bool fw_nat_icmp_inner(const struct fw_pkt *p, struct fw_tuple *quoted);
void fw_nat_rewrite_icmp(struct fw_pkt *p, const struct fw_tuple *quoted,
                         const struct fw_tuple *reply);

#endif
