// SPDX-License-Identifier: MIT
// The router's console commands (rt_cmd.h): splits a command line into words,
// decodes it (nothing changes until the command is known to be well formed),
// then runs it: help, show interfaces and counters (here), the list commands
// (rt_show.c), reload and save. Every show accepts --json and then answers
// with one JSON object. It also serves the mgmt region (shm/mgmt.h) for the
// console component. It runs on the router's thread between batches, so it
// reads router state without locks; NIC counters in shared memory are read
// with relaxed atomic loads. It does not print: the console does.
#include "apps/router/rt_cmd.h"

#include <stdatomic.h>

#include "apps/router/rt_text.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "shm/mgmt.h"

#define RT_CMD_WORDS 6

enum rt_cmd_id {
    RT_CMD_HELP,
    RT_CMD_INTERFACES,
    RT_CMD_ROUTES,
    RT_CMD_ARP,
    RT_CMD_RULES,
    RT_CMD_STATES,
    RT_CMD_COUNTERS,
    RT_CMD_LOG,
    RT_CMD_RELOAD,
    RT_CMD_SAVE,
};

// "show" topics; a unique prefix is enough ("show int").
static const char *const rt_topics[] = {"interfaces", "routes",   "arp", "rules",
                                        "states",     "counters", "log"};

static const char *const rt_help_text =
    "commands:\n"
    "  help                  this list\n"
    "  show interfaces       addresses, MAC, MTU, link; NIC, router and stack counters\n"
    "  show routes           the routing table\n"
    "  show arp              the ARP cache\n"
    "  show rules            the live ruleset and its counters, NAT rules\n"
    "  show states           connection-tracking entries\n"
    "  show counters         filter drops by reason, per-interface counters\n"
    "  show log              the latest packets decided by rules with \"log\"\n"
    "  show components       the configured components (answered by the console)\n"
    "  reload                recompile the rule and nat lines and publish them\n"
    "  save                  save the configuration (needs a disk)\n"
    "add --json to a command for one JSON object instead of a table\n";

struct rt_words {
    char buf[MGMT_REQ_MAX + 1];
    const char *w[RT_CMD_WORDS];
    unsigned n;
    bool json, too_many;
};

// Splits a private copy of line into blank-separated words; --json is a flag.
static void rt_split(const char *line, struct rt_words *ws)
{
    memset(ws, 0, sizeof(*ws));
    size_t len = strnlen(line, MGMT_REQ_MAX);
    memcpy(ws->buf, line, len);
    for (char *p = ws->buf; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            *p++ = '\0';
        if (!*p)
            break;
        char *word = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            p++;
        if (*p)
            *p++ = '\0';
        if (strcmp(word, "--json") == 0)
            ws->json = true;
        else if (ws->n < RT_CMD_WORDS)
            ws->w[ws->n++] = word;
        else
            ws->too_many = true;
    }
}

// The topic named by word (exactly or by a unique prefix), or -1.
static int rt_topic(const char *word)
{
    int found = -1;
    size_t len = strlen(word);
    for (unsigned i = 0; i < sizeof(rt_topics) / sizeof(rt_topics[0]); i++) {
        if (strcmp(word, rt_topics[i]) == 0)
            return (int)i;
        if (len && strncmp(word, rt_topics[i], len) == 0)
            found = found == -1 ? (int)i : -2;
    }
    return found < 0 ? -1 : found;
}

// Decode: the command, or -1.
static int rt_decode(const struct rt_words *ws)
{
    if (ws->too_many || ws->n == 0)
        return -1;
    if (ws->n == 1 && (strcmp(ws->w[0], "help") == 0 || strcmp(ws->w[0], "?") == 0))
        return RT_CMD_HELP;
    if (ws->n == 1 && strcmp(ws->w[0], "reload") == 0)
        return RT_CMD_RELOAD;
    if (ws->n == 1 && strcmp(ws->w[0], "save") == 0)
        return RT_CMD_SAVE;
    if (ws->n == 2 && strcmp(ws->w[0], "show") == 0) {
        int t = rt_topic(ws->w[1]);
        return t < 0 ? -1 : RT_CMD_INTERFACES + t;
    }
    return -1;
}

