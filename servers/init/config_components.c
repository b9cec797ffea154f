// SPDX-License-Identifier: MIT
// The statements that say what runs and how it is wired (see config.h):
// components with their cores, priorities, restart policies, device grants
// whether they may manage other components and whether they are optional; shared memory regions and
// the components they are mapped into; notification channels. It checks what the file alone can
// show (a device granted twice, a region size off a page multiple, a channel to itself); it does
// not look for the ELF modules or the devices, which the init server does at boot, and it does not
// decide what a channel or region is used for.
#include "servers/init/config.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "servers/init/config_parser.h"

static const char *const restart_names[] = {"on-failure", "always", "never", NULL};

enum {
    COMP_ELF,
    COMP_CORE,
    COMP_PRIORITY,
    COMP_RESTART,
    COMP_DEVICE,
    COMP_ARGS,
    COMP_MANAGE,
    COMP_OPTIONAL
};
static const char *const component_key_names[] = {"elf",  "core",   "priority", "restart", "device",
                                                  "args", "manage", "optional", NULL};
static const char *const yes_no_names[] = {"no", "yes", NULL};
static const struct config_keys component_keys = {"component", component_key_names,
                                                  1u << COMP_DEVICE, 0};

int config_find_component(const struct config *cfg, const char *name)
{
    for (uint32_t i = 0; i < cfg->ncomponents; i++) {
        if (strcmp(cfg->components[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

const char *config_restart_name(unsigned restart)
{
    return restart <= CONFIG_RESTART_NEVER ? restart_names[restart] : "?";
}

// An ELF module name: letters, digits, '.', '-' and '_', no directories.
static bool valid_elf(struct config_tok v)
{
    for (size_t i = 0; i < v.n; i++) {
        char c = v.s[i];
        if (!config_is_alpha(c) && !config_is_digit(c) && c != '.' && c != '-' && c != '_')
            return false;
    }
    return v.n > 0;
}

static int copy_elf(struct config_parser *p, struct config_tok v, char *dst)
{
    char show[CONFIG_SHOW_MAX];
    config_tok_show(v, show, sizeof(show));
    if (v.n >= CONFIG_FILE_MAX)
        return config_fail(p, CONFIG_ELIMIT, "elf '%s' longer than %d bytes", show,
                           CONFIG_FILE_MAX - 1);
    if (!valid_elf(v))
        return config_fail(p, CONFIG_EVALUE, "bad elf '%s' (letters, digits, '.', '-', '_')", show);
    memcpy(dst, v.s, v.n);
    dst[v.n] = '\0';
    return CONFIG_OK;
}

static int copy_args(struct config_parser *p, struct config_tok v, char *dst)
{
    if (v.n >= CONFIG_ARGS_MAX)
        return config_fail(p, CONFIG_ELIMIT, "args longer than %d bytes", CONFIG_ARGS_MAX - 1);
    for (size_t i = 0; i < v.n; i++) {
        if (v.s[i] == '"')
            return config_fail(p, CONFIG_EVALUE, "args may not hold quotes");
    }
    memcpy(dst, v.s, v.n);
    dst[v.n] = '\0';
    return CONFIG_OK;
}

static int parse_number_key(struct config_parser *p, struct config_tok v, const char *key,
                            unsigned max, uint8_t *dst)
{
    uint64_t x;
    char show[CONFIG_SHOW_MAX];
    if (!config_parse_uint(v, max, &x))
        return config_fail(p, CONFIG_EVALUE, "bad %s '%s' (expected 0..%u)", key,
                           config_tok_show(v, show, sizeof(show)), max);
    *dst = (uint8_t)x;
    return CONFIG_OK;
}

static int parse_restart(struct config_parser *p, struct config_tok v, uint8_t *dst)
{
    char show[CONFIG_SHOW_MAX];
    int i = config_key_index(v, restart_names);
    if (i < 0)
        return config_fail(p, CONFIG_EVALUE,
                           "bad restart '%s' (expected always, never or on-failure)",
                           config_tok_show(v, show, sizeof(show)));
    *dst = (uint8_t)i;
    return CONFIG_OK;
}

// key=yes|no: manage= (whether the component may ask init to restart
// components or inject faults into them, lib/component.h) and optional=
// (whether init may leave it out when a PCI device it names is missing).
static int parse_yes_no(struct config_parser *p, struct config_tok v, const char *key, bool *dst)
{
    char show[CONFIG_SHOW_MAX];
    int i = config_key_index(v, yes_no_names);
    if (i < 0)
        return config_fail(p, CONFIG_EVALUE, "bad %s '%s' (expected yes or no)", key,
                           config_tok_show(v, show, sizeof(show)));
    *dst = i == 1;
    return CONFIG_OK;
}

static int hex_digit(char c)
{
    char l = (char)(c | 0x20);
    if (config_is_digit(c))
        return c - '0';
    return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

// Hexadecimal digits (no prefix) up to max.
static bool parse_hex(struct config_tok t, uint32_t max, uint32_t *v)
{
    uint32_t x = 0;
    if (t.n == 0 || t.n > 8)
        return false;
    for (size_t i = 0; i < t.n; i++) {
        int d = hex_digit(t.s[i]);
        if (d < 0)
            return false;
        x = x * 16 + (uint32_t)d;
    }
    *v = x;
    return x <= max;
}

static bool parse_port(struct config_tok t, uint32_t *v)
{
    if (t.n > 2 && t.s[0] == '0' && (t.s[1] | 0x20) == 'x')
        t = (struct config_tok){t.s + 2, t.n - 2};
    return parse_hex(t, 0xffff, v);
}

// pci:BB:DD.F, ioport:FIRST-LAST (hexadecimal) or irq:N (decimal).
static bool parse_device_text(struct config_tok v, struct config_device *d)
{
    struct config_tok kind, rest, a, b, c;
    uint32_t x, y, z;
    uint64_t n;
    if (!config_tok_cut(v, ':', &kind, &rest))
        return false;
    if (config_tok_is(kind, "pci") && config_tok_cut(rest, ':', &a, &rest) &&
        config_tok_cut(rest, '.', &b, &c) && parse_hex(a, 0xff, &x) && parse_hex(b, 0x1f, &y) &&
        parse_hex(c, 7, &z)) {
        *d = (struct config_device){.kind = CONFIG_DEV_PCI, .bus = x, .slot = y, .func = z};
        return true;
    }
    if (config_tok_is(kind, "ioport") && config_tok_cut(rest, '-', &a, &b) && parse_port(a, &x) &&
        parse_port(b, &y) && x <= y) {
        *d = (struct config_device){.kind = CONFIG_DEV_IOPORT, .port_first = x, .port_last = y};
        return true;
    }
    if (config_tok_is(kind, "irq") && config_parse_uint(rest, 255, &n)) {
        *d = (struct config_device){.kind = CONFIG_DEV_IRQ, .irq = (uint8_t)n};
        return true;
    }
    return false;
}

static bool devices_overlap(const struct config_device *a, const struct config_device *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case CONFIG_DEV_PCI: return a->bus == b->bus && a->slot == b->slot && a->func == b->func;
    case CONFIG_DEV_IOPORT: return a->port_first <= b->port_last && b->port_first <= a->port_last;
    default: return a->irq == b->irq;
    }
}

// A device may be granted once: components[ncomponents] is the one being read.
static int check_device_free(struct config_parser *p, const struct config_device *d,
                             struct config_tok v)
{
    char show[CONFIG_SHOW_MAX];
    for (uint32_t i = 0; i <= p->cfg->ncomponents; i++) {
        const struct config_component *c = &p->cfg->components[i];
        for (unsigned j = 0; j < c->ndevices; j++) {
            if (devices_overlap(d, &c->devices[j]))
                return config_fail(p, CONFIG_EDUP,
                                   "device '%s' overlaps a grant to '%s' on line %u",
                                   config_tok_show(v, show, sizeof(show)), c->name, c->line);
        }
    }
    return CONFIG_OK;
}

static int parse_device(struct config_parser *p, struct config_component *c, struct config_tok v)
{
    char show[CONFIG_SHOW_MAX];
    struct config_device d;
    if (c->ndevices == CONFIG_MAX_DEVICES)
        return config_fail(p, CONFIG_ELIMIT, "more than %d devices in component '%s'",
                           CONFIG_MAX_DEVICES, c->name);
    if (!parse_device_text(v, &d))
        return config_fail(p, CONFIG_EVALUE,
                           "bad device '%s' (expected pci:BB:DD.F, ioport:FIRST-LAST or irq:N)",
                           config_tok_show(v, show, sizeof(show)));
    int st = check_device_free(p, &d, v);
    if (st)
        return st;
    c->devices[c->ndevices++] = d;
    return CONFIG_OK;
}

static int component_word(struct config_parser *p, struct config_component *c, struct config_tok w,
                          unsigned *seen)
{
    struct config_tok v;
    int key = config_key(p, w, &component_keys, seen, &v);
    switch (key) {
    case COMP_ELF: return copy_elf(p, v, c->elf);
    case COMP_CORE: return parse_number_key(p, v, "core", p->max_cores - 1, &c->core);
    case COMP_PRIORITY:
        return parse_number_key(p, v, "priority", CONFIG_PRIORITY_MAX, &c->priority);
    case COMP_RESTART: return parse_restart(p, v, &c->restart);
    case COMP_DEVICE: return parse_device(p, c, v);
    case COMP_ARGS: return copy_args(p, v, c->args);
    case COMP_MANAGE: return parse_yes_no(p, v, "manage", &c->manage);
    case COMP_OPTIONAL: return parse_yes_no(p, v, "optional", &c->optional);
    default: return key;
    }
}

int config_parse_component(struct config_parser *p, const struct config_tok *w, unsigned n)
{
    struct config *cfg = p->cfg;
    if (cfg->ncomponents == CONFIG_MAX_COMPONENTS)
        return config_fail(p, CONFIG_ELIMIT, "more than %d components", CONFIG_MAX_COMPONENTS);
    struct config_component *c = &cfg->components[cfg->ncomponents];
    int st = config_take_name(p, w, n, "component", c->name);
    if (st)
        return st;
    int prev = config_find_component(cfg, c->name);
    if (prev >= 0)
        return config_fail(p, CONFIG_EDUP, "component '%s' already defined on line %u", c->name,
                           cfg->components[prev].line);
    c->line = p->line;
    c->priority = CONFIG_PRIORITY_DEFAULT;
    c->restart = CONFIG_RESTART_ON_FAILURE;
    unsigned seen = 0;
    for (unsigned i = 1; i < n && !st; i++)
        st = component_word(p, c, w[i], &seen);
    if (!st)
        st = config_require(p, &component_keys, seen, 1u << COMP_ELF | 1u << COMP_CORE, c->name);
    if (!st)
        cfg->ncomponents++;
    return st;
}

// ---- regions ----

enum { REGION_SIZE, REGION_MAP };
static const char *const region_key_names[] = {"size", "map", NULL};
static const struct config_keys region_keys = {"region", region_key_names, 0, 0};

static int find_region(const struct config *cfg, const char *name)
{
    for (uint32_t i = 0; i < cfg->nregions; i++) {
        if (strcmp(cfg->regions[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

_Static_assert(CONFIG_REGION_SIZE_MAX == 1ull << 30, "parse_size() says 1G");

// A byte count with an optional K, M or G (binary) suffix.
static int parse_size(struct config_parser *p, struct config_tok v, uint64_t *size)
{
    char show[CONFIG_SHOW_MAX];
    struct config_tok num = v;
    uint64_t unit = 1, x;
    char last = v.n ? v.s[v.n - 1] : 0;
    if (last == 'K' || last == 'M' || last == 'G') {
        unit = last == 'K' ? 1ull << 10 : last == 'M' ? 1ull << 20 : 1ull << 30;
        num.n--;
    }
    config_tok_show(v, show, sizeof(show));
    if (!config_is_number(num))
        return config_fail(p, CONFIG_EVALUE, "bad size '%s' (expected N, NK, NM or NG)", show);
    if (!config_parse_uint(num, CONFIG_REGION_SIZE_MAX / unit, &x))
        return config_fail(p, CONFIG_EVALUE, "size '%s' larger than 1G", show);
    if (x == 0)
        return config_fail(p, CONFIG_EVALUE, "region size is zero");
    if ((x * unit) % CONFIG_PAGE_SIZE)
        return config_fail(p, CONFIG_EVALUE, "size '%s' is not a multiple of %u", show,
                           CONFIG_PAGE_SIZE);
    *size = x * unit;
    return CONFIG_OK;
}

// One entry of map=: a component name, read-only with a ":ro" suffix.
static int add_map(struct config_parser *p, struct config_region *r, struct config_tok item)
{
    char show[CONFIG_SHOW_MAX];
    struct config_tok name, mode;
    if (r->nmaps == CONFIG_MAX_MAPS)
        return config_fail(p, CONFIG_ELIMIT, "region '%s' mapped into more than %d components",
                           r->name, CONFIG_MAX_MAPS);
    struct config_map *m = &r->maps[r->nmaps];
    m->readonly = config_tok_cut(item, ':', &name, &mode);
    if (m->readonly && !config_tok_is(mode, "ro"))
        return config_fail(p, CONFIG_EVALUE, "bad map mode '%s' (only ':ro')",
                           config_tok_show(mode, show, sizeof(show)));
    int st = config_copy_name(p, name, "component name", m->component);
    for (unsigned i = 0; i < r->nmaps && !st; i++) {
        if (strcmp(r->maps[i].component, m->component) == 0)
            st = config_fail(p, CONFIG_EDUP, "component '%s' listed twice in map", m->component);
    }
    m->index = CONFIG_NONE;
    if (!st)
        r->nmaps++;
    return st;
}

static int parse_maps(struct config_parser *p, struct config_region *r, struct config_tok v)
{
    struct config_tok item;
    bool more = true;
    while (more) {
        more = config_tok_cut(v, ',', &item, &v);
        int st = add_map(p, r, item);
        if (st)
            return st;
    }
    return CONFIG_OK;
}

int config_parse_region(struct config_parser *p, const struct config_tok *w, unsigned n)
{
    struct config *cfg = p->cfg;
    if (cfg->nregions == CONFIG_MAX_REGIONS)
        return config_fail(p, CONFIG_ELIMIT, "more than %d regions", CONFIG_MAX_REGIONS);
    struct config_region *r = &cfg->regions[cfg->nregions];
    int st = config_take_name(p, w, n, "region", r->name);
    if (st)
        return st;
    int prev = find_region(cfg, r->name);
    if (prev >= 0)
        return config_fail(p, CONFIG_EDUP, "region '%s' already defined on line %u", r->name,
                           cfg->regions[prev].line);
    r->line = p->line;
    unsigned seen = 0;
    for (unsigned i = 1; i < n && !st; i++) {
        struct config_tok v;
        int key = config_key(p, w[i], &region_keys, &seen, &v);
        st = key == REGION_SIZE  ? parse_size(p, v, &r->size)
             : key == REGION_MAP ? parse_maps(p, r, v)
                                 : key;
    }
    if (!st)
        st = config_require(p, &region_keys, seen, 1u << REGION_SIZE | 1u << REGION_MAP, r->name);
    if (!st)
        cfg->nregions++;
    return st;
}

// ---- channels ----

static int find_channel(const struct config *cfg, const struct config_channel *ch)
{
    for (uint32_t i = 0; i < cfg->nchannels; i++) {
        const struct config_channel *o = &cfg->channels[i];
        if (strcmp(o->from, ch->from) == 0 && strcmp(o->label, ch->label) == 0)
            return (int)i;
    }
    return -1;
}

// channel FROM[.LABEL] -> TO
int config_parse_channel(struct config_parser *p, const struct config_tok *w, unsigned n)
{
    struct config *cfg = p->cfg;
    if (n != 3 || !config_tok_is(w[1], "->"))
        return config_fail(p, CONFIG_ESYNTAX, "expected 'channel FROM[.LABEL] -> TO'");
    if (cfg->nchannels == CONFIG_MAX_CHANNELS)
        return config_fail(p, CONFIG_ELIMIT, "more than %d channels", CONFIG_MAX_CHANNELS);
    struct config_channel *ch = &cfg->channels[cfg->nchannels];
    struct config_tok from, label;
    int st = CONFIG_OK;
    if (config_tok_cut(w[0], '.', &from, &label))
        st = config_copy_name(p, label, "channel label", ch->label);
    if (!st)
        st = config_copy_name(p, from, "component name", ch->from);
    if (!st)
        st = config_copy_name(p, w[2], "component name", ch->to);
    if (st)
        return st;
    if (strcmp(ch->from, ch->to) == 0)
        return config_fail(p, CONFIG_EVALUE, "channel from '%s' to itself", ch->from);
    int prev = find_channel(cfg, ch);
    if (prev >= 0)
        return config_fail(p, CONFIG_EDUP, "channel '%s%s%s' already defined on line %u", ch->from,
                           ch->label[0] ? "." : "", ch->label, cfg->channels[prev].line);
    ch->from_index = ch->to_index = CONFIG_NONE;
    ch->line = p->line;
    cfg->nchannels++;
    return CONFIG_OK;
}

// ---- references ----

static void resolve_regions(struct config_parser *p)
{
    for (uint32_t i = 0; i < p->cfg->nregions; i++) {
        struct config_region *r = &p->cfg->regions[i];
        p->line = r->line;
        for (unsigned j = 0; j < r->nmaps; j++) {
            int c = config_find_component(p->cfg, r->maps[j].component);
            if (c < 0)
                config_keep_earliest(p, config_fail(p, CONFIG_EREF,
                                                    "region '%s' maps undefined component '%s'",
                                                    r->name, r->maps[j].component));
            r->maps[j].index = c < 0 ? CONFIG_NONE : (uint8_t)c;
        }
    }
}

static void resolve_channels(struct config_parser *p)
{
    for (uint32_t i = 0; i < p->cfg->nchannels; i++) {
        struct config_channel *ch = &p->cfg->channels[i];
        int from = config_find_component(p->cfg, ch->from);
        int to = config_find_component(p->cfg, ch->to);
        p->line = ch->line;
        if (from < 0)
            config_keep_earliest(
                p, config_fail(p, CONFIG_EREF, "channel from undefined component '%s'", ch->from));
        if (to < 0)
            config_keep_earliest(
                p, config_fail(p, CONFIG_EREF, "channel to undefined component '%s'", ch->to));
        ch->from_index = from < 0 ? CONFIG_NONE : (uint8_t)from;
        ch->to_index = to < 0 ? CONFIG_NONE : (uint8_t)to;
    }
}

void config_resolve_components(struct config_parser *p)
{
    resolve_regions(p);
    resolve_channels(p);
}
