// SPDX-License-Identifier: MIT
// Unit tests of the management console's pure parts: the line editor
// (apps/console/con_line.c: echo, backspace and DEL, CR, LF and CR LF, ignored
// control bytes and escape sequences, overlong lines, trimming) and `show
// components` (apps/console/con_show.c) on a parsed configuration and `show
// cpu` (apps/console/con_cpu.c) on kernel samples, whose JSON forms must be
// valid (checked with a small recursive validator).
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "apps/console/con_cpu.h"
#include "apps/console/con_line.h"
#include "apps/console/con_show.h"

static struct con_line L;
static char echoed[4096];

// Feeds s; returns the last event and collects the echo.
static enum con_line_event feed(const char *s, size_t n)
{
    enum con_line_event ev = CON_LINE_NONE;
    char e[CON_ECHO_MAX];
    for (size_t i = 0; i < n; i++) {
        ev = con_line_feed(&L, (uint8_t)s[i], e);
        assert_true(strlen(e) < CON_ECHO_MAX);
        strncat(echoed, e, sizeof(echoed) - strlen(echoed) - 1);
    }
    return ev;
}
#define FEED(s) feed((s), sizeof(s) - 1)

static int setup(void **state)
{
    (void)state;
    con_line_init(&L);
    echoed[0] = '\0';
    return 0;
}

static void test_simple_line(void **state)
{
    (void)state;
    assert_int_equal(FEED("show arp"), CON_LINE_NONE);
    assert_int_equal(FEED("\r"), CON_LINE_DONE);
    assert_string_equal(L.buf, "show arp");
    assert_string_equal(echoed, "show arp\n");
    assert_int_equal(FEED("\n"), CON_LINE_NONE); // LF of CR LF
    assert_int_equal(FEED("help\n"), CON_LINE_DONE);
    assert_string_equal(L.buf, "help");
    assert_int_equal(FEED("\n"), CON_LINE_DONE); // an empty line
    assert_string_equal(L.buf, "");
    assert_int_equal(FEED("\r\r"), CON_LINE_DONE); // CR CR: two lines
}

static void test_backspace(void **state)
{
    (void)state;
    assert_int_equal(FEED("shox\b\x7fow\r"), CON_LINE_DONE);
    assert_string_equal(L.buf, "show");
    assert_string_equal(echoed, "shox\b \b\b \bow\n");
    echoed[0] = '\0';
    assert_int_equal(FEED("\b\ba\r"), CON_LINE_DONE); // nothing to erase: no echo
    assert_string_equal(L.buf, "a");
    assert_string_equal(echoed, "a\n");
}

static void test_ignored_bytes(void **state)
{
    (void)state;
    // ^A, tab, a bell, bytes above ASCII, arrow keys (CSI and SS3), ESC x
    assert_int_equal(FEED("s\x01h\t\a\x80\xffo\x1b[A\x1b[1;5C\x1bOBw\x1bx\r"), CON_LINE_DONE);
    assert_string_equal(L.buf, "show");
    assert_string_equal(echoed, "show\n");
}

static void test_overlong(void **state)
{
    (void)state;
    char line[CON_LINE_MAX + 10];
    memset(line, 'a', sizeof(line));
    assert_int_equal(feed(line, CON_LINE_MAX - 1), CON_LINE_NONE);
    assert_int_equal(FEED("\r"), CON_LINE_DONE); // the longest line that fits
    assert_int_equal(strlen(L.buf), CON_LINE_MAX - 1);
    echoed[0] = '\0';
    assert_int_equal(feed(line, sizeof(line)), CON_LINE_NONE);
    assert_int_equal(strlen(echoed), CON_LINE_MAX - 1); // no echo past the limit
    assert_int_equal(FEED("\b\b"), CON_LINE_NONE);
    assert_int_equal(FEED("\n"), CON_LINE_OVERLONG);
    assert_string_equal(L.buf, "");
    assert_int_equal(FEED("help\n"), CON_LINE_DONE); // the next line is normal
    assert_string_equal(L.buf, "help");
}

