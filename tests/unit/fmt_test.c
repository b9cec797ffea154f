// SPDX-License-Identifier: MIT
// Unit tests of lib/fmt.c, the formatter the kernel and every component use.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/fmt.h"

static void expect_fmt(const char *want, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)__builtin_strlen(want));
}

static void test_integers(void **state)
{
    (void)state;
    expect_fmt("0", "%d", 0);
    expect_fmt("-42 17", "%d %u", -42, 17u);
    expect_fmt("-9223372036854775808", "%lld", (long long)INT64_MIN);
    expect_fmt("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    expect_fmt("ff FF", "%x %X", 255, 255);
    expect_fmt("123456789abc", "%lx", 0x123456789abcul);
    expect_fmt("4096", "%zu", (size_t)4096);
}

static void test_width_and_padding(void **state)
{
    (void)state;
    expect_fmt("  42", "%4d", 42);
    expect_fmt("0042", "%04d", 42);
    expect_fmt("-042", "%04d", -42);
    expect_fmt("42  |", "%-4d|", 42);
    expect_fmt("  ab", "%4s", "ab");
    expect_fmt("ab  |", "%-4s|", "ab");
    expect_fmt("123456", "%3d", 123456);
}

static void test_strings_chars_pointers(void **state)
{
    (void)state;
    expect_fmt("x=(null)", "x=%s", (char *)NULL);
    expect_fmt("ac", "a%c", 'c');
    expect_fmt("100%", "100%%");
    expect_fmt("0x00000000deadbeef", "%p", (void *)0xdeadbeef);
    expect_fmt("%q", "%q");
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    int n = fmt_snprintf(buf, sizeof(buf), "%s", "abcdefghijkl");
    assert_int_equal(n, 12);
    assert_string_equal(buf, "abcdefg");
    char one[1] = {'x'};
    assert_int_equal(fmt_snprintf(one, 1, "hello"), 5);
    assert_int_equal(one[0], '\0');
}

// fmt_clip: a word from a line (not NUL-terminated) made into a message part.
static void test_clip(void **state)
{
    char buf[8];
    (void)state;
    assert_string_equal(fmt_clip("tcpx", 3, buf, sizeof(buf)), "tcp");
    assert_string_equal(fmt_clip("abcdefghij", 10, buf, sizeof(buf)), "abcd...");
    assert_string_equal(fmt_clip("abcdefg", 7, buf, sizeof(buf)), "abcdefg");
    assert_string_equal(fmt_clip("", 0, buf, sizeof(buf)), "");
}

static void test_trailing_percent(void **state)
{
    (void)state;
    expect_fmt("abc", "abc%");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_width_and_padding),
        cmocka_unit_test(test_strings_chars_pointers),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_trailing_percent),
        cmocka_unit_test(test_clip),
    };
    return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
