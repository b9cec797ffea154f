// SPDX-License-Identifier: MIT
// Unit tests of apps/console/con_cfg.c, the console's `config` text: lines
// collected until ".", the text kept with its line endings, a text too long
// refused, and the checks: a good appliance, a parser error and a firewall
// rule error each naming the line of the pasted text, no component at all.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "apps/console/con_cfg.h"

static struct con_cfg c;
static struct config out;
static char msg[CON_CFG_MSG];

static const char *const good[] = {
    "component vnet0 elf=virtio-net.elf core=0 device=pci:00:02.0 args=\"net=lan0 vq=lan0-vq\"",
    "component router elf=router.elf core=1 restart=always",
    "region lan0 size=4M map=vnet0,router",
    "region lan0-vq size=128K map=vnet0",
    "channel vnet0 -> router",
    "channel router.lan0 -> vnet0",
    "interface lan0 driver=vnet0 address=198.18.0.1/24",
    "rule pass all",
    "rule block log in on lan0 proto tcp to port 7002",
};
#define NGOOD (sizeof(good) / sizeof(good[0]))

static bool feed_all(const char *const *lines, unsigned n)
{
    con_cfg_begin(&c);
    for (unsigned i = 0; i < n; i++)
        assert_false(con_cfg_line(&c, lines[i]));
    return con_cfg_line(&c, ".");
}

static void test_collect(void **state)
{
    (void)state;
    assert_false(con_cfg_line(&c, "before begin")); // not collecting: ignored
    assert_true(feed_all(good, NGOOD));
    assert_false(c.active);
    assert_int_equal(c.lines, NGOOD);
    assert_false(c.overflow);
    assert_int_equal(strncmp(c.text, good[0], strlen(good[0])), 0);
    assert_int_equal(c.text[strlen(good[0])], '\n');
    assert_int_equal(c.text[c.len - 1], '\n');
    assert_int_equal(strlen(c.text), c.len);
    assert_false(con_cfg_line(&c, ".")); // ended: another "." is nothing
}

static void test_check_good(void **state)
{
    (void)state;
    assert_true(feed_all(good, NGOOD));
    assert_true(con_cfg_check(c.text, c.len, 2, &out, msg, sizeof(msg)));
    assert_int_equal(out.ncomponents, 2);
    assert_int_equal(out.nrules, 2);
    assert_int_equal(out.rules[1].line, 9);
}

static void test_parser_error_line(void **state)
{
    (void)state;
    const char *bad[NGOOD];
    memcpy(bad, good, sizeof(bad));
    bad[3] = "region lan0-vq size=128K map=nobody";
    assert_true(feed_all(bad, NGOOD));
    assert_false(con_cfg_check(c.text, c.len, 2, &out, msg, sizeof(msg)));
    assert_int_equal(strncmp(msg, "line 4: ", 8), 0);
    bad[3] = good[3];
    bad[1] = "component router elf=router.elf core=3"; // two cores
    assert_true(feed_all(bad, NGOOD));
    assert_false(con_cfg_check(c.text, c.len, 2, &out, msg, sizeof(msg)));
    assert_int_equal(strncmp(msg, "line 2: ", 8), 0);
}

static void test_rule_error_line(void **state)
{
    (void)state;
    const char *bad[NGOOD];
    memcpy(bad, good, sizeof(bad));
    bad[8] = "rule block in on lan9 proto tcp to port 7002"; // no such interface
    assert_true(feed_all(bad, NGOOD));
    assert_false(con_cfg_check(c.text, c.len, 2, &out, msg, sizeof(msg)));
    assert_int_equal(strncmp(msg, "line 9: ", 8), 0);
    bad[8] = "rule block in proto tcpp";
    assert_true(feed_all(bad, NGOOD));
    assert_false(con_cfg_check(c.text, c.len, 2, &out, msg, sizeof(msg)));
    assert_int_equal(strncmp(msg, "line 9: ", 8), 0);
}

static void test_nothing_to_run(void **state)
{
    (void)state;
    const char *rules[] = {"rule pass all"};
    assert_true(feed_all(rules, 1));
    assert_false(con_cfg_check(c.text, c.len, 2, &out, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "no component line"));
    assert_true(feed_all(NULL, 0));
    assert_false(con_cfg_check(c.text, c.len, 2, &out, msg, sizeof(msg)));
}

static void test_overflow(void **state)
{
    (void)state;
    static char line[251];
    memset(line, 'x', sizeof(line) - 1);
    con_cfg_begin(&c);
    unsigned n = 0;
    while (!c.overflow && n < 1000) {
        assert_false(con_cfg_line(&c, line));
        n++;
    }
    assert_true(c.overflow);
    assert_true(c.len < CON_CFG_MAX);
    assert_int_equal(n, (CON_CFG_MAX - 1) / 251 + 1);
    assert_false(con_cfg_line(&c, "rule pass all")); // still collecting, still broken
    assert_true(con_cfg_line(&c, "."));
    assert_true(c.overflow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collect),           cmocka_unit_test(test_check_good),
        cmocka_unit_test(test_parser_error_line), cmocka_unit_test(test_rule_error_line),
        cmocka_unit_test(test_nothing_to_run),    cmocka_unit_test(test_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
