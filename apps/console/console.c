// SPDX-License-Identifier: MIT
// The management console component: a command line on COM1. It polls the
// UART's line-status register every 20 ms for typed bytes (the kernel's
// COM1 driver only writes: it sends through THR and never reads RBR, so the
// two can share the port as long as this component only reads LSR and RBR
// and never touches LCR, the divisor or the FIFO setup). Lines are edited by
// con_line.c; `help`, `show memory`, `show cpu` (con_cpu.c) and `show components` (from the
// configuration text, the read-only region COMP_CONFIG_NAME, with the live state init reports),
// `restart` and `inject` (requests to init on the control channel, which
// need manage=yes on our component line) are answered here, every other line
// goes to the router through the mgmt region (shm/mgmt.h) and its channel,
// and the answer is printed. The disk commands (save, load, show saved, show
// disklog) and the periodic log records are con_disk.c's. All output goes through the kernel
// console (rw_debug_write) in pieces of at most one line and CON_CHUNK bytes: the kernel holds its
// console lock for each 256-byte piece, so kernel messages never land in the middle of our lines.
// It is not a shell: no history, no completion, one command at a time.
//
// ringwall.conf:
//   component console elf=console.elf core=0 manage=yes device=ioport:0x3f8-0x3ff
//   region  mgmt size=64K map=console,router
//   channel console.mgmt -> router      (router's IN channel "console.mgmt")
//   channel router.console -> console   (our IN channel "router.console")
// With several router instances, each has its own mgmt region and channel
// pair, and a router command goes to each in turn (con_inst.c).
#include "apps/console/con_cpu.h"
#include "apps/console/con_disk.h"
#include "apps/console/con_inst.h"
#include "apps/console/con_line.h"
#include "apps/console/con_show.h"
#include "lib/comp.h"
#include "lib/comp_ctl.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "shm/mgmt.h"

#define CON_COM1     0x3f8u
#define CON_LSR      (CON_COM1 + 5)
#define CON_LSR_DR   0x01 // a received byte waits in RBR
#define CON_POLL_NS  20000000ull
#define CON_BIT_TICK (1ull << 62) // channels use bits from 0 up, init's control bit 63
#define CON_RX_BURST 64           // bytes taken per poll
#define CON_CHUNK    240          // bytes per rw_debug_write: under the kernel's 256
#define CON_PROMPT   "ringwall> "
#define CON_INIT_NS  4000000000ull // an injected hang takes init up to ~2.6 s to see

static const char con_help_text[] =
    "commands:\n"
    "  help                  this list\n"
    "  show interfaces       addresses, MAC, MTU, link, NIC and router counters\n"
    "  show routes           the routing table\n"
    "  show arp              the ARP cache\n"
    "  show rules            the live ruleset and its counters, NAT rules\n"
    "  show states           connection-tracking entries\n"
    "  show counters         filter drops by reason, per-interface counters\n"
    "  show components       the configured components and their live state\n"
    "  show memory           free memory and kernel counters (the kernel's own view)\n"
    "  show cpu              busy share of each core (since boot, last second), CPU time\n"
    "                        of each component\n"
    "  restart <component>   kill a component and start it again (not a failure)\n"
    "  inject <component> <bad-pointer|bad-descriptor|loop|abort>\n"
    "                        make a component fail, to rehearse recovery\n"
    "  reload                recompile the rule and nat lines and publish them\n"
    "  config                paste a new configuration (end with a line '.'), check it\n"
    "                        and save it to the disk\n"
    "  save                  save the running configuration to the disk\n"
    "  show saved            the configuration saved on the disk\n"
    "  load                  apply the saved rules now (the rest at the next boot)\n"
    "  show disklog [N]      the newest N records of the firewall log on the disk\n"
    "add --json to a show command for one JSON object instead of a table\n";

static const struct comp_info *ci;
static uint32_t uart;
static struct config cfg; // about 30 KiB: off the stack
static bool cfg_ok;
static struct con_line line;
static struct kstats cpu_newer, cpu_older; // kernel samples, CON_CPU_SAMPLE_NS apart

