// SPDX-License-Identifier: MIT
// The console's disk: the block client, the two logs and the disk commands
// (see con_disk.h; the record formats are con_rec.c's). Everything here runs
// in the console's one thread and waits for its own requests (comp_wait, so
// init's heartbeats are answered meanwhile): a request is submitted, the
// driver signalled, and the completion with its id awaited; a driver restart
// (a new epoch) gets the request again. Writes go record by record, each
// followed by a flush, so blklog's rule (one record write in flight) holds.
#include "apps/console/con_disk.h"

#include "apps/console/con_cfg.h"
#include "apps/console/con_line.h"
#include "apps/console/con_rec.h"
#include "lib/comp.h"
#include "lib/fmt.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "kernel/uapi/syscall.h"
#include "servers/blk/blklog.h"
#include "shm/blk.h"
#include "shm/mgmt.h"

#define MS            1000000ull
#define IO_TIMEOUT_NS (15000 * MS) // the driver's own command timeout is 10 s
#define POOL_READ     0u           // pool offsets: reads land here
#define POOL_WRITE    BLK_MAX_BYTES
#define REC_MAX       (BLKLOG_HDR_BYTES + BLKLOG_MAX_PAYLOAD + 4096u)
#define POOL_NEED     (POOL_WRITE + REC_MAX)
#define SHOW_DEFAULT  10u
#define SHOW_MAX      64u
#define BODY_MAX      (BLKLOG_MAX_PAYLOAD - 64u) // room for the meta line
#define NO_DISK       "error: no disk (no block driver is up on region 'disk')\n"

static const struct comp_info *ci;
static const struct comp_region *reg;
static const struct comp_channel *drv;
static struct blk_side bs;
static struct blk_geom g;
static uint32_t epoch, window; // window: sectors per read
static bool up;
static uint64_t next_id, next_period, fw_last, written, failed;
static uint32_t boot, counters_crc;
static struct blkarea areas;
static struct blklog cfg_lg, log_lg;
static bool have_saved;
static uint64_t saved_sect;
static struct con_cache cache;
static uint8_t cache_buf[BLK_MAX_BYTES];
static uint8_t scratch[REC_MAX], enc[REC_MAX];
static char payload[BLKLOG_MAX_PAYLOAD], body[BLKLOG_MAX_PAYLOAD];
static char ans[MGMT_RESP_MAX + 1];
static struct con_fwlog fw;
static struct con_recent recent[SHOW_MAX];
static struct con_cfg newcfg; // `config`: the text being pasted
static struct config checked; // the parse of a text being checked
static char ask_req[CON_CFG_MSG + CONFIG_RULE_MAX];
_Static_assert(CON_CFG_MAX <= BODY_MAX, "a checked text fits one saved record");

static void say(const char *s)
{
    con_write(s, strlen(s));
}

void con_disk_init(const struct comp_info *info)
{
    ci = info;
    reg = comp_region(ci, CON_DISK_REGION);
    drv = comp_channel(ci, CON_DISK_CHAN, COMP_CHAN_OUT);
    if (reg && (reg->read_only || !drv))
        reg = NULL;
}

static void kick(void)
{
    blk_publish(&bs.req);
    if (blk_should_signal(&bs.req))
        comp_signal(drv);
}

// One request, waited for; its blk status.
static int disk_io(uint16_t op, uint64_t lba, uint32_t n, uint64_t off)
{
    struct blk_req r = {.id = ++next_id, .lba = lba, .offset = off, .nblocks = n, .op = op};
    if (!blk_put(&bs.req, &r))
        return BLK_S_ENODEV;
    kick();
    for (uint64_t end = rw_now_ns() + IO_TIMEOUT_NS;;) {
        struct blk_cpl c;
        while (blk_get(&bs.cpl, &c)) {
            if (c.id == r.id)
                return c.status;
        }
        uint32_t st = atomic_load_explicit(&bs.hdr->state, memory_order_acquire);
        uint32_t e = atomic_load_explicit(&bs.hdr->epoch, memory_order_relaxed);
        if (st == BLK_STATE_UP && e != epoch) { // a restarted driver dropped it
            epoch = e;
            if (blk_put(&bs.req, &r))
                kick();
        }
        if (rw_now_ns() > end)
            return BLK_S_ETIMEDOUT;
        if (blk_request_signal(&bs.cpl))
            comp_wait(ci, 50 * MS); // the driver's bit; also looks at the epoch again
    }
}

