// SPDX-License-Identifier: MIT
// Unit tests of the control-channel request encoding (lib/comp_ctl.c): names
// packed into message words and checked on the way out, requests decoded
// without trusting any word (bad names, padding, fault codes, kinds), and the
// names of faults, replies and states.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/comp_ctl.h"

static void test_name_round_trip(void **state)
{
    (void)state;
    uint64_t w[2];
    char out[COMP_NAME_MAX];
    comp_ctl_put_name(w, "vnet1");
    assert_true(comp_ctl_get_name(w, out));
    assert_string_equal(out, "vnet1");
    comp_ctl_put_name(w, "abcdefghijklmno"); // 15 bytes: the longest
    assert_true(comp_ctl_get_name(w, out));
    assert_string_equal(out, "abcdefghijklmno");
    comp_ctl_put_name(w, "abcdefghijklmnopqrst"); // cut to 15
    assert_true(comp_ctl_get_name(w, out));
    assert_string_equal(out, "abcdefghijklmno");
}

static void test_bad_names(void **state)
{
    (void)state;
    uint64_t w[2];
    char out[COMP_NAME_MAX];
    memset(w, 'a', sizeof(w)); // no NUL in 16 bytes
    assert_false(comp_ctl_get_name(w, out));
    memset(w, 0, sizeof(w)); // empty
    assert_false(comp_ctl_get_name(w, out));
    comp_ctl_put_name(w, "alpha");
    ((char *)w)[8] = 'x'; // junk after the NUL
    assert_false(comp_ctl_get_name(w, out));
    const char *bad[] = {"9lives", "a b", "a/b", "-a", "a\n", "a.b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        comp_ctl_put_name(w, bad[i]);
        assert_false(comp_ctl_get_name(w, out));
    }
    comp_ctl_put_name(w, "a-b_9");
    assert_true(comp_ctl_get_name(w, out));
}

static void test_encode_decode(void **state)
{
    (void)state;
    struct chan_msg m;
    struct comp_ctl_request r = {.kind = COMP_CTL_INJECT,
                                 .fault = COMP_FAULT_LOOP,
                                 .target = "beta"},
                            d;
    comp_ctl_encode(&r, 42, &m);
    assert_int_equal(m.words[0], COMP_CTL_INJECT);
    assert_int_equal(m.words[3], COMP_FAULT_LOOP);
    assert_int_equal(m.words[5], 42);
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_OK);
    assert_int_equal(d.kind, COMP_CTL_INJECT);
    assert_int_equal(d.fault, COMP_FAULT_LOOP);
    assert_string_equal(d.target, "beta");
    r = (struct comp_ctl_request){.kind = COMP_CTL_RESTART, .target = "alpha"};
    comp_ctl_encode(&r, 1, &m);
    assert_int_equal(m.words[3], 0);
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_OK);
    assert_string_equal(d.target, "alpha");
    r = (struct comp_ctl_request){.kind = COMP_CTL_STATUS, .index = 3};
    comp_ctl_encode(&r, 1, &m);
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_OK);
    assert_int_equal(d.index, 3);
    r = (struct comp_ctl_request){.kind = COMP_CTL_CPU, .index = 5};
    comp_ctl_encode(&r, 7, &m);
    assert_int_equal(m.words[1], 5);
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_OK);
    assert_int_equal(d.kind, COMP_CTL_CPU);
    assert_int_equal(d.index, 5);
}

static void test_decode_distrusts(void **state)
{
    (void)state;
    struct chan_msg m;
    struct comp_ctl_request r = {.kind = COMP_CTL_INJECT,
                                 .fault = COMP_FAULT_ABORT,
                                 .target = "beta"},
                            d;
    comp_ctl_encode(&r, 0, &m);
    m.words[3] = 0;
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_BAD_FAULT);
    m.words[3] = 5;
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_BAD_FAULT);
    m.words[3] = 1ull << 32 | COMP_FAULT_ABORT; // high bits must not be dropped
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_BAD_FAULT);
    m.words[3] = COMP_FAULT_ABORT;
    m.words[2] = 0x4141414141414141ull; // the name runs on without a NUL
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_BAD_REQUEST);
    comp_ctl_encode(&r, 0, &m);
    m.words[0] = COMP_CTL_PONG; // not a request
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_BAD_REQUEST);
    m.words[0] = 1ull << 32 | COMP_CTL_RESTART;
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_BAD_REQUEST);
    m.words[0] = COMP_CTL_STATUS;
    m.words[1] = 1ull << 32;
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_NO_SUCH);
    m.words[0] = COMP_CTL_CPU; // an index past 32 bits is no component either
    assert_int_equal(comp_ctl_decode(&m, &d), COMP_REPLY_NO_SUCH);
}

static void test_names_for_people(void **state)
{
    (void)state;
    assert_int_equal(comp_fault_parse("bad-pointer"), COMP_FAULT_BAD_POINTER);
    assert_int_equal(comp_fault_parse("bad-descriptor"), COMP_FAULT_BAD_DESCRIPTOR);
    assert_int_equal(comp_fault_parse("loop"), COMP_FAULT_LOOP);
    assert_int_equal(comp_fault_parse("abort"), COMP_FAULT_ABORT);
    assert_int_equal(comp_fault_parse("Abort"), 0);
    assert_int_equal(comp_fault_parse(""), 0);
    assert_null(comp_fault_name(0));
    assert_null(comp_fault_name(99));
    assert_string_equal(comp_fault_name(COMP_FAULT_LOOP), "loop");
    for (uint64_t s = 0; s < COMP_REPLY_COUNT; s++)
        assert_non_null(comp_reply_text(s));
    assert_string_equal(comp_reply_text(COMP_REPLY_NO_SUCH), "no such component");
    assert_string_equal(comp_reply_text(1000), "unknown status");
    assert_string_equal(comp_state_name(COMP_STATE_FAILED), "failed");
    assert_string_equal(comp_state_name(0), "?");
    assert_string_equal(comp_state_name(77), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_round_trip),  cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_encode_decode),    cmocka_unit_test(test_decode_distrusts),
        cmocka_unit_test(test_names_for_people),
    };
    return cmocka_run_group_tests_name("comp_ctl", tests, NULL, NULL);
}