// Writes text in pieces that end at a newline or after CON_CHUNK bytes.
void con_write(const char *s, size_t n)
{
    while (n) {
        size_t k = 0;
        while (k < n && k < CON_CHUNK && s[k++] != '\n')
            ;
        rw_debug_write(s, k);
        s += k;
        n -= k;
    }
}

static void con_puts(const char *s)
{
    con_write(s, strlen(s));
}

// Makes another component's text safe to print: no control bytes but LF and tab.
void con_sanitize(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c > 0x7e)
            s[i] = '?';
    }
}

// Asks the router (its first instance: con_inst.c): cmd's answer into out
// (NUL-terminated), its length, or -1 if there is no router or it did not
// answer within 2 s. The disk code asks too.
int32_t con_ask(const char *cmd, char *out, uint32_t cap)
{
    return con_inst_ask(0, cmd, out, cap);
}

static bool con_is_components(const char *w2)
{
    size_t n = strlen(w2);
    return n >= 3 && strncmp(w2, "components", n) == 0;
}

// Splits a copy of cmd into at most 4 words; returns how many (5: more).
static unsigned con_words(const char *cmd, char copy[CON_LINE_MAX], const char *w[4])
{
    unsigned nw = 0;
    memcpy(copy, cmd, strnlen(cmd, CON_LINE_MAX - 1) + 1);
    copy[CON_LINE_MAX - 1] = '\0';
    for (char *p = copy; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (*p && nw == 4)
            return 5;
        if (*p)
            w[nw++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return nw;
}

// Asks init; prints why not and returns false if there is no answer.
static bool con_ask_init(struct chan_msg *m)
{
    int s = comp_request(ci, m, CON_INIT_NS);
    if (s != RW_OK)
        rw_printf("error: no answer from init: %s\n", rw_status_name(s));
    return s == RW_OK;
}

// Live state from init, one line per component, under the configured table.
static void con_live_state(void)
{
    con_puts("live state (from init):\n");
    for (uint32_t i = 0; i < CONFIG_MAX_COMPONENTS; i++) {
        struct comp_ctl_request r = {.kind = COMP_CTL_STATUS, .index = i};
        struct chan_msg m;
        char name[COMP_NAME_MAX];
        comp_ctl_encode(&r, 0, &m);
        if (!con_ask_init(&m))
            return;
        uint32_t status = (uint32_t)m.words[1];
        if (status == COMP_REPLY_NO_SUCH)
            return;
        if (status != COMP_REPLY_OK || !comp_ctl_get_name(&m.words[3], name)) {
            rw_printf("error: %s\n", comp_reply_text(status));
            return;
        }
        uint64_t d = m.words[2];
        rw_printf("  %-15s %-10s %u restarts, %u failures in a row\n", name,
                  comp_state_name(d & 0xff), (unsigned)(d >> 32), (unsigned)((d >> 8) & 0xffffff));
    }
}

// `restart NAME` and `inject NAME FAULT`, sent to init.
static bool con_manage(const char *cmd)
{
    char copy[CON_LINE_MAX];
    const char *w[4];
    unsigned nw = con_words(cmd, copy, w);
    struct comp_ctl_request r = {0};
    if (nw == 2 && strcmp(w[0], "restart") == 0) {
        r.kind = COMP_CTL_RESTART;
    } else if (nw == 3 && strcmp(w[0], "inject") == 0) {
        r.kind = COMP_CTL_INJECT;
        r.fault = comp_fault_parse(w[2]);
        if (!r.fault) {
            con_puts("error: unknown fault (bad-pointer, bad-descriptor, loop or abort)\n");
            return true;
        }
    } else {
        return false;
    }
    if (strlen(w[1]) >= COMP_NAME_MAX) {
        rw_printf("error: %s: %s\n", w[1], comp_reply_text(COMP_REPLY_NO_SUCH));
        return true;
    }
    memcpy(r.target, w[1], strlen(w[1]) + 1);
    struct chan_msg m;
    comp_ctl_encode(&r, 0, &m);
    if (!con_ask_init(&m))
        return true;
    uint32_t status = (uint32_t)m.words[1];
    if (status != COMP_REPLY_OK)
        rw_printf("error: %s: %s\n", r.target, comp_reply_text(status));
    else if (r.kind == COMP_CTL_RESTART)
        rw_printf("restart: %s restarting\n", r.target);
    else
        rw_printf("inject: %s took fault %s\n", r.target, comp_fault_name(r.fault));
    return true;
}

// `show components [--json]` in either order of its last two words.
static bool con_local_show(char *cmd)
{
    static char text[4096];
    char copy[CON_LINE_MAX];
    const char *w[4];
    unsigned nw = con_words(cmd, copy, w);
    bool json = false;
    if (nw > 4)
        return false;
    if (nw && strcmp(w[nw - 1], "--json") == 0) {
        json = true;
        nw--;
    }
    if (nw != 2 || strcmp(w[0], "show") != 0 || !con_is_components(w[1]))
        return false;
    if (!cfg_ok) {
        con_puts("error: cannot read ringwall.conf (no configuration region)\n");
        return true;
    }
    con_write(text, con_show_components(&cfg, json, text, sizeof(text)));
    if (!json)
        con_live_state();
    return true;
}

// `show memory [--json]`: the kernel's counters (SYS_KSTATS), in KiB where memory.
static void con_show_memory(bool json)
{
    struct kstats k;
    if (rw_kstats(&k) != RW_OK) {
        con_puts("error: kernel counters unavailable\n");
        return;
    }
    unsigned long fr = (unsigned long)k.free_pages * 4, heap = (unsigned long)k.heap_pages * 4,
                  pt = (unsigned long)k.table_pages * 4, objs = (unsigned long)k.kobjects;
    if (json)
        rw_printf("{\"free_kib\": %lu, \"heap_free_kib\": %lu, \"page_table_kib\": %lu, "
                  "\"kernel_objects\": %lu}\n",
                  fr, heap, pt, objs);
    else
        rw_printf("memory: %lu KiB free (%lu KiB of it cached by the kernel heap), %lu KiB of "
                  "page tables, %lu kernel objects\n",
                  fr, heap, pt, objs);
}

// Keeps two kernel samples about CON_CPU_SAMPLE_NS apart for `show cpu`'s interval.
static void con_cpu_tick(uint64_t now)
{
    if (cpu_newer.uptime_ns && now - cpu_newer.uptime_ns < CON_CPU_SAMPLE_NS)
        return;
    struct kstats k;
    if (rw_kstats(&k) != RW_OK)
        return;
    cpu_older = cpu_newer;
    cpu_newer = k;
}

// Each component's CPU time from init (COMP_CTL_CPU); how many it gave.
static uint32_t con_cpu_comps(struct con_cpu_comp *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < CONFIG_MAX_COMPONENTS; i++) {
        struct comp_ctl_request r = {.kind = COMP_CTL_CPU, .index = i};
        struct chan_msg m;
        comp_ctl_encode(&r, 0, &m);
        if (comp_request(ci, &m, CON_INIT_NS) != RW_OK || (uint32_t)m.words[1] != COMP_REPLY_OK ||
            !comp_ctl_get_name(&m.words[3], out[n].name))
            break; // COMP_REPLY_NO_SUCH past the last one; anything else ends the list too
        out[n++].cpu_ns = m.words[2];
    }
    return n;
}

// `show cpu [--json]`: per core busy shares (SYS_KSTATS) and per component CPU time.
static void con_show_cpu(bool json)
{
    static char text[8192];
    static struct con_cpu_comp comps[CONFIG_MAX_COMPONENTS];
    struct kstats now;
    if (rw_kstats(&now) != RW_OK) {
        con_puts("error: kernel counters unavailable\n");
        return;
    }
    const struct kstats *then = cpu_older.uptime_ns ? &cpu_older : 0;
    uint32_t n = con_cpu_comps(comps);
    con_write(text, con_cpu_format(&now, then, comps, n, json, text, sizeof(text)));
}

static void con_run(char *cmd)
{
    if (!*cmd)
        return;
    if (strcmp(cmd, "help") == 0)
        con_puts(con_help_text);
    else if (strcmp(cmd, "show memory") == 0 || strcmp(cmd, "show memory --json") == 0)
        con_show_memory(cmd[11] != 0);
    else if (strcmp(cmd, "show cpu") == 0 || strcmp(cmd, "show cpu --json") == 0)
        con_show_cpu(cmd[8] != 0);
    else if (!con_disk_command(cmd) && !con_local_show(cmd) && !con_manage(cmd))
        con_inst_forward(cmd);
}

static void con_byte(uint8_t c)
{
    char echo[CON_ECHO_MAX];
    enum con_line_event ev = con_line_feed(&line, c, echo);
    if (echo[0])
        con_puts(echo);
    bool pasting = con_disk_collecting();
    if (ev == CON_LINE_DONE && pasting)
        con_disk_feed(con_trim(line.buf));
    else if (ev == CON_LINE_DONE)
        con_run(con_trim(line.buf));
    else if (ev == CON_LINE_OVERLONG && pasting)
        con_disk_overlong();
    else if (ev == CON_LINE_OVERLONG)
        con_puts("error: line too long (at most 255 bytes); ignored\n");
    if (ev != CON_LINE_NONE && !con_disk_collecting())
        con_puts(CON_PROMPT);
}

// Takes the bytes waiting in the UART, a burst at a time.
static void con_poll_uart(void)
{
    for (int i = 0; i < CON_RX_BURST; i++) {
        uint32_t lsr = 0, c = 0;
        if (rw_io_read(uart, CON_LSR, 1, &lsr) != RW_OK || !(lsr & CON_LSR_DR))
            return;
        if (rw_io_read(uart, CON_COM1, 1, &c) != RW_OK)
            return;
        con_byte((uint8_t)c);
    }
}

// The configuration text, for show components.
static void con_load_config(void)
{
    const struct comp_region *r = comp_region(ci, COMP_CONFIG_NAME);
    const struct kinfo *k = (const struct kinfo *)USER_KINFO_VA;
    unsigned cores = k->magic == KINFO_MAGIC ? k->ncpus : CONFIG_MAX_CORES;
    struct config_error err;
    if (!r)
        return;
    cfg_ok = config_parse((const char *)r->va, r->size, cores, &cfg, &err) == CONFIG_OK;
    if (!cfg_ok)
        rw_printf("%s: %s: %s\n", ci->name, COMP_CONFIG_NAME, err.msg);
}

// The UART grant, the router link and the tick. Returns false without a UART.
static bool con_setup(void)
{
    for (uint32_t i = 0; i < ci->ndevices && i < COMP_MAX_DEVICES; i++) {
        if (ci->devices[i].kind == COMP_DEV_IOPORT && !uart)
            uart = ci->devices[i].handle;
    }
    uint32_t lsr = 0;
    if (!uart || rw_io_read(uart, CON_LSR, 1, &lsr) != RW_OK) {
        rw_printf("%s: no device=ioport:0x3f8-0x3ff grant: console disabled\n", ci->name);
        return false;
    }
    uint32_t timer = 0;
    if (rw_timer_create(ci->ntfn, CON_BIT_TICK, &timer) != RW_OK ||
        rw_timer_set(timer, rw_now_ns() + CON_POLL_NS, CON_POLL_NS) != RW_OK) {
        rw_printf("%s: no timer: console disabled\n", ci->name);
        return false;
    }
    con_load_config();
    if (con_inst_setup(ci, cfg_ok ? &cfg : 0) == 0)
        rw_printf("%s: no mgmt region or channel: only local commands\n", ci->name);
    con_disk_init(ci);
    con_line_init(&line);
    return true;
}

int main(uint64_t arg)
{
    ci = comp_start(arg);
    if (!ci)
        return 1;
    bool ok = con_setup();
    if (ok)
        con_puts("console: management console on COM1, type help\n" CON_PROMPT);
    for (;;) {
        uint64_t bits = comp_wait(ci, TIMEOUT_NEVER);
        if (ok && (bits & CON_BIT_TICK)) {
            con_poll_uart(); // router bits outside a command are late answers: ignored
            con_cpu_tick(rw_now_ns());
            con_disk_tick(rw_now_ns());
        }
    }
}