// A blklog_read_fn: count sectors from sect, in pieces of one window.
static int disk_read(void *ctx, uint64_t sect, uint32_t count, void *buf)
{
    (void)ctx;
    for (uint8_t *out = buf; count;) {
        uint32_t n = count < window ? count : window;
        if (disk_io(BLK_OP_READ, sect, n, POOL_READ) != BLK_S_OK)
            return -1;
        memcpy(out, bs.pool + POOL_READ, (size_t)n * g.block_size);
        out += (size_t)n * g.block_size;
        sect += n;
        count -= n;
    }
    return 0;
}

// Encodes and writes one record, then flushes; *at gets its sector.
static bool write_record(struct blklog *lg, uint16_t type, const char *p, uint32_t len,
                         uint64_t *at)
{
    struct blklog before = *lg;
    uint64_t sect;
    uint32_t bytes;
    if (blklog_encode(lg, type, p, len, enc, sizeof(enc), &sect, &bytes) != BLKLOG_OK)
        return false;
    memcpy(bs.pool + POOL_WRITE, enc, bytes);
    cache.have = 0; // the window may hold what this overwrites
    int s = BLK_S_OK;
    for (uint32_t done = 0, n; s == BLK_S_OK && done < bytes / g.block_size; done += n) {
        n = bytes / g.block_size - done < window ? bytes / g.block_size - done : window;
        s = disk_io(BLK_OP_WRITE, sect + done, n, POOL_WRITE + (uint64_t)done * g.block_size);
    }
    if (s == BLK_S_OK)
        s = disk_io(BLK_OP_FLUSH, 0, 0, 0);
    if (s != BLK_S_OK) {
        *lg = before; // the next record goes to the same place
        failed++;
        rw_printf("console: disk write failed: %s\n", blk_status_name(s));
        return false;
    }
    written++;
    if (at)
        *at = sect;
    return true;
}

// Reads and checks the record at sect; its payload (in scratch), or NULL.
static char *read_record(uint64_t sect, uint64_t log_id, struct blklog_hdr *h)
{
    if (disk_read(0, sect, 1, scratch) != 0)
        return NULL;
    memcpy(h, scratch, sizeof(*h));
    if (h->magic != BLKLOG_MAGIC || h->nsect == 0 || (uint64_t)h->nsect * g.block_size > REC_MAX)
        return NULL;
    if (h->nsect > 1 && disk_read(0, sect + 1, h->nsect - 1u, scratch + g.block_size) != 0)
        return NULL;
    if (blklog_decode(scratch, (uint32_t)h->nsect * g.block_size, log_id, h) != BLKLOG_OK)
        return NULL;
    return (char *)scratch + BLKLOG_HDR_BYTES;
}

// The boot that wrote the newest record of an area (0: none).
static uint32_t newest_boot(const struct blklog *lg, const struct blklog_scan *sc)
{
    struct blklog_hdr h;
    struct blkarea_meta m;
    char *p = sc->records ? read_record(lg->first + sc->last_sect, lg->log_id, &h) : NULL;
    return p && blkarea_rec_meta(p, h.len, &m) ? m.boot : 0;
}

static bool recover_area(struct blklog *lg, uint64_t first, uint64_t nsect, uint64_t id,
                         struct blklog_scan *sc)
{
    con_cache_init(&cache, disk_read, 0, cache_buf, g.block_size, window, first, first + nsect);
    return blklog_init(lg, g.block_size, first, nsect, id) == BLKLOG_OK &&
           blklog_recover(lg, con_cache_read, &cache, scratch, sizeof(scratch), sc) == BLKLOG_OK;
}