// The line as typed, for an error message: blanks squeezed, bounded, printable.
static void rt_echo_line(const struct rt_words *ws, char *buf, size_t size)
{
    size_t k = 0;
    for (unsigned i = 0; i < ws->n; i++) {
        for (const char *s = ws->w[i]; *s && k + 4 < size; s++)
            buf[k++] = (*s >= 0x20 && *s < 0x7f && *s != '\'') ? *s : '?';
        if (i + 1 < ws->n && k + 4 < size)
            buf[k++] = ' ';
    }
    if (ws->too_many && k + 4 < size)
        buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
    buf[k] = '\0';
}

static void rt_unknown(const struct rt_words *ws, struct rt_text *t)
{
    char what[72];
    rt_echo_line(ws, what, sizeof(what));
    if (t->json) {
        char msg[128];
        fmt_snprintf(msg, sizeof(msg), "unknown command '%s'", what);
        rt_jobj(t, NULL);
        rt_jstr(t, "error", msg);
        rt_jend(t);
        rt_put(t, "\n");
    } else {
        rt_put(t, "error: unknown command '%s' (try help)\n", what);
    }
}

static void rt_help(struct rt_text *t)
{
    if (!t->json) {
        rt_put(t, "%s", rt_help_text);
        return;
    }
    rt_jobj(t, NULL);
    rt_jarr(t, "commands");
    rt_jstr(t, NULL, "help");
    for (unsigned i = 0; i < sizeof(rt_topics) / sizeof(rt_topics[0]); i++) {
        char c[24];
        fmt_snprintf(c, sizeof(c), "show %s", rt_topics[i]);
        rt_jstr(t, NULL, c);
    }
    rt_jstr(t, NULL, "show components");
    rt_jstr(t, NULL, "reload");
    rt_jstr(t, NULL, "save");
    rt_jend(t);
    rt_jend(t);
    rt_put(t, "\n");
}

// A result line for reload and save: "NAME: ok, detail" or "NAME: failed: detail".
static void rt_result(struct rt_text *t, const char *name, bool ok, const char *detail)
{
    if (!t->json) {
        rt_put(t, "%s: %s%s\n", name, ok ? "ok, " : "failed: ", detail);
        return;
    }
    rt_jobj(t, NULL);
    rt_jstr(t, "command", name);
    rt_jbool(t, "ok", ok);
    rt_jstr(t, ok ? "result" : "error", detail);
    rt_jend(t);
    rt_put(t, "\n");
}

static void rt_reload(struct router *r, struct rt_text *t)
{
    char err[FW_ERR_MAX + 32] = "";
    if (rt_rules_load(r, err, sizeof(err)) != 0) {
        char msg[FW_ERR_MAX + 64];
        err[sizeof(err) - 1] = '\0';
        fmt_snprintf(msg, sizeof(msg), "%s; the old ruleset stays", err[0] ? err : "error");
        rt_result(t, "reload", false, msg);
        return;
    }
    const struct fw_ruleset *rs = &r->rulesets[r->live & 1];
    char msg[96];
    fmt_snprintf(msg, sizeof(msg), "ruleset generation %u: %u rules, %u nat rules", rs->gen,
                 rs->nrules, rs->nnat);
    rt_result(t, "reload", true, msg);
}

