// SPDX-License-Identifier: MIT
// The network half of the configuration parser (see config.h): IPv4 addresses
// and prefixes, the interface and route statements, and rule and nat lines,
// which are only stored, with their line numbers, for the firewall's own
// parser. The checks here are the ones a file can fail on its own (a gateway
// off its interface's subnet, a prefix with host bits set); whether a link is
// up or a gateway answers is for the network stack to find out.
#include "servers/init/config.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "servers/init/config_parser.h"

enum { IF_DRIVER, IF_ADDRESS, IF_DHCP, IF_MTU };
static const char *const interface_key_names[] = {"driver", "address", "dhcp", "mtu", NULL};
static const struct config_keys interface_keys = {"interface", interface_key_names, 0,
                                                  1u << IF_DHCP};

enum { ROUTE_VIA, ROUTE_DEV };
static const char *const route_key_names[] = {"via", "dev", NULL};

// ---- addresses ----

static uint32_t prefix_mask(unsigned prefix)
{
    return prefix ? ~0u << (32 - prefix) : 0;
}

// A decimal number without leading zeros.
static bool parse_plain(struct config_tok t, uint64_t max, uint64_t *v)
{
    if (t.n > 1 && t.s[0] == '0')
        return false;
    return config_parse_uint(t, max, v);
}

bool config_parse_ipv4(struct config_tok t, uint32_t *addr)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        struct config_tok part;
        uint64_t v;
        bool more = config_tok_cut(t, '.', &part, &t);
        if (more != (i < 3) || !parse_plain(part, 255, &v))
            return false;
        a = a << 8 | (uint32_t)v;
    }
    *addr = a;
    return true;
}

bool config_parse_cidr(struct config_tok t, uint32_t *addr, uint8_t *prefix)
{
    struct config_tok a, len;
    uint64_t v;
    if (!config_tok_cut(t, '/', &a, &len) || !parse_plain(len, 32, &v) ||
        !config_parse_ipv4(a, addr))
        return false;
    *prefix = (uint8_t)v;
    return true;
}

