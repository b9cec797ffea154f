// SPDX-License-Identifier: MIT
// Collecting and checking a new configuration text (see con_cfg.h).
#include "apps/console/con_cfg.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "net/fw/fw_rules.h"

void con_cfg_begin(struct con_cfg *c)
{
    c->len = c->lines = 0;
    c->text[0] = '\0';
    c->active = true;
    c->overflow = false;
}

bool con_cfg_line(struct con_cfg *c, const char *line)
{
    if (!c->active)
        return false;
    if (strcmp(line, ".") == 0) {
        c->active = false;
        return true;
    }
    size_t n = strlen(line);
    if (c->overflow || n + 1 > CON_CFG_MAX - 1 - c->len) {
        c->overflow = true;
        return false;
    }
    memcpy(c->text + c->len, line, n);
    c->len += (uint32_t)n;
    c->text[c->len++] = '\n';
    c->text[c->len] = '\0';
    c->lines++;
    return false;
}

// The rule and nat lines through the firewall's compiler, as the router
// would compile them at start-up.
static bool rules_check(const struct config *cfg, char *msg, uint32_t cap)
{
    static struct fw_line lines[CONFIG_MAX_RULES];
    static struct fw_ruleset rs;
    static struct fw_rule_counters counters[FW_RULES_MAX];
    const char *names[CONFIG_MAX_INTERFACES];
    struct fw_error e;
    for (uint32_t i = 0; i < cfg->ninterfaces; i++)
        names[i] = cfg->interfaces[i].name;
    for (uint32_t i = 0; i < cfg->nrules; i++) {
        const struct config_rule *r = &cfg->rules[i];
        lines[i] = (struct fw_line){r->text, r->line,
                                    r->kind == CONFIG_RULE_NAT ? FW_LINE_NAT : FW_LINE_RULE};
    }
    struct fw_ifnames ifs = {names, cfg->ninterfaces};
    if (fw_rules_compile(lines, cfg->nrules, &ifs, &rs, counters, &e) == FW_OK)
        return true;
    fmt_snprintf(msg, cap, "%s", e.msg);
    return false;
}

bool con_cfg_check(const char *text, uint32_t len, unsigned ncpus, struct config *out, char *msg,
                   uint32_t cap)
{
    struct config_error err;
    if (config_parse(text, len, ncpus, out, &err) != CONFIG_OK) {
        fmt_snprintf(msg, cap, "%s", err.msg);
        return false;
    }
    if (out->ncomponents == 0) {
        fmt_snprintf(msg, cap, "no component line: the appliance would run nothing");
        return false;
    }
    return rules_check(out, msg, cap);
}