// "stage clear", "stage rule|nat LINE TEXT", "stage commit": a rule set the
// console sends line by line (its `load`), published atomically on commit.
// The text is kept raw: a rule may have more words than a command.
static void rt_stage_cmd(struct router *r, const char *arg, struct rt_text *t)
{
    char err[FW_ERR_MAX + 32] = "", msg[FW_ERR_MAX + 64];
    uint32_t line = 0;
    bool nat = strncmp(arg, "nat ", 4) == 0;
    if (strcmp(arg, "clear") == 0) {
        rt_rules_stage_clear(r);
        rt_result(t, "stage", true, "cleared");
    } else if (strcmp(arg, "commit") == 0) {
        if (rt_rules_commit(r, err, sizeof(err)) != 0) {
            err[sizeof(err) - 1] = '\0';
            fmt_snprintf(msg, sizeof(msg), "%s; the old ruleset stays", err[0] ? err : "error");
            rt_result(t, "load", false, msg);
            return;
        }
        const struct fw_ruleset *rs = &r->rulesets[r->live & 1];
        fmt_snprintf(msg, sizeof(msg), "ruleset generation %u: %u rules, %u nat rules", rs->gen,
                     rs->nrules, rs->nnat);
        rt_result(t, "load", true, msg);
    } else if (nat || strncmp(arg, "rule ", 5) == 0) {
        const char *p = arg + (nat ? 4 : 5);
        while (*p >= '0' && *p <= '9' && line < 1000000)
            line = line * 10 + (uint32_t)(*p++ - '0');
        bool ok = line && *p == ' ' && rt_rules_stage(r, nat, line, p + 1) == 0;
        rt_result(t, "stage", ok, ok ? "staged" : "bad line number, too long or too many lines");
    } else {
        rt_result(t, "stage", false, "usage: stage clear | rule|nat LINE TEXT | commit");
    }
}

static void rt_save(struct rt_text *t)
{
    rt_result(t, "save", false,
              "no disk configured; the configuration is the read-only ringwall.conf "
              "of the boot image, edit that and rebuild");
}

// Counter tables: names from the X-macro lists, values read as uint64_t arrays.
#define RT_NAME(n) #n,
static const char *const rt_if_cnt_names[] = {RT_IF_COUNTERS(RT_NAME)};
static const char *const rt_nic_cnt_names[] = {NETIF_DRV_COUNTERS(RT_NAME)};
#undef RT_NAME
#define RT_IF_NCNT  (sizeof(rt_if_cnt_names) / sizeof(rt_if_cnt_names[0]))
#define RT_NIC_NCNT (sizeof(rt_nic_cnt_names) / sizeof(rt_nic_cnt_names[0]))
_Static_assert(RT_IF_NCNT * 8 == sizeof(struct rt_if_counters), "router counters are u64");
_Static_assert(RT_NIC_NCNT * 8 == sizeof(struct netif_drv_counters), "NIC counters are u64");

static uint64_t rt_if_cnt(const struct rt_if *ifp, unsigned i)
{
    return ((const uint64_t *)&ifp->cnt)[i];
}

// A NIC counter from the driver's page: relaxed, the driver writes it.
static uint64_t rt_nic_cnt(const struct rt_if *ifp, unsigned i)
{
    return __atomic_load_n(&((const uint64_t *)ifp->nic.drv)[i], __ATOMIC_RELAXED);
}

static bool rt_nic_ok(const struct rt_if *ifp)
{
    return ifp->nic_ok && ifp->nic.hdr && ifp->nic.drv;
}

// Counters as "name value" pairs, three to a line, or a JSON object.
static void rt_counter_block(struct rt_text *t, const char *title, const char *const *names,
                             unsigned n, const struct rt_if *ifp, bool nic)
{
    if (t->json)
        rt_jobj(t, title);
    else
        rt_put(t, "  %s counters:\n", title);
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = nic ? rt_nic_cnt(ifp, i) : rt_if_cnt(ifp, i);
        if (t->json)
            rt_jnum(t, names[i], v);
        else
            rt_put(t, "    %-16s %12llu%s", names[i], (unsigned long long)v,
                   (i % 3 == 2 || i + 1 == n) ? "\n" : "");
    }
    if (t->json)
        rt_jend(t);
}

