// SPDX-License-Identifier: MIT
// The appliance configuration parser's core (see config.h): splitting the
// text into lines and words, the helpers every statement uses for names,
// numbers and key=value words, and the order of work: read every line, then
// resolve names, so that statements may refer forward. The statements
// themselves are in config_components.c (components, regions, channels) and
// config_net.c (interfaces, routes, rule and nat lines); the canonical printer
// is config_dump.c. It stops at the first bad line, never allocates and never
// trusts the text's length or bytes. It knows nothing of ELF files, PCI buses
// or firewall rule syntax.
#include "servers/init/config.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "servers/init/config_parser.h"

typedef int (*config_statement_fn)(struct config_parser *p, const struct config_tok *w, unsigned n);

int config_fail(struct config_parser *p, int status, const char *fmt, ...)
{
    struct config_error *e = p->err;
    int n = fmt_snprintf(e->msg, sizeof(e->msg), "line %u: ", p->line);
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(e->msg + n, sizeof(e->msg) - n, fmt, ap);
    va_end(ap);
    e->status = status;
    e->line = p->line;
    return status;
}

void config_keep_earliest(struct config_parser *p, int status)
{
    if (status == CONFIG_OK)
        return;
    if (p->first.status == CONFIG_OK || p->err->line < p->first.line)
        p->first = *p->err;
}

// ---- words ----

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_printable(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c < 0x7f);
}

bool config_tok_is(struct config_tok t, const char *word)
{
    size_t n = strlen(word);
    return t.n == n && memcmp(t.s, word, n) == 0;
}

bool config_tok_cut(struct config_tok t, char sep, struct config_tok *before,
                    struct config_tok *after)
{
    for (size_t i = 0; i < t.n; i++) {
        if (t.s[i] == sep) {
            *before = (struct config_tok){t.s, i};
            *after = (struct config_tok){t.s + i + 1, t.n - i - 1};
            return true;
        }
    }
    *before = t;
    *after = (struct config_tok){t.s + t.n, 0};
    return false;
}

const char *config_tok_show(struct config_tok t, char *buf, size_t size)
{
    return fmt_clip(t.s, t.n, buf, size);
}

static struct config_tok trim(struct config_tok t)
{
    while (t.n && is_blank(t.s[0])) {
        t.s++;
        t.n--;
    }
    while (t.n && is_blank(t.s[t.n - 1]))
        t.n--;
    return t;
}

// Takes the first word off *rest. Blanks separate words, except inside a
// quoted span ("..."), which stays part of its word.
static struct config_tok next_word(struct config_tok *rest)
{
    *rest = trim(*rest);
    size_t i = 0;
    bool quoted = false;
    while (i < rest->n && (quoted || !is_blank(rest->s[i]))) {
        if (rest->s[i] == '"')
            quoted = !quoted;
        i++;
    }
    struct config_tok w = {rest->s, i};
    rest->s += i;
    rest->n -= i;
    return w;
}

static int split_words(struct config_parser *p, struct config_tok rest, struct config_tok *w,
                       unsigned *n)
{
    *n = 0;
    for (;;) {
        struct config_tok word = next_word(&rest);
        if (word.n == 0)
            return CONFIG_OK;
        if (*n == CONFIG_MAX_WORDS)
            return config_fail(p, CONFIG_ELIMIT, "more than %d words", CONFIG_MAX_WORDS);
        w[(*n)++] = word;
    }
}

// ---- values ----

bool config_is_number(struct config_tok t)
{
    for (size_t i = 0; i < t.n; i++) {
        if (!config_is_digit(t.s[i]))
            return false;
    }
    return t.n > 0;
}