// Both areas: where the next records go, the saved configuration, our boot.
static bool recover(void)
{
    struct blklog_scan c, l;
    if (!recover_area(&cfg_lg, areas.cfg_first, areas.cfg_nsect, BLKAREA_CFG_ID, &c) ||
        !recover_area(&log_lg, areas.log_first, areas.log_nsect, BLKAREA_LOG_ID, &l))
        return false;
    have_saved = c.records && c.last_type == BLKAREA_REC_CONFIG;
    saved_sect = areas.cfg_first + c.last_sect;
    uint32_t b1 = newest_boot(&cfg_lg, &c), b2 = newest_boot(&log_lg, &l);
    boot = (b1 > b2 ? b1 : b2) + 1;
    rw_printf("console: disk: %lu blocks of %u; saved configurations: %lu records (newest %lu); "
              "log: %lu records (newest %lu), %lu torn skipped; boot %u\n",
              (unsigned long)g.nblocks, g.block_size, (unsigned long)c.records,
              (unsigned long)c.last_seq, (unsigned long)l.records, (unsigned long)l.last_seq,
              (unsigned long)(c.torn + l.torn), boot);
    return true;
}

// Attaches once the driver reports the disk up.
static void attach(uint64_t now)
{
    void *va = (void *)reg->va;
    if (!blk_ready(va) || atomic_load_explicit(&((struct blk_header *)va)->state,
                                               memory_order_acquire) != BLK_STATE_UP)
        return;
    if (!blk_attach(&bs, va, reg->size) || bs.pool_size < POOL_NEED) {
        rw_printf("console: disk region too small\n");
        reg = NULL;
        return;
    }
    epoch = atomic_load_explicit(&bs.hdr->epoch, memory_order_relaxed);
    g = (struct blk_geom){bs.hdr->block_size, bs.hdr->max_blocks, bs.hdr->nblocks, bs.pool_size};
    window = BLK_MAX_BYTES / (g.block_size ? g.block_size : 1);
    window = window < g.max_blocks ? window : g.max_blocks;
    if (!window || !blkarea_for(g.block_size, g.nblocks, &areas) || !recover()) {
        rw_printf("console: disk unusable (%lu blocks of %u)\n", (unsigned long)g.nblocks,
                  g.block_size);
        reg = NULL;
        return;
    }
    up = true;
    next_period = now + CON_DISK_PERIOD_NS;
}

static void uptime(uint64_t *ms)
{
    *ms = rw_now_ns() / MS;
}

static bool append(struct blklog *lg, uint16_t type, const char *b, uint32_t len, uint64_t *at)
{
    uint64_t ms;
    uptime(&ms);
    uint32_t n = blkarea_rec_build(payload, sizeof(payload), boot, ms, b, len);
    return n && write_record(lg, type, payload, n, at);
}

// The new firewall log entries, and the counters when they changed.
static void periodic(void)
{
    int32_t n = con_ask("show log --json", ans, sizeof(ans));
    if (n > 0 && con_fwlog_parse(ans, (uint32_t)n, &fw)) {
        uint32_t len = con_fwlog_body(&fw, &fw_last, body, BODY_MAX);
        if (len)
            append(&log_lg, BLKAREA_REC_FWLOG, body, len, NULL);
    }
    n = con_ask("show counters --json", ans, sizeof(ans));
    if (n <= 0)
        return;
    uint32_t crc = blklog_crc32c(0, ans, (size_t)n);
    if (crc != counters_crc && (uint32_t)n <= BODY_MAX &&
        append(&log_lg, BLKAREA_REC_COUNTERS, ans, (uint32_t)n, NULL))
        counters_crc = crc;
}

void con_disk_tick(uint64_t now)
{
    if (!reg)
        return;
    if (!up)
        attach(now);
    else if (now >= next_period) {
        periodic();
        next_period = rw_now_ns() + CON_DISK_PERIOD_NS;
    }
}

// The running configuration: the read-only region init gives every component.
static const char *running(uint32_t *len)
{
    const struct comp_region *r = comp_region(ci, COMP_CONFIG_NAME);
    if (!r)
        return NULL;
    *len = (uint32_t)strnlen((const char *)r->va, r->size);
    return (const char *)r->va;
}

static void cmd_save(void)
{
    uint32_t len = 0;
    const char *text = running(&len);
    uint64_t sect = 0, seq = cfg_lg.next_seq;
    if (!text || len > BODY_MAX) {
        rw_printf("error: the configuration text is missing or longer than %u bytes\n", BODY_MAX);
        return;
    }
    if (!append(&cfg_lg, BLKAREA_REC_CONFIG, text, len, &sect)) {
        say("error: save failed (see the log)\n");
        return;
    }
    have_saved = true;
    saved_sect = sect;
    rw_printf("save: ok, %u bytes saved as record %lu (boot %u), flushed\n", len,
              (unsigned long)seq, boot);
}