void config_ipv4_text(uint32_t a, char buf[16])
{
    fmt_snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static bool is_unicast(uint32_t a)
{
    uint32_t first = a >> 24;
    return first != 0 && first != 127 && first < 224;
}

// ---- interfaces ----

int config_find_interface(const struct config *cfg, const char *name)
{
    for (uint32_t i = 0; i < cfg->ninterfaces; i++) {
        if (strcmp(cfg->interfaces[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

// address=A.B.C.D/N: a unicast host address, not its subnet's network or
// broadcast address (prefixes up to /30), not already on another interface.
static int parse_address(struct config_parser *p, struct config_interface *ifc, struct config_tok v)
{
    char show[CONFIG_SHOW_MAX];
    config_tok_show(v, show, sizeof(show));
    if (!config_parse_cidr(v, &ifc->addr, &ifc->prefix))
        return config_fail(p, CONFIG_EVALUE, "bad address '%s' (expected A.B.C.D/N)", show);
    uint32_t host = ifc->addr & ~prefix_mask(ifc->prefix);
    if (ifc->prefix == 0 || !is_unicast(ifc->addr))
        return config_fail(p, CONFIG_EVALUE, "address '%s' is not a unicast host address", show);
    if (ifc->prefix <= 30 && (host == 0 || host == ~prefix_mask(ifc->prefix)))
        return config_fail(p, CONFIG_EVALUE, "address '%s' is a network or broadcast address",
                           show);
    for (uint32_t i = 0; i < p->cfg->ninterfaces; i++) {
        const struct config_interface *o = &p->cfg->interfaces[i];
        if (!o->dhcp && o->addr == ifc->addr)
            return config_fail(p, CONFIG_EDUP, "address '%s' already on interface '%s'", show,
                               o->name);
    }
    return CONFIG_OK;
}

static int parse_mtu(struct config_parser *p, struct config_tok v, uint16_t *mtu)
{
    char show[CONFIG_SHOW_MAX];
    uint64_t x;
    if (!config_parse_uint(v, CONFIG_MTU_MAX, &x) || x < CONFIG_MTU_MIN)
        return config_fail(p, CONFIG_EVALUE, "bad mtu '%s' (expected %d..%d)",
                           config_tok_show(v, show, sizeof(show)), CONFIG_MTU_MIN, CONFIG_MTU_MAX);
    *mtu = (uint16_t)x;
    return CONFIG_OK;
}

static int interface_word(struct config_parser *p, struct config_interface *ifc,
                          struct config_tok w, unsigned *seen)
{
    struct config_tok v;
    int key = config_key(p, w, &interface_keys, seen, &v);
    switch (key) {
    case IF_DRIVER: return config_copy_name(p, v, "driver", ifc->driver);
    case IF_ADDRESS: return parse_address(p, ifc, v);
    case IF_DHCP: ifc->dhcp = true; return CONFIG_OK;
    case IF_MTU: return parse_mtu(p, v, &ifc->mtu);
    default: return key;
    }
}

// Exactly one of address= and dhcp.
static int check_addressing(struct config_parser *p, const struct config_interface *ifc,
                            unsigned seen)
{
    bool address = seen & (1u << IF_ADDRESS);
    if (address && ifc->dhcp)
        return config_fail(p, CONFIG_EKEY, "interface '%s' has both address= and dhcp", ifc->name);
    if (!address && !ifc->dhcp)
        return config_fail(p, CONFIG_EKEY, "missing key 'address' (or dhcp) in interface '%s'",
                           ifc->name);
    return CONFIG_OK;
}

int config_parse_interface(struct config_parser *p, const struct config_tok *w, unsigned n)
{
    struct config *cfg = p->cfg;
    if (cfg->ninterfaces == CONFIG_MAX_INTERFACES)
        return config_fail(p, CONFIG_ELIMIT, "more than %d interfaces", CONFIG_MAX_INTERFACES);
    struct config_interface *ifc = &cfg->interfaces[cfg->ninterfaces];
    int st = config_take_name(p, w, n, "interface", ifc->name);
    if (st)
        return st;
    int prev = config_find_interface(cfg, ifc->name);
    if (prev >= 0)
        return config_fail(p, CONFIG_EDUP, "interface '%s' already defined on line %u", ifc->name,
                           cfg->interfaces[prev].line);
    ifc->line = p->line;
    ifc->mtu = CONFIG_MTU_DEFAULT;
    ifc->driver_index = CONFIG_NONE;
    unsigned seen = 0;
    for (unsigned i = 1; i < n && !st; i++)
        st = interface_word(p, ifc, w[i], &seen);
    if (!st)
        st = config_require(p, &interface_keys, seen, 1u << IF_DRIVER, ifc->name);
    if (!st)
        st = check_addressing(p, ifc, seen);
    if (!st)
        cfg->ninterfaces++;
    return st;
}

// ---- routes ----

static int find_route(const struct config *cfg, const struct config_route *r)
{
    for (uint32_t i = 0; i < cfg->nroutes; i++) {
        if (cfg->routes[i].dest == r->dest && cfg->routes[i].prefix == r->prefix)
            return (int)i;
    }
    return -1;
}

static int parse_destination(struct config_parser *p, struct config_route *r, struct config_tok t)
{
    char show[CONFIG_SHOW_MAX];
    config_tok_show(t, show, sizeof(show));
    if (!config_parse_cidr(t, &r->dest, &r->prefix))
        return config_fail(p, CONFIG_EVALUE, "bad prefix '%s' (expected A.B.C.D/N)", show);
    if (r->dest & ~prefix_mask(r->prefix))
        return config_fail(p, CONFIG_EVALUE, "prefix '%s' has host bits set", show);
    int prev = find_route(p->cfg, r);
    if (prev >= 0)
        return config_fail(p, CONFIG_EDUP, "route %s already defined on line %u", show,
                           p->cfg->routes[prev].line);
    return CONFIG_OK;
}

static int parse_gateway(struct config_parser *p, struct config_route *r, struct config_tok v)
{
    char show[CONFIG_SHOW_MAX];
    if (!config_parse_ipv4(v, &r->via) || !is_unicast(r->via))
        return config_fail(p, CONFIG_EVALUE, "bad gateway '%s' (expected a unicast A.B.C.D)",
                           config_tok_show(v, show, sizeof(show)));
    return CONFIG_OK;
}

// "via GATEWAY" or "dev INTERFACE"; val is NULL when the key ends the line.
static int route_word(struct config_parser *p, struct config_route *r, struct config_tok key,
                      const struct config_tok *val, unsigned *seen)
{
    char show[CONFIG_SHOW_MAX];
    int i = config_key_index(key, route_key_names);
    config_tok_show(key, show, sizeof(show));
    if (i < 0)
        return config_fail(p, CONFIG_EKEY, "unknown key '%s' in route", show);
    if (*seen & (1u << i))
        return config_fail(p, CONFIG_EKEY, "duplicate key '%s' in route", show);
    if (!val)
        return config_fail(p, CONFIG_ESYNTAX, "'%s' without a value in route", show);
    *seen |= 1u << i;
    if (i == ROUTE_VIA)
        return parse_gateway(p, r, *val);
    return config_copy_name(p, *val, "interface name", r->dev);
}

// route PREFIX [via GATEWAY] [dev INTERFACE], at least one of via and dev.
int config_parse_route(struct config_parser *p, const struct config_tok *w, unsigned n)
{
    struct config *cfg = p->cfg;
    if (cfg->nroutes == CONFIG_MAX_ROUTES)
        return config_fail(p, CONFIG_ELIMIT, "more than %d routes", CONFIG_MAX_ROUTES);
    if (n == 0)
        return config_fail(p, CONFIG_ESYNTAX, "route without a prefix");
    struct config_route *r = &cfg->routes[cfg->nroutes];
    int st = parse_destination(p, r, w[0]);
    unsigned seen = 0;
    for (unsigned i = 1; i < n && !st; i += 2)
        st = route_word(p, r, w[i], i + 1 < n ? &w[i + 1] : NULL, &seen);
    if (!st && !seen)
        st = config_fail(p, CONFIG_EKEY, "route needs via or dev");
    if (st)
        return st;
    r->line = p->line;
    r->dev_index = CONFIG_NONE;
    cfg->nroutes++;
    return CONFIG_OK;
}

// ---- rule and nat lines ----

int config_parse_rule(struct config_parser *p, uint8_t kind, struct config_tok text)
{
    struct config *cfg = p->cfg;
    const char *what = kind == CONFIG_RULE_NAT ? "nat" : "rule";
    if (text.n == 0)
        return config_fail(p, CONFIG_ESYNTAX, "empty %s line", what);
    if (cfg->nrules == CONFIG_MAX_RULES)
        return config_fail(p, CONFIG_ELIMIT, "more than %d rule and nat lines", CONFIG_MAX_RULES);
    if (text.n >= CONFIG_RULE_MAX)
        return config_fail(p, CONFIG_ELIMIT, "%s longer than %d bytes", what, CONFIG_RULE_MAX - 1);
    struct config_rule *r = &cfg->rules[cfg->nrules++];
    r->line = p->line;
    r->kind = kind;
    memcpy(r->text, text.s, text.n);
    r->text[text.n] = '\0';
    return CONFIG_OK;
}

// ---- references ----

static void resolve_interfaces(struct config_parser *p)
{
    for (uint32_t i = 0; i < p->cfg->ninterfaces; i++) {
        struct config_interface *ifc = &p->cfg->interfaces[i];
        int c = config_find_component(p->cfg, ifc->driver);
        p->line = ifc->line;
        if (c < 0)
            config_keep_earliest(p, config_fail(p, CONFIG_EREF,
                                                "interface '%s' has undefined driver '%s'",
                                                ifc->name, ifc->driver));
        ifc->driver_index = c < 0 ? CONFIG_NONE : (uint8_t)c;
    }
}

// A gateway must be on the subnet of the interface it is reached through,
// when that interface has a fixed address.
static int check_gateway(struct config_parser *p, const struct config_route *r,
                         const struct config_interface *ifc)
{
    char gw[16], net[16];
    uint32_t mask = prefix_mask(ifc->prefix);
    if (!r->via || ifc->dhcp || (r->via & mask) == (ifc->addr & mask))
        return CONFIG_OK;
    config_ipv4_text(r->via, gw);
    config_ipv4_text(ifc->addr & mask, net);
    return config_fail(p, CONFIG_EVALUE, "gateway %s is not on interface '%s' (%s/%u)", gw,
                       ifc->name, net, ifc->prefix);
}

static void resolve_routes(struct config_parser *p)
{
    for (uint32_t i = 0; i < p->cfg->nroutes; i++) {
        struct config_route *r = &p->cfg->routes[i];
        if (!r->dev[0])
            continue;
        int d = config_find_interface(p->cfg, r->dev);
        p->line = r->line;
        if (d < 0) {
            config_keep_earliest(
                p, config_fail(p, CONFIG_EREF, "route dev '%s' is not an interface", r->dev));
            continue;
        }
        r->dev_index = (uint8_t)d;
        config_keep_earliest(p, check_gateway(p, r, &p->cfg->interfaces[d]));
    }
}

void config_resolve_net(struct config_parser *p)
{
    resolve_interfaces(p);
    resolve_routes(p);
}