// A counter name from the network stack's page (shared memory, so untrusted):
// copied, cut at 23 characters, and anything but [a-z0-9_] made '_'. False
// for an empty name.
static bool rt_stack_name(const char *src, char out[24])
{
    unsigned n = 0;
    for (; n < 23 && src[n]; n++) {
        char c = src[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        out[n] = ok ? c : '_';
    }
    out[n] = 0;
    return n != 0;
}

// The network stack's own counters (the client page of "<if>-up"), if any.
static void rt_stack_block(struct rt_text *t, const struct rt_if *ifp)
{
    if (!ifp->up_ok || !ifp->up.app)
        return;
    const struct netif_app_counters *a = ifp->up.app;
    uint32_t n = __atomic_load_n(&a->count, __ATOMIC_ACQUIRE);
    n = n < NETIF_APP_COUNTERS ? n : NETIF_APP_COUNTERS;
    if (t->json)
        rt_jobj(t, "stack");
    else
        rt_put(t, "  stack counters:\n");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < n; i++) {
        char name[24];
        uint64_t v = __atomic_load_n(&a->c[i].value, __ATOMIC_RELAXED);
        if (!rt_stack_name(a->c[i].name, name))
            continue;
        if (t->json)
            rt_jnum(t, name, v);
        else
            rt_put(t, "    %-16s %12llu%s", name, (unsigned long long)v,
                   ++shown % 3 == 0 ? "\n" : "");
    }
    if (t->json)
        rt_jend(t);
    else if (shown % 3)
        rt_put(t, "\n");
}

static void rt_if_one(struct rt_text *t, const struct rt_if *ifp)
{
    char ip[16], mac[18];
    bool nic = rt_nic_ok(ifp);
    const struct netif_header *h = nic ? ifp->nic.hdr : NULL;
    bool drv_up = h && atomic_load_explicit(&h->drv_state, memory_order_acquire) == NETIF_DRV_UP;
    bool link = h && atomic_load_explicit(&h->link_up, memory_order_relaxed) != 0;
    uint32_t restarts = h ? atomic_load_explicit(&h->drv_restarts, memory_order_relaxed) : 0;
    const char *link_s = !nic ? "unknown" : link ? "up" : "down";
    rt_ip_str(ifp->addr, ip);
    rt_mac_str(ifp->mac, mac);
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jstr(t, "name", ifp->name);
        rt_jstr(t, "address", ip);
        rt_jnum(t, "prefix", ifp->prefix);
        rt_jstr(t, "mac", mac);
        rt_jnum(t, "mtu", ifp->mtu);
        rt_jstr(t, "link", link_s);
        rt_jbool(t, "nic_attached", nic);
        rt_jbool(t, "driver_up", drv_up);
        rt_jnum(t, "driver_restarts", restarts);
        rt_jbool(t, "stack_attached", ifp->up_ok);
        rt_jbool(t, "stack_zero_copy_tx", nic && netif_sends_from(h, ifp->up_id));
        rt_jnum(t, "stack_buffers_at_nic", ifp->up_lent);
    } else {
        rt_put(t, "%s  %s/%u  mac %s  mtu %u  link %s\n", ifp->name, ip, ifp->prefix, mac, ifp->mtu,
               link_s);
        if (nic)
            rt_put(t, "  driver %s, %u restarts; network stack %s, %s (%u buffers at the NIC)\n",
                   drv_up ? "up" : "down", restarts, ifp->up_ok ? "attached" : "not attached",
                   netif_sends_from(h, ifp->up_id) ? "sent from its buffers" : "sent as copies",
                   ifp->up_lent);
        else
            rt_put(t, "  NIC region not attached (driver not ready)\n");
    }
    if (nic)
        rt_counter_block(t, "nic", rt_nic_cnt_names, RT_NIC_NCNT, ifp, true);
    rt_counter_block(t, "router", rt_if_cnt_names, RT_IF_NCNT, ifp, false);
    rt_stack_block(t, ifp);
    if (t->json)
        rt_jend(t);
}

// With several instances each shows only the interfaces it owns.
static bool rt_shown(const struct router *r, unsigned i)
{
    return r->ninst <= 1 || r->ifs[i].own;
}