bool config_parse_uint(struct config_tok t, uint64_t max, uint64_t *v)
{
    if (!config_is_number(t))
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < t.n; i++) {
        unsigned d = (unsigned)(t.s[i] - '0');
        if (d > max || x > (max - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

static bool valid_name(struct config_tok t)
{
    if (t.n == 0 || !config_is_alpha(t.s[0]))
        return false;
    for (size_t i = 1; i < t.n; i++) {
        char c = t.s[i];
        if (!config_is_alpha(c) && !config_is_digit(c) && c != '-' && c != '_')
            return false;
    }
    return true;
}

int config_copy_name(struct config_parser *p, struct config_tok t, const char *what, char *dst)
{
    char show[CONFIG_SHOW_MAX];
    config_tok_show(t, show, sizeof(show));
    if (t.n >= CONFIG_NAME_MAX)
        return config_fail(p, CONFIG_ELIMIT, "%s '%s' longer than %d bytes", what, show,
                           CONFIG_NAME_MAX - 1);
    if (!valid_name(t))
        return config_fail(p, CONFIG_EVALUE,
                           "bad %s '%s' (a letter, then letters, digits, '-' or '_')", what, show);
    memcpy(dst, t.s, t.n);
    dst[t.n] = '\0';
    return CONFIG_OK;
}

int config_take_name(struct config_parser *p, const struct config_tok *w, unsigned n,
                     const char *what, char *dst)
{
    char what_name[32];
    if (n == 0)
        return config_fail(p, CONFIG_ESYNTAX, "%s without a name", what);
    fmt_snprintf(what_name, sizeof(what_name), "%s name", what);
    return config_copy_name(p, w[0], what_name, dst);
}

int config_key_index(struct config_tok key, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        if (config_tok_is(key, names[i]))
            return i;
    }
    return -1;
}

// Removes the quotes around a value: "a b" holds a b.
static struct config_tok unquote(struct config_tok v)
{
    if (v.n >= 2 && v.s[0] == '"' && v.s[v.n - 1] == '"')
        return (struct config_tok){v.s + 1, v.n - 2};
    return v;
}

int config_key(struct config_parser *p, struct config_tok w, const struct config_keys *k,
               unsigned *seen, struct config_tok *val)
{
    char show[CONFIG_SHOW_MAX];
    struct config_tok key;
    bool has_value = config_tok_cut(w, '=', &key, val);
    int i = config_key_index(key, k->names);
    config_tok_show(key, show, sizeof(show));
    if (i < 0)
        return config_fail(p, CONFIG_EKEY, "unknown key '%s' in %s", show, k->what);
    unsigned bit = 1u << i;
    if (has_value && (k->flags & bit))
        return config_fail(p, CONFIG_ESYNTAX, "'%s' takes no value in %s", show, k->what);
    if (!has_value && !(k->flags & bit))
        return config_fail(p, CONFIG_ESYNTAX, "key '%s' without '=value' in %s", show, k->what);
    if ((*seen & bit) && !(k->repeatable & bit))
        return config_fail(p, CONFIG_EKEY, "duplicate key '%s' in %s", show, k->what);
    *seen |= bit;
    *val = unquote(*val);
    return i;
}

int config_require(struct config_parser *p, const struct config_keys *k, unsigned seen,
                   unsigned required, const char *name)
{
    for (int i = 0; k->names[i]; i++) {
        if ((required & (1u << i)) && !(seen & (1u << i)))
            return config_fail(p, CONFIG_EKEY, "missing key '%s' in %s '%s'", k->names[i], k->what,
                               name);
    }
    return CONFIG_OK;
}

// ---- lines ----

static int parse_rule_line(struct config_parser *p, uint8_t kind, struct config_tok rest)
{
    return config_parse_rule(p, kind, trim(rest));
}

static config_statement_fn statement_parser(struct config_tok keyword)
{
    if (config_tok_is(keyword, "component"))
        return config_parse_component;
    if (config_tok_is(keyword, "region"))
        return config_parse_region;
    if (config_tok_is(keyword, "channel"))
        return config_parse_channel;
    if (config_tok_is(keyword, "interface"))
        return config_parse_interface;
    if (config_tok_is(keyword, "route"))
        return config_parse_route;
    return NULL;
}

static int parse_statement(struct config_parser *p, struct config_tok rest)
{
    char show[CONFIG_SHOW_MAX];
    struct config_tok words[CONFIG_MAX_WORDS];
    unsigned n;
    struct config_tok keyword = next_word(&rest);
    if (config_tok_is(keyword, "rule"))
        return parse_rule_line(p, CONFIG_RULE_FILTER, rest);
    if (config_tok_is(keyword, "nat"))
        return parse_rule_line(p, CONFIG_RULE_NAT, rest);
    config_statement_fn parse = statement_parser(keyword);
    if (!parse)
        return config_fail(p, CONFIG_ESYNTAX, "unknown statement '%s'",
                           config_tok_show(keyword, show, sizeof(show)));
    int st = split_words(p, rest, words, &n);
    return st ? st : parse(p, words, n);
}

// Checks the bytes of a line and finds where its comment starts: statements
// are printable ASCII and tabs, comments may also hold UTF-8; a '#' inside
// quotes does not start a comment.
static int scan_line(struct config_parser *p, const char *s, size_t n, size_t *stmt_len)
{
    bool quoted = false;
    size_t i = 0;
    for (; i < n && (quoted || s[i] != '#'); i++) {
        if (!is_printable((unsigned char)s[i]))
            return config_fail(p, CONFIG_ESYNTAX, "unexpected byte 0x%02x in column %zu",
                               (unsigned char)s[i], i + 1);
        if (s[i] == '"')
            quoted = !quoted;
    }
    if (quoted)
        return config_fail(p, CONFIG_ESYNTAX, "unterminated quote");
    *stmt_len = i;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return config_fail(p, CONFIG_ESYNTAX, "unexpected byte 0x%02x in column %zu", c, i + 1);
    }
    return CONFIG_OK;
}

// One line without its '\n' (a '\r' before it is dropped too).
static int parse_line(struct config_parser *p, const char *s, size_t n)
{
    size_t stmt_len = 0;
    if (n && s[n - 1] == '\r')
        n--;
    if (n > CONFIG_LINE_MAX)
        return config_fail(p, CONFIG_ELIMIT, "line longer than %d bytes", CONFIG_LINE_MAX);
    int st = scan_line(p, s, n, &stmt_len);
    if (st)
        return st;
    struct config_tok stmt = trim((struct config_tok){s, stmt_len});
    return stmt.n ? parse_statement(p, stmt) : CONFIG_OK;
}

static int parse_lines(struct config_parser *p, const char *text, size_t len)
{
    while (len && text[len - 1] == '\0') // page padding after a boot module
        len--;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        p->line++;
        int st = parse_line(p, text + pos, end - pos);
        if (st)
            return st;
        pos = end + 1;
    }
    return CONFIG_OK;
}

// ---- references ----

static int resolve(struct config_parser *p)
{
    config_resolve_components(p);
    config_resolve_net(p);
    *p->err = p->first;
    return p->first.status;
}

int config_parse(const char *text, size_t len, unsigned max_cores, struct config *out,
                 struct config_error *err)
{
    if (out)
        memset(out, 0, sizeof(*out));
    if (err)
        memset(err, 0, sizeof(*err));
    if (!out || !err || (!text && len) || max_cores == 0 || max_cores > CONFIG_MAX_CORES) {
        if (err) {
            err->status = CONFIG_EINVAL;
            fmt_snprintf(err->msg, sizeof(err->msg), "bad arguments (max_cores %u, 1..%d)",
                         max_cores, CONFIG_MAX_CORES);
        }
        return CONFIG_EINVAL;
    }
    struct config_parser p = {.cfg = out, .err = err, .max_cores = max_cores};
    int st = parse_lines(&p, text, len);
    if (!st)
        st = resolve(&p);
    if (st)
        memset(out, 0, sizeof(*out));
    return st;
}
