// SPDX-License-Identifier: MIT
// Unit tests of apps/iperf3/iperf3_json.c: the writer's output (nesting,
// commas, escapes, fixed-point numbers, overflow) and the reader's validation
// and lookups, including the messages the real iperf3 client sends.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "apps/iperf3/iperf3_json.h"

#define LEN(s) strlen(s)

static void test_writer_nesting(void **state)
{
    char buf[256];
    struct iperf_jw w;

    (void)state;
    iperf_jw_init(&w, buf, sizeof(buf));
    iperf_jw_obj(&w, NULL);
    iperf_jw_int(&w, "a", -5);
    iperf_jw_arr(&w, "s");
    iperf_jw_obj(&w, NULL);
    iperf_jw_int(&w, "id", 1);
    iperf_jw_end(&w);
    iperf_jw_obj(&w, NULL);
    iperf_jw_bool(&w, "t", true);
    iperf_jw_end(&w);
    iperf_jw_end(&w);
    iperf_jw_str(&w, "q", "x\"y\\\n");
    iperf_jw_end(&w);
    size_t n = iperf_jw_finish(&w);
    assert_int_equal(n, LEN(buf));
    assert_string_equal(buf,
                        "{\"a\":-5,\"s\":[{\"id\":1},{\"t\":true}],\"q\":\"x\\\"y\\\\\\u000a\"}");
    assert_true(iperf_json_valid(buf, LEN(buf)));
}

static void test_writer_fixed(void **state)
{
    char buf[128];
    struct iperf_jw w;

    (void)state;
    iperf_jw_init(&w, buf, sizeof(buf));
    iperf_jw_arr(&w, NULL);
    iperf_jw_fixed(&w, NULL, 3001234, 6);
    iperf_jw_fixed(&w, NULL, 42, 9);
    iperf_jw_fixed(&w, NULL, -1500, 3);
    iperf_jw_fixed(&w, NULL, 0, 1);
    iperf_jw_fixed(&w, NULL, 7, 0);
    iperf_jw_end(&w);
    size_t n = iperf_jw_finish(&w);
    assert_int_equal(n, LEN(buf));
    assert_string_equal(buf, "[3.001234,0.000000042,-1.500,0.0,7]");
}

static void test_writer_overflow(void **state)
{
    char buf[8];
    struct iperf_jw w;

    (void)state;
    iperf_jw_init(&w, buf, sizeof(buf));
    iperf_jw_obj(&w, NULL);
    iperf_jw_int(&w, "long_key", 1);
    iperf_jw_end(&w);
    assert_int_equal(iperf_jw_finish(&w), 0);
    iperf_jw_init(&w, buf, sizeof(buf));
    iperf_jw_obj(&w, NULL);
    assert_int_equal(iperf_jw_finish(&w), 0); // unbalanced
}

static void test_valid(void **state)
{
    static const char *good[] = {
        "{}", "[]",    " {\"a\" : [1, -2.5e3, true, false, null, \"\\u00e9\\n\"]} ",
        "0",  "\"s\"", "{\"a\":{\"b\":{\"c\":[[]]}}}",
    };
    static const char *bad[] = {
        "",        "{",   "{\"a\"}", "{\"a\":}", "[1,]", "{\"a\":1,}",        "tru",         "01x",
        "\"\\x\"", "\"a", "{} {}",   "[-]",      "1.",   "{\"a\":1 \"b\":2}", "\"\\u12g4\"",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(iperf_json_valid(good[i], LEN(good[i])));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(iperf_json_valid(bad[i], LEN(bad[i])));
}

static void test_depth_limit(void **state)
{
    char deep[200];

    (void)state;
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_false(iperf_json_valid(deep, sizeof(deep)));
    assert_true(iperf_json_valid(deep + 80, 40));
}

// What iperf3 3.12 sends for "iperf3 -c X -u -b 50M -P 2 -R".
static const char params[] =
    "{\"udp\":true,\"omit\":0,\"time\":3,\"num\":0,\"blockcount\":0,\"parallel\":2,"
    "\"reverse\":true,\"len\":1460,\"bandwidth\":50000000,\"pacing_timer\":1000,"
    "\"client_version\":\"3.12\"}";

static void test_get(void **state)
{
    int64_t v = 0;
    bool b = false;
    struct iperf_jval jv;

    (void)state;
    assert_true(iperf_json_get_int(params, LEN(params), "parallel", &v));
    assert_int_equal(v, 2);
    assert_true(iperf_json_get_int(params, LEN(params), "bandwidth", &v));
    assert_int_equal(v, 50000000);
    assert_true(iperf_json_get_bool(params, LEN(params), "reverse", &b));
    assert_true(b);
    assert_false(iperf_json_get_bool(params, LEN(params), "tcp", &b));
    assert_false(iperf_json_get_int(params, LEN(params), "udp", &v)); // wrong type
    assert_true(iperf_json_get(params, LEN(params), "client_version", &jv));
    assert_int_equal(jv.type, IPERF_JSTR);
    assert_int_equal(jv.len, 4);
    assert_memory_equal(jv.p, "3.12", 4);
}

static void test_nested_and_array(void **state)
{
    static const char res[] = "{\"cpu_util_total\":1.5,\"streams\":[{\"id\":1,\"bytes\":10},"
                              "{\"id\":3,\"bytes\":20}]}";
    struct iperf_jval arr, el;
    int64_t v;

    (void)state;
    assert_true(iperf_json_get(res, LEN(res), "streams", &arr));
    assert_int_equal(arr.type, IPERF_JARR);
    assert_true(iperf_json_at(arr.p, arr.len, 1, &el));
    assert_int_equal(el.type, IPERF_JOBJ);
    assert_true(iperf_json_get_int(el.p, el.len, "id", &v));
    assert_int_equal(v, 3);
    assert_false(iperf_json_at(arr.p, arr.len, 2, &el));
    assert_true(iperf_json_get_int(res, LEN(res), "cpu_util_total", &v));
    assert_int_equal(v, 1);
    assert_false(iperf_json_get(res, LEN(res), "id", &el)); // not at the top level
    assert_false(iperf_json_get("[1]", 3, "a", &el));
}

static void test_truncated_input(void **state)
{
    int64_t v;

    (void)state;
    // Every prefix of a valid message must be rejected without reading past it.
    for (size_t n = 0; n < LEN(params); n++) {
        assert_false(iperf_json_valid(params, n));
        (void)iperf_json_get_int(params, n, "client_version", &v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_nesting),   cmocka_unit_test(test_writer_fixed),
        cmocka_unit_test(test_writer_overflow),  cmocka_unit_test(test_valid),
        cmocka_unit_test(test_depth_limit),      cmocka_unit_test(test_get),
        cmocka_unit_test(test_nested_and_array), cmocka_unit_test(test_truncated_input),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