static void rt_show_interfaces(struct router *r, struct rt_text *t)
{
    unsigned n = r->nifs < RT_IF_MAX ? r->nifs : RT_IF_MAX;
    if (t->json) {
        rt_jobj(t, NULL);
        rt_jarr(t, "interfaces");
    } else if (n == 0) {
        rt_put(t, "no interfaces\n");
    }
    for (unsigned i = 0; i < n; i++) {
        if (rt_shown(r, i))
            rt_if_one(t, &r->ifs[i]);
    }
    if (t->json) {
        rt_jend(t);
        rt_jend(t);
        rt_put(t, "\n");
    }
}

static void rt_filter_counters(struct router *r, struct rt_text *t)
{
    struct fw *fw = &r->fw;
    uint64_t passed = atomic_load_explicit(&fw->passed, memory_order_relaxed);
    uint64_t hits = atomic_load_explicit(&fw->state_hits, memory_order_relaxed);
    uint64_t made = atomic_load_explicit(&fw->states_created, memory_order_relaxed);
    const struct fw_conn_table *ct = &fw->conn;
    if (t->json) {
        rt_jobj(t, "filter");
        rt_jnum(t, "passed", passed);
        rt_jnum(t, "state_hits", hits);
        rt_jnum(t, "states_created", made);
        rt_jnum(t, "states_in_use", ct->n);
        rt_jnum(t, "state_full_drops", ct->full_drops);
        rt_jnum(t, "state_evictions", ct->evictions);
        rt_jnum(t, "states_expired", ct->expired);
        rt_jobj(t, "drops");
    } else {
        rt_put(t, "filter: passed %llu, state hits %llu, states created %llu\n",
               (unsigned long long)passed, (unsigned long long)hits, (unsigned long long)made);
        rt_put(t, "states: %u in use, %llu full drops, %llu evictions, %llu expired\n", ct->n,
               (unsigned long long)ct->full_drops, (unsigned long long)ct->evictions,
               (unsigned long long)ct->expired);
        rt_put(t, "filter drops by reason:\n");
    }
    for (unsigned i = FW_R_OK + 1; i < FW_R_COUNT; i++) {
        uint64_t v = atomic_load_explicit(&fw->drops[i], memory_order_relaxed);
        if (t->json)
            rt_jnum(t, fw_reason_name(i), v);
        else
            rt_put(t, "  %-18s %12llu\n", fw_reason_name(i), (unsigned long long)v);
    }
    if (t->json) {
        rt_jend(t);
        rt_jend(t);
    }
}

// Router counters as a table: one row per counter, one column per interface.
static void rt_if_counter_table(struct router *r, struct rt_text *t, unsigned n)
{
    rt_put(t, "interface counters:\n  %-14s", "");
    for (unsigned k = 0; k < n; k++) {
        if (rt_shown(r, k))
            rt_put(t, " %12s", r->ifs[k].name);
    }
    rt_put(t, "\n");
    for (unsigned i = 0; i < RT_IF_NCNT; i++) {
        rt_put(t, "  %-14s", rt_if_cnt_names[i]);
        for (unsigned k = 0; k < n; k++) {
            if (rt_shown(r, k))
                rt_put(t, " %12llu", (unsigned long long)rt_if_cnt(&r->ifs[k], i));
        }
        rt_put(t, "\n");
    }
}