static void test_trim(void **state)
{
    (void)state;
    char a[] = "  show  arp \t ", b[] = "   ", c[] = "x";
    assert_string_equal(con_trim(a), "show  arp");
    assert_string_equal(con_trim(b), "");
    assert_string_equal(con_trim(c), "x");
}

static const char conf[] =
    "component vnet0 elf=virtio-net.elf core=0 priority=24 device=pci:00:02.0\n"
    "component router elf=router.elf core=1 restart=always\n"
    "component console elf=console.elf core=0 device=ioport:0x3f8-0x3ff device=irq:4\n"
    "region mgmt size=64K map=console,router\n"
    "channel console.mgmt -> router\n"
    "channel router.console -> console\n";

// A JSON validator just strict enough for the console's output.
static const char *js_value(const char *p);
static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}
static const char *js_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    for (; *p != '"'; p++) {
        if (!*p || (unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\' && !*++p)
            return NULL;
    }
    return p + 1;
}
static const char *js_list(const char *p, char close, bool keys)
{
    p = js_ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keys) {
            if (!(p = js_string(js_ws(p))) || *(p = js_ws(p)) != ':')
                return NULL;
            p++;
        }
        if (!(p = js_value(p)))
            return NULL;
        p = js_ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}
static const char *js_value(const char *p)
{
    p = js_ws(p);
    if (*p == '{')
        return js_list(p, '}', true);
    if (*p == '[')
        return js_list(p, ']', false);
    if (*p == '"')
        return js_string(p);
    if (*p >= '0' && *p <= '9') {
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p != '.')
            return p;
        if (*++p < '0' || *p > '9')
            return NULL; // a fraction needs digits
        while (*p >= '0' && *p <= '9')
            p++;
        return p;
    }
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
        return p + 4;
    return !strncmp(p, "false", 5) ? p + 5 : NULL;
}
static bool js_valid(const char *s)
{
    const char *e = js_value(s);
    return e && *js_ws(e) == '\0';
}

static void test_show_components(void **state)
{
    static struct config cfg;
    struct config_error err;
    char out[4096];
    (void)state;
    assert_int_equal(config_parse(conf, sizeof(conf) - 1, 2, &cfg, &err), CONFIG_OK);
    uint32_t n = con_show_components(&cfg, false, out, sizeof(out));
    assert_int_equal(n, strlen(out));
    assert_non_null(strstr(out, "components (3, from ringwall.conf; " CON_LIVE_NOTE "):\n"));
    assert_non_null(strstr(out, "  vnet0           virtio-net.elf          0   24  on-failure "
                                "pci:00:02.0\n"));
    assert_non_null(
        strstr(out, "  router          router.elf              1   16  always     -\n"));
    assert_non_null(strstr(out, "ioport:0x3f8-0x3ff,irq:4\n"));
    n = con_show_components(&cfg, true, out, sizeof(out));
    assert_true(js_valid(out));
    assert_non_null(strstr(out, "{\"name\":\"console\",\"elf\":\"console.elf\",\"core\":0,"
                                "\"priority\":16,\"restart\":\"on-failure\",\"devices\":"
                                "[\"ioport:0x3f8-0x3ff\",\"irq:4\"]}"));
    assert_false(js_valid("{\"a\":[1,]}"));
    // A small buffer: cut, NUL-terminated, never past the end.
    memset(out, 'x', sizeof(out));
    n = con_show_components(&cfg, false, out, 40);
    assert_int_equal(n, 39);
    assert_int_equal(strlen(out), 39);
    assert_int_equal(out[40], 'x');
}

static void test_cpu_permille(void **state)
{
    (void)state;
    assert_int_equal(con_cpu_permille(0, 0), 0);
    assert_int_equal(con_cpu_permille(5, 0), 0);
    assert_int_equal(con_cpu_permille(1, 2), 500);
    assert_int_equal(con_cpu_permille(2, 3), 667); // rounded, not cut
    assert_int_equal(con_cpu_permille(1, 3000), 0);
    assert_int_equal(con_cpu_permille(7, 5), 1000);
    // a day of nanoseconds must not overflow
    assert_int_equal(con_cpu_permille(86400000000000ull / 4, 86400000000000ull), 250);
}

