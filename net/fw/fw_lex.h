// SPDX-License-Identifier: MIT
// Internal to net/fw/: the tokenizer and the value parsers that the rule and
// NAT parsers share (addresses, port lists, protocols, interface names), and
// the error reporting that names the caller's line. Not a public interface.
#ifndef RW_FW_LEX_H
#define RW_FW_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/fw/fw_rules.h"

struct fw_tok {
    const char *s;
    size_t n; // 0 at the end of the line
};

struct fw_lexer {
    const char *s;
    size_t n, pos;
    uint32_t line;
    const struct fw_ifnames *ifs;
    struct fw_error *err;
};

void fw_lex_init(struct fw_lexer *lx, const char *text, uint32_t line, const struct fw_ifnames *ifs,
                 struct fw_error *err);
struct fw_tok fw_lex_peek(struct fw_lexer *lx);
struct fw_tok fw_lex_next(struct fw_lexer *lx);
bool fw_tok_is(struct fw_tok t, const char *word);
// Takes the next token when it is word.
bool fw_lex_accept(struct fw_lexer *lx, const char *word);

// Records "line N: " + message in lx->err; returns status. "%t" is not
// supported: show a token with fw_tok_show().
int fw_fail(struct fw_lexer *lx, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
// Copies t into buf (NUL-terminated, "..." when cut) for a message.
const char *fw_tok_show(struct fw_tok t, char *buf, size_t size);
// Fails with "expected WHAT, got 'TOKEN'" (or "end of line").
int fw_fail_expected(struct fw_lexer *lx, const char *what);
// Fails unless the line is finished.
int fw_lex_end(struct fw_lexer *lx);

bool fw_tok_uint(struct fw_tok t, uint32_t max, uint32_t *v);
bool fw_tok_ipv4(struct fw_tok t, uint32_t *ip);

// The parsers below take their value from the lexer and return FW_OK or the
// status of the error they recorded.
int fw_parse_addr(struct fw_lexer *lx, struct fw_addr *a);   // [!] any|IPV4|CIDR
int fw_parse_ports(struct fw_lexer *lx, struct fw_ports *p); // N | N-M | N:M | { ... }
int fw_parse_proto(struct fw_lexer *lx, uint8_t *proto);     // tcp|udp|icmp|N
int fw_parse_ifname(struct fw_lexer *lx, uint8_t *ifindex);  // a name in lx->ifs

// The text of a `nat` line (fw_nat.c).
int fw_nat_parse(struct fw_lexer *lx, struct fw_nat_rule *n);

#endif