// The fabric's book-keeping, one entry per peer instance.
static void rt_fabric_counters(struct router *r, struct rt_text *t)
{
    if (t->json)
        rt_jobj(t, "fabric");
    else
        rt_put(t, "fabric (instance %u of %u):\n", r->self, r->ninst);
    for (unsigned j = 0; j < r->ninst && j < FABRIC_MAX_INST; j++) {
        const struct rt_peer *p = &r->peers[j];
        if (j == r->self)
            continue;
        if (!t->json) {
            rt_put(t, "  %-12s lent %llu, lost at its restarts %llu, restarts %llu, refused %llu\n",
                   p->name, (unsigned long long)p->lent, (unsigned long long)p->lost,
                   (unsigned long long)p->restarts, (unsigned long long)p->errors);
            continue;
        }
        rt_jobj(t, p->name);
        rt_jnum(t, "lent", p->lent);
        rt_jnum(t, "lost", p->lost);
        rt_jnum(t, "restarts", p->restarts);
        rt_jnum(t, "refused", p->errors);
        rt_jend(t);
    }
    if (t->json)
        rt_jend(t);
}

static void rt_show_counters(struct router *r, struct rt_text *t)
{
    unsigned n = r->nifs < RT_IF_MAX ? r->nifs : RT_IF_MAX;
    if (t->json)
        rt_jobj(t, NULL);
    rt_filter_counters(r, t);
    if (r->ninst > 1)
        rt_fabric_counters(r, t);
    if (!t->json) {
        if (n)
            rt_if_counter_table(r, t, n);
        return;
    }
    rt_jobj(t, "interfaces");
    for (unsigned k = 0; k < n; k++) {
        if (rt_shown(r, k))
            rt_counter_block(t, r->ifs[k].name, rt_if_cnt_names, RT_IF_NCNT, &r->ifs[k], false);
    }
    rt_jend(t);
    rt_jend(t);
    rt_put(t, "\n");
}

// Invoke: runs a decoded command.
static void rt_invoke(struct router *r, int cmd, struct rt_text *t)
{
    switch (cmd) {
    case RT_CMD_HELP: rt_help(t); break;
    case RT_CMD_INTERFACES: rt_show_interfaces(r, t); break;
    case RT_CMD_ROUTES: rt_show_routes(r, t); break;
    case RT_CMD_ARP: rt_show_arp(r, t); break;
    case RT_CMD_RULES: rt_show_rules(r, t); break;
    case RT_CMD_STATES: rt_show_states(r, t); break;
    case RT_CMD_COUNTERS: rt_show_counters(r, t); break;
    case RT_CMD_LOG: rt_show_log(r, t); break;
    case RT_CMD_RELOAD: rt_reload(r, t); break;
    case RT_CMD_SAVE: rt_save(t); break;
    }
}

uint32_t rt_cmd_run(struct router *r, const char *line, char *out, uint32_t cap, bool *truncated)
{
    static struct rt_words ws; // one thread; keeps 1 KiB off the stack
    struct rt_text t;
    rt_split(line ? line : "", &ws);
    rt_text_init(&t, out, cap, ws.json);
    int cmd = rt_decode(&ws);
    if (line && strncmp(line, "stage ", 6) == 0 && !ws.json)
        rt_stage_cmd(r, line + 6, &t); // the raw text, not the words
    else if (ws.n && cmd < 0)
        rt_unknown(&ws, &t);
    else if (ws.n)
        rt_invoke(r, cmd, &t); // an empty line has an empty answer
    if (truncated)
        *truncated = t.over;
    return rt_text_finish(&t);
}

uint32_t rt_cmd_exec(struct router *r, const char *line, char *out, uint32_t cap)
{
    return rt_cmd_run(r, line, out, cap, NULL);
}

bool rt_mgmt_poll(struct router *r, void *mgmt_region, uint64_t size)
{
    char req[MGMT_REQ_MAX + 1];
    if (!mgmt_region_ok(mgmt_region, size))
        return false;
    uint32_t seq = mgmt_request_get(mgmt_region, req, sizeof(req));
    if (seq == 0)
        return false;
    bool trunc = false;
    mgmt_response_begin(mgmt_region, seq);
    // Written straight into the shared answer area and never read back.
    uint32_t n = rt_cmd_run(r, req, mgmt_resp(mgmt_region), MGMT_RESP_MAX, &trunc);
    mgmt_response_publish(mgmt_region, seq, n, trunc ? MGMT_RESP_TRUNCATED : 0);
    return true;
}
