// SPDX-License-Identifier: MIT
// The firewall's rule language and compiled rulesets (net/fw/): the types of a
// compiled filter rule and NAT rule, fw_rules_compile(), which turns the
// `rule` and `nat` lines of ringwall.conf into an immutable struct
// fw_ruleset, and the matching of one packet against the filter rules (last
// match wins, `quick` ends the search). The grammar is in net/fw/README.md.
// It does not track connections or rewrite packets (fw_conn.h, fw_nat.h) and
// does not publish rulesets to the data path (fw.h).
//
// Legend: [I] immutable once compiled, [a] relaxed atomic, any core.
#ifndef RW_FW_RULES_H
#define RW_FW_RULES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/fw/fw_pkt.h"

#define FW_RULES_MAX     256 // filter rules (policy lines not counted)
#define FW_NAT_MAX       32  // nat and rdr rules
#define FW_IF_MAX        16  // interface indexes 0 .. FW_IF_MAX-1
#define FW_IF_ANY        0xff
#define FW_PORTS_MAX     8 // ranges in one port list
#define FW_ERR_MAX       128
#define FW_RULESET_MAGIC 0x46575253u // "FWRS": set last, by a successful compile

enum fw_verdict { FW_PASS = 0, FW_BLOCK = 1, FW_REJECT = 2 };
enum fw_dir { FW_IN = 0, FW_OUT = 1 };
#define FW_DIR_ANY 2 // a rule without in/out

enum fw_status {
    FW_OK = 0,
    FW_EINVAL = -1,  // bad call
    FW_ESYNTAX = -2, // malformed line, unknown keyword
    FW_EVALUE = -3,  // bad address, port, number, protocol or interface
    FW_ELIMIT = -4,  // too many rules, NAT rules or list entries
};

struct fw_error {
    int status;           // enum fw_status
    uint32_t line;        // the caller's line number of the bad line
    char msg[FW_ERR_MAX]; // "line 12: unknown protocol 'tcpp'"
};

// An address match: (a & mask) == addr, inverted by neg. any: mask 0.
struct fw_addr {
    uint32_t addr, mask;
    bool neg;
};

// Port ranges, inclusive; n == 0 matches any port.
struct fw_ports {
    uint8_t n;
    struct {
        uint16_t lo, hi;
    } r[FW_PORTS_MAX];
};

// Flags of struct fw_rule.
#define FW_RULE_LOG   0x01
#define FW_RULE_QUICK 0x02
#define FW_RULE_STATE 0x04 // keep state (default on pass rules)
#define FW_RULE_PROTO 0x08 // proto given
#define FW_RULE_ALL   0x10 // written as "all" (for the printer)

struct fw_rule {
    uint8_t action;  // enum fw_verdict
    uint8_t flags;   // FW_RULE_*
    uint8_t dir;     // FW_IN, FW_OUT or FW_DIR_ANY
    uint8_t ifindex; // FW_IF_ANY for none
    uint8_t proto;
    uint8_t tcp_flags, tcp_mask;  // mask 0: any flags
    int16_t icmp_type, icmp_code; // -1: any
    struct fw_addr src, dst;
    struct fw_ports sport, dport;
    uint32_t line;
};

enum fw_nat_kind { FW_NAT_SNAT = 1, FW_NAT_RDR = 2 };
#define FW_NAT_PORT_LO 49152
#define FW_NAT_PORT_HI 65535

// nat: out on ifindex, source src (and destination dst) becomes to_addr, or
// the address of interface to_if when to_if != FW_IF_ANY, with a source port
// (ICMP echo id) from port_lo..port_hi.
// rdr: in on ifindex, proto, from src to dst port dport becomes to_addr, and
// port to_port when non-zero.
struct fw_nat_rule {
    uint8_t kind; // enum fw_nat_kind
    uint8_t ifindex;
    uint8_t proto; // 0: any (nat only)
    uint8_t to_if; // FW_IF_ANY: use to_addr
    struct fw_addr src, dst;
    struct fw_ports dport; // rdr
    uint32_t to_addr;
    uint16_t to_port;          // rdr
    uint16_t port_lo, port_hi; // nat
    uint32_t line;
};

// Per-rule counters, outside the ruleset: [a] relaxed atomics, written by the
// data path, read by the console.
struct fw_rule_counters {
    _Atomic uint64_t packets, bytes, states;
};

// Counters may sit in memory shared with a console component.
_Static_assert(sizeof(struct fw_rule_counters) == 24, "fw_rule_counters layout");

// A compiled ruleset: [I] once fw_rules_compile() returned FW_OK, except for
// what counters points at (the caller's array). Because of that pointer it
// lives in the address space of the component that compiles and uses it,
// never in shared memory.
struct fw_ruleset {
    uint32_t magic; // FW_RULESET_MAGIC when complete
    uint32_t gen;   // set by fw_publish(), before the ruleset becomes visible
    uint16_t nrules, nnat;
    uint8_t nifs;
    uint8_t policy[FW_IF_MAX][2];      // [ifindex][enum fw_dir]: enum fw_verdict
    struct fw_rule_counters *counters; // FW_RULES_MAX entries
    struct fw_rule rules[FW_RULES_MAX];
    struct fw_nat_rule nat[FW_NAT_MAX];
};

enum fw_line_kind { FW_LINE_RULE = 1, FW_LINE_NAT = 2 };

// One line for the compiler: the text after `rule` or `nat` (as kept by the
// init server, struct config_rule) and its line number in the file.
struct fw_line {
    const char *text;
    uint32_t line;
    uint8_t kind; // enum fw_line_kind
};

// Interface names; an interface's index is its position.
struct fw_ifnames {
    const char *const *name;
    unsigned n; // at most FW_IF_MAX
};

// Compiles n lines into *out, which must not be visible to the data path, and
// points it at counters (FW_RULES_MAX entries, zeroed here). On error returns
// a negative enum fw_status with *err naming the line, and leaves *out zeroed
// (no magic), so it can never be published by mistake.
int fw_rules_compile(const struct fw_line *lines, unsigned n, const struct fw_ifnames *ifs,
                     struct fw_ruleset *out, struct fw_rule_counters *counters,
                     struct fw_error *err);

// The result of evaluating the filter rules.
struct fw_match {
    uint8_t verdict; // enum fw_verdict
    bool state;      // the deciding rule keeps state
    bool log;
    int16_t rule; // index of the deciding rule, -1 for the policy
};

// Evaluates the filter rules for p seen in direction dir on ifindex.
struct fw_match fw_rules_eval(const struct fw_ruleset *rs, const struct fw_pkt *p, unsigned ifindex,
                              enum fw_dir dir);

// True when rule r matches p (exported for tests and the console).
bool fw_rule_matches(const struct fw_rule *r, const struct fw_pkt *p, unsigned ifindex,
                     enum fw_dir dir);

bool fw_addr_matches(const struct fw_addr *a, uint32_t ip);
bool fw_ports_match(const struct fw_ports *ps, uint16_t port);

#endif