// The saved configuration's payload (in scratch), or NULL with a message.
static char *saved(struct blklog_hdr *h, struct blkarea_meta *m)
{
    if (!have_saved) {
        say("no saved configuration (use save)\n");
        return NULL;
    }
    char *p = read_record(saved_sect, BLKAREA_CFG_ID, h);
    if (!p || !blkarea_rec_meta(p, h->len, m)) {
        say("error: the saved configuration does not read back\n");
        return NULL;
    }
    return p;
}

static void cmd_show_saved(void)
{
    struct blklog_hdr h;
    struct blkarea_meta m;
    if (!saved(&h, &m))
        return;
    rw_printf("saved configuration: record %lu, written in boot %u at uptime %lu s, %u bytes:\n",
              (unsigned long)h.seq, m.boot, (unsigned long)(m.up_ms / 1000), m.body_len);
    con_sanitize((char *)m.body, m.body_len);
    con_write(m.body, m.body_len);
    if (m.body_len && m.body[m.body_len - 1] != '\n')
        say("\n");
}

static unsigned ncpus(void)
{
    const struct kinfo *k = (const struct kinfo *)USER_KINFO_VA;
    return k->magic == KINFO_MAGIC ? k->ncpus : CONFIG_MAX_CORES;
}

// Sends the checked configuration's rule and nat lines to the router, which
// publishes them atomically (its reload); its answer is printed.
static void load_rules(const struct config *c)
{
    int32_t n = con_ask("stage clear", ans, sizeof(ans));
    for (uint32_t i = 0; n > 0 && i < c->nrules; i++) {
        const struct config_rule *r = &c->rules[i];
        fmt_snprintf(ask_req, sizeof(ask_req), "stage %s %u %s",
                     r->kind == CONFIG_RULE_NAT ? "nat" : "rule", r->line, r->text);
        n = con_ask(ask_req, ans, sizeof(ans));
        if (n > 0 && strncmp(ans, "stage: ok", 9) != 0)
            break;
    }
    if (n > 0 && strncmp(ans, "stage: ok", 9) == 0)
        n = con_ask("stage commit", ans, sizeof(ans));
    if (n <= 0)
        say("load: error: the router did not answer; its rules are unchanged\n");
    else
        con_write(ans, (size_t)n);
}

static void cmd_load(void)
{
    struct blklog_hdr h;
    struct blkarea_meta m;
    uint32_t len = 0;
    char msg[CON_CFG_MSG];
    const char *text = running(&len);
    if (!saved(&h, &m) || !text)
        return;
    uint32_t d = con_diff_lines(m.body, m.body_len, text, len);
    if (!d) {
        rw_printf("load: the saved configuration (record %lu) is the boot configuration\n",
                  (unsigned long)h.seq);
        return;
    }
    // m.body lives in scratch, which the router's answers do not touch.
    if (!con_cfg_check(m.body, m.body_len, ncpus(), &checked, msg, sizeof(msg))) {
        rw_printf("load: error: the saved configuration (record %lu) does not check: %s\n",
                  (unsigned long)h.seq, msg);
        return;
    }
    rw_printf("load: saved configuration record %lu differs from the running one in %u lines; "
              "its %u rule and nat lines now:\n",
              (unsigned long)h.seq, d, checked.nrules);
    load_rules(&checked);
    say("load: everything else takes effect at the next boot, which uses the saved "
        "configuration\n");
}

static void cmd_config(void)
{
    con_cfg_begin(&newcfg);
    say("config: paste the new configuration, then a line holding only '.'\n");
}

bool con_disk_collecting(void)
{
    return newcfg.active;
}

void con_disk_overlong(void)
{
    newcfg.overflow = true;
}

