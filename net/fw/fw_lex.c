// SPDX-License-Identifier: MIT
// The tokenizer and shared value parsers of the rule language (see fw_lex.h).
// A line is split into words and the punctuation { } , ! ( ) and ->, so that
// "{22,80}" and "{ 22, 80 }" read the same. Everything is bounded by the
// line's length; nothing is allocated or copied except into error messages.
#include "net/fw/fw_lex.h"

#include <stdarg.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "net/fw/fw_route.h"

void fw_lex_init(struct fw_lexer *lx, const char *text, uint32_t line, const struct fw_ifnames *ifs,
                 struct fw_error *err)
{
    lx->s = text;
    lx->n = strlen(text);
    lx->pos = 0;
    lx->line = line;
    lx->ifs = ifs;
    lx->err = err;
}

static bool is_punct(char c)
{
    return c == '{' || c == '}' || c == ',' || c == '!' || c == '(' || c == ')';
}

static bool is_arrow(const struct fw_lexer *lx, size_t i)
{
    return i + 1 < lx->n && lx->s[i] == '-' && lx->s[i + 1] == '>';
}

// The token at lx->pos, without consuming it; *end is where it stops.
static struct fw_tok scan(const struct fw_lexer *lx, size_t *end)
{
    size_t i = lx->pos;
    while (i < lx->n && (lx->s[i] == ' ' || lx->s[i] == '\t'))
        i++;
    size_t start = i;
    if (i < lx->n && is_punct(lx->s[i])) {
        i++;
    } else if (is_arrow(lx, i)) {
        i += 2;
    } else {
        while (i < lx->n && lx->s[i] != ' ' && lx->s[i] != '\t' && !is_punct(lx->s[i]) &&
               !is_arrow(lx, i))
            i++;
    }
    *end = i;
    return (struct fw_tok){lx->s + start, i - start};
}

struct fw_tok fw_lex_peek(struct fw_lexer *lx)
{
    size_t end;
    return scan(lx, &end);
}

struct fw_tok fw_lex_next(struct fw_lexer *lx)
{
    size_t end;
    struct fw_tok t = scan(lx, &end);
    lx->pos = end;
    return t;
}

bool fw_tok_is(struct fw_tok t, const char *word)
{
    size_t n = strlen(word);
    return t.n == n && memcmp(t.s, word, n) == 0;
}

bool fw_lex_accept(struct fw_lexer *lx, const char *word)
{
    if (!fw_tok_is(fw_lex_peek(lx), word))
        return false;
    fw_lex_next(lx);
    return true;
}

int fw_fail(struct fw_lexer *lx, int status, const char *fmt, ...)
{
    struct fw_error *e = lx->err;
    int n = fmt_snprintf(e->msg, sizeof(e->msg), "line %u: ", (unsigned)lx->line);
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
    va_end(ap);
    e->status = status;
    e->line = lx->line;
    return status;
}

const char *fw_tok_show(struct fw_tok t, char *buf, size_t size)
{
    return fmt_clip(t.s, t.n, buf, size);
}

int fw_fail_expected(struct fw_lexer *lx, const char *what)
{
    struct fw_tok t = fw_lex_peek(lx);
    char b[32];
    if (t.n == 0)
        return fw_fail(lx, FW_ESYNTAX, "expected %s, got end of line", what);
    return fw_fail(lx, FW_ESYNTAX, "expected %s, got '%s'", what, fw_tok_show(t, b, sizeof(b)));
}

int fw_lex_end(struct fw_lexer *lx)
{
    struct fw_tok t = fw_lex_peek(lx);
    char b[32];
    if (t.n == 0)
        return FW_OK;
    return fw_fail(lx, FW_ESYNTAX, "unexpected '%s'", fw_tok_show(t, b, sizeof(b)));
}

bool fw_tok_uint(struct fw_tok t, uint32_t max, uint32_t *v)
{
    if (t.n == 0 || t.n > 10 || (t.n > 1 && t.s[0] == '0'))
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (t.s[i] < '0' || t.s[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(t.s[i] - '0');
    }
    if (x > max)
        return false;
    *v = (uint32_t)x;
    return true;
}

// Splits t at the first sep into *a and *b; false when sep is absent.
static bool tok_cut(struct fw_tok t, char sep, struct fw_tok *a, struct fw_tok *b)
{
    for (size_t i = 0; i < t.n; i++) {
        if (t.s[i] == sep) {
            *a = (struct fw_tok){t.s, i};
            *b = (struct fw_tok){t.s + i + 1, t.n - i - 1};
            return true;
        }
    }
    *a = t;
    *b = (struct fw_tok){t.s + t.n, 0};
    return false;
}

bool fw_tok_ipv4(struct fw_tok t, uint32_t *ip)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        struct fw_tok part, rest;
        bool more = tok_cut(t, '.', &part, &rest);
        uint32_t b;
        if (more != (i < 3) || !fw_tok_uint(part, 255, &b))
            return false;
        v = v << 8 | b;
        t = rest;
    }
    *ip = v;
    return true;
}