// Two samples one second apart: core 0 busy 25% since boot, 50% in the last
// second; core 1 idle throughout.
static void cpu_samples(struct kstats *then, struct kstats *now)
{
    memset(then, 0, sizeof(*then));
    then->cpus = 2;
    then->uptime_ns = 3000000000ull;
    then->cpu[0] = (struct kstats_cpu){500000000ull, 2500000000ull};
    then->cpu[1] = (struct kstats_cpu){0, 3000000000ull};
    *now = *then;
    now->uptime_ns = 4000000000ull;
    now->cpu[0] = (struct kstats_cpu){1000000000ull, 3000000000ull};
    now->cpu[1] = (struct kstats_cpu){0, 4000000000ull};
}

static void test_show_cpu_text(void **state)
{
    struct kstats then, now;
    struct con_cpu_comp comps[2] = {{"router", 1234567000ull}, {"vnet0", 5000ull}};
    char out[2048];
    (void)state;
    cpu_samples(&then, &now);
    uint32_t n = con_cpu_format(&now, &then, comps, 2, false, out, sizeof(out));
    assert_int_equal(n, strlen(out));
    assert_non_null(strstr(out, "cpu: 2 cores, up 4.000 s;"));
    assert_non_null(strstr(out, "busy last 1.000 s\n"));
    assert_non_null(strstr(out, "\n     0            25.0%     1.000              50.0%\n"));
    assert_non_null(strstr(out, "\n     1             0.0%     0.000               0.0%\n"));
    assert_non_null(strstr(out, "  router               1.234567 s\n"));
    assert_non_null(strstr(out, "  vnet0                0.000005 s\n"));
    // No earlier sample (or one that is not earlier): no interval column.
    con_cpu_format(&now, &now, NULL, 0, false, out, sizeof(out));
    assert_non_null(strstr(out, "(no interval yet)"));
    assert_non_null(strstr(out, "\n     0            25.0%     1.000\n"));
    assert_null(strstr(out, "components"));
}

static void test_show_cpu_json(void **state)
{
    struct kstats then, now;
    struct con_cpu_comp comps[1] = {{"router", 42}};
    char out[4096];
    (void)state;
    cpu_samples(&then, &now);
    con_cpu_format(&now, &then, comps, 1, true, out, sizeof(out));
    assert_true(js_valid(out));
    assert_non_null(strstr(out, "{\"uptime_ns\":4000000000,\"interval_ns\":1000000000,"));
    assert_non_null(strstr(out, "{\"core\":0,\"busy_ns\":1000000000,\"idle_ns\":3000000000,"
                                "\"busy_pct\":25.0,\"interval_busy_pct\":50.0}"));
    assert_non_null(strstr(out, "\"components\":[{\"name\":\"router\",\"cpu_ns\":42}]}\n"));
    // Counters that went backwards show 0 over the interval, not a wrapped figure.
    then.cpu[0].busy_ns = 2000000000ull;
    con_cpu_format(&now, &then, NULL, 0, true, out, sizeof(out));
    assert_true(js_valid(out));
    assert_non_null(strstr(out, "\"busy_pct\":25.0,\"interval_busy_pct\":0.0}"));
    // A core count past the ABI's array is clamped to it.
    now.cpus = 1000;
    con_cpu_format(&now, NULL, NULL, 0, true, out, sizeof(out));
    assert_true(js_valid(out));
    assert_non_null(strstr(out, "{\"core\":15,"));
    assert_null(strstr(out, "{\"core\":16,"));
    // A small buffer: cut, NUL-terminated, never past the end.
    memset(out, 'x', sizeof(out));
    assert_int_equal(con_cpu_format(&now, &then, NULL, 0, false, out, 30), 29);
    assert_int_equal(out[30], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_simple_line, setup),
        cmocka_unit_test_setup(test_backspace, setup),
        cmocka_unit_test_setup(test_ignored_bytes, setup),
        cmocka_unit_test_setup(test_overlong, setup),
        cmocka_unit_test_setup(test_trim, setup),
        cmocka_unit_test(test_show_components),
        cmocka_unit_test(test_cpu_permille),
        cmocka_unit_test(test_show_cpu_text),
        cmocka_unit_test(test_show_cpu_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