// One pasted line; at the closing "." the text is checked and saved.
void con_disk_feed(const char *line)
{
    char msg[CON_CFG_MSG];
    uint64_t sect = 0, seq = cfg_lg.next_seq;
    if (!con_cfg_line(&newcfg, line))
        return;
    if (newcfg.overflow) {
        rw_printf("config: error: too long (at most %u bytes, %u per line); not saved\n",
                  CON_CFG_MAX - 1, CON_LINE_MAX - 1);
        return;
    }
    if (!con_cfg_check(newcfg.text, newcfg.len, ncpus(), &checked, msg, sizeof(msg))) {
        rw_printf("config: error: %s; not saved\n", msg);
        return;
    }
    if (!up || !append(&cfg_lg, BLKAREA_REC_CONFIG, newcfg.text, newcfg.len, &sect)) {
        say(up ? "config: error: save failed (see the log)\n" : NO_DISK);
        return;
    }
    have_saved = true;
    saved_sect = sect;
    rw_printf("config: ok, %u lines checked (%u components, %u rule and nat lines); saved as "
              "record %lu (boot %u), flushed\n"
              "config: `load` applies its rules now, the rest takes effect at the next boot\n",
              newcfg.lines, checked.ncomponents, checked.nrules, (unsigned long)seq, boot);
}

static void show_record(const struct con_recent *r)
{
    static const char *const names[] = {"?", "config", "firewall-log", "counters"};
    struct blklog_hdr h;
    struct blkarea_meta m;
    char *p = read_record(r->sect, BLKAREA_LOG_ID, &h);
    if (!p || h.seq != r->seq || !blkarea_rec_meta(p, h.len, &m)) {
        rw_printf("  record %lu: does not read back\n", (unsigned long)r->seq);
        return;
    }
    rw_printf("record %lu, boot %u%s, uptime %lu s, %s, %u bytes:\n", (unsigned long)h.seq, m.boot,
              m.boot == boot ? " (this boot)" : "", (unsigned long)(m.up_ms / 1000),
              names[h.type <= BLKAREA_REC_COUNTERS ? h.type : 0], m.body_len);
    con_sanitize((char *)m.body, m.body_len);
    con_write(m.body, m.body_len);
    if (m.body_len && m.body[m.body_len - 1] != '\n')
        say("\n");
}

static void cmd_show_disklog(uint32_t want)
{
    uint32_t n = 0;
    con_cache_init(&cache, disk_read, 0, cache_buf, g.block_size, window, areas.log_first,
                   areas.log_first + areas.log_nsect);
    int s = con_scan_recent(con_cache_read, &cache, g.block_size, areas.log_first, areas.log_nsect,
                            BLKAREA_LOG_ID, scratch, sizeof(scratch), recent, want, &n);
    if (s != BLKLOG_OK) {
        rw_printf("error: log area does not read (%d)\n", s);
        return;
    }
    rw_printf("disk log: newest %u records, oldest first (%lu written this boot, %lu failed):\n", n,
              (unsigned long)written, (unsigned long)failed);
    for (uint32_t i = 0; i < n; i++)
        show_record(&recent[i]);
}

// "show disklog [N]": N, or 0 if the words are not that.
static uint32_t disklog_count(const char *cmd)
{
    const char *p = cmd + strlen("show disklog");
    uint32_t v = 0;
    while (*p == ' ')
        p++;
    if (!*p)
        return SHOW_DEFAULT;
    for (; *p >= '0' && *p <= '9' && v < 100000; p++)
        v = v * 10 + (uint32_t)(*p - '0');
    while (*p == ' ')
        p++;
    return *p ? 0 : (v > SHOW_MAX ? SHOW_MAX : v);
}

bool con_disk_command(const char *cmd)
{
    bool save = strcmp(cmd, "save") == 0, load = strcmp(cmd, "load") == 0;
    bool show_saved = strcmp(cmd, "show saved") == 0, config = strcmp(cmd, "config") == 0;
    bool disklog = strncmp(cmd, "show disklog", 12) == 0 && (cmd[12] == ' ' || !cmd[12]);
    if (!save && !load && !show_saved && !disklog && !config)
        return false;
    uint32_t want = disklog ? disklog_count(cmd) : 0;
    if (disklog && !want)
        say("error: usage: show disklog [N]   (N = 1..64)\n");
    else if (!up)
        say(NO_DISK);
    else if (save)
        cmd_save();
    else if (config)
        cmd_config();
    else if (load)
        cmd_load();
    else if (show_saved)
        cmd_show_saved();
    else
        cmd_show_disklog(want);
    return true;
}