static int parse_cidr(struct fw_lexer *lx, struct fw_tok t, struct fw_addr *a)
{
    char b[32];
    struct fw_tok ip, len;
    bool has_len = tok_cut(t, '/', &ip, &len);
    uint32_t n = 32;
    if (!fw_tok_ipv4(ip, &a->addr) || (has_len && !fw_tok_uint(len, 32, &n)))
        return fw_fail(lx, FW_EVALUE, "bad address '%s'", fw_tok_show(t, b, sizeof(b)));
    a->mask = fw_mask(n);
    if (a->addr & ~a->mask)
        return fw_fail(lx, FW_EVALUE, "host bits set in '%s'", fw_tok_show(t, b, sizeof(b)));
    return FW_OK;
}

int fw_parse_addr(struct fw_lexer *lx, struct fw_addr *a)
{
    *a = (struct fw_addr){0};
    if (fw_lex_accept(lx, "!"))
        a->neg = true;
    struct fw_tok t = fw_lex_peek(lx);
    if (t.n == 0 || (!fw_tok_is(t, "any") && (t.s[0] < '0' || t.s[0] > '9')))
        return fw_fail_expected(lx, "an address");
    fw_lex_next(lx);
    if (fw_tok_is(t, "any"))
        return FW_OK;
    return parse_cidr(lx, t, a);
}

// One port or range: N, N-M or N:M.
static int parse_range(struct fw_lexer *lx, struct fw_ports *p)
{
    char b[32];
    struct fw_tok t = fw_lex_next(lx), lo, hi;
    bool range = tok_cut(t, '-', &lo, &hi) || tok_cut(t, ':', &lo, &hi);
    uint32_t a, z;
    if (!fw_tok_uint(lo, 65535, &a) || (range && !fw_tok_uint(hi, 65535, &z)))
        return fw_fail(lx, FW_EVALUE, "bad port '%s'", fw_tok_show(t, b, sizeof(b)));
    if (!range)
        z = a;
    if (a > z)
        return fw_fail(lx, FW_EVALUE, "empty port range '%s'", fw_tok_show(t, b, sizeof(b)));
    if (p->n == FW_PORTS_MAX)
        return fw_fail(lx, FW_ELIMIT, "more than %d ports in a list", FW_PORTS_MAX);
    p->r[p->n].lo = (uint16_t)a;
    p->r[p->n].hi = (uint16_t)z;
    p->n++;
    return FW_OK;
}

int fw_parse_ports(struct fw_lexer *lx, struct fw_ports *p)
{
    *p = (struct fw_ports){0};
    if (!fw_lex_accept(lx, "{"))
        return parse_range(lx, p);
    for (;;) {
        int st = parse_range(lx, p);
        if (st != FW_OK)
            return st;
        if (fw_lex_accept(lx, "}"))
            return FW_OK;
        fw_lex_accept(lx, ",");
        if (fw_lex_peek(lx).n == 0)
            return fw_fail_expected(lx, "'}'");
    }
}

int fw_parse_proto(struct fw_lexer *lx, uint8_t *proto)
{
    char b[32];
    struct fw_tok t = fw_lex_next(lx);
    uint32_t v;
    if (fw_tok_is(t, "tcp"))
        *proto = FW_PROTO_TCP;
    else if (fw_tok_is(t, "udp"))
        *proto = FW_PROTO_UDP;
    else if (fw_tok_is(t, "icmp"))
        *proto = FW_PROTO_ICMP;
    else if (fw_tok_uint(t, 255, &v))
        *proto = (uint8_t)v;
    else if (t.n == 0)
        return fw_fail(lx, FW_ESYNTAX, "expected a protocol, got end of line");
    else
        return fw_fail(lx, FW_EVALUE, "unknown protocol '%s'", fw_tok_show(t, b, sizeof(b)));
    return FW_OK;
}

int fw_parse_ifname(struct fw_lexer *lx, uint8_t *ifindex)
{
    char b[32];
    struct fw_tok t = fw_lex_peek(lx);
    if (t.n == 0 || is_punct(t.s[0]) || t.s[0] == '-')
        return fw_fail_expected(lx, "an interface name");
    fw_lex_next(lx);
    unsigned n = lx->ifs ? lx->ifs->n : 0;
    for (unsigned i = 0; i < n && i < FW_IF_MAX; i++) {
        if (fw_tok_is(t, lx->ifs->name[i])) {
            *ifindex = (uint8_t)i;
            return FW_OK;
        }
    }
    return fw_fail(lx, FW_EVALUE, "unknown interface '%s'", fw_tok_show(t, b, sizeof(b)));
}
