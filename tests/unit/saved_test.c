// SPDX-License-Identifier: MIT
// Unit tests of servers/init/saved.c, the choice of the configuration init
// boots with: the factory word on the command line, an empty area, a good
// saved text (its parse, record number and boot), the newest record damaged
// (skipped: the one before is used), a newest text that fails the parser or
// names a missing image (refused, with the line), a record of another type,
// and 4096-byte sectors. Areas are built in memory with servers/blk/blklog.c.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "servers/blk/blkarea.h"
#include "servers/blk/blklog.h"
#include "servers/init/saved.h"

#define AREA_BYTES (1024u * 1024u)
static uint8_t area[AREA_BYTES];
static uint8_t rec[BLKLOG_HDR_BYTES + BLKLOG_MAX_PAYLOAD + 4096];
static struct blklog lg;
static struct config out;
static struct saved_choice ch;
static uint32_t ss = 512;

static const char good[] = "component nvme elf=nvme.elf core=0\n"
                           "component console elf=console.elf core=1 manage=yes\n"
                           "region disk size=512K map=nvme,console\n"
                           "channel nvme.disk -> console\n"
                           "rule pass all\n"
                           "rule block in proto tcp to port 7002\n";

static bool has_module(const char *name)
{
    return strcmp(name, "nvme.elf") == 0 || strcmp(name, "console.elf") == 0;
}

static int setup(void **state)
{
    (void)state;
    memset(area, 0, sizeof(area));
    assert_int_equal(blklog_init(&lg, ss, 0, AREA_BYTES / ss, BLKAREA_CFG_ID), BLKLOG_OK);
    return 0;
}

// Appends a record of type t with body text, boot 4; damaged: one bit flipped.
static void put(uint16_t t, const char *text, bool damaged)
{
    char p[BLKLOG_MAX_PAYLOAD];
    uint32_t n = blkarea_rec_build(p, sizeof(p), 4, 99, text, (uint32_t)strlen(text));
    uint64_t sect;
    uint32_t bytes;
    assert_true(n > 0);
    assert_int_equal(blklog_encode(&lg, t, p, n, rec, sizeof(rec), &sect, &bytes), BLKLOG_OK);
    if (damaged)
        rec[BLKLOG_HDR_BYTES + n / 2] ^= 0x10;
    memcpy(area + sect * ss, rec, bytes);
}

static int pick(void)
{
    return saved_pick(area, ss, AREA_BYTES / ss, 2, has_module, &out, &ch);
}

static void test_factory_word(void **state)
{
    (void)state;
    assert_true(saved_factory("test=user ringwall.factory"));
    assert_true(saved_factory("ringwall.factory"));
    assert_true(saved_factory("  ringwall.factory  x=1"));
    assert_false(saved_factory("ringwall.factoryx"));
    assert_false(saved_factory("xringwall.factory"));
    assert_false(saved_factory("ringwall.factor"));
    assert_false(saved_factory(""));
}

static void test_empty(void **state)
{
    (void)state;
    assert_int_equal(pick(), SAVED_NONE);
    assert_int_equal(ch.seq, 0);
    assert_non_null(strstr(ch.why, "no saved configuration on the disk"));
}

static void test_good(void **state)
{
    (void)state;
    put(BLKAREA_REC_CONFIG, "rule pass all\n", false); // older, not a whole appliance
    put(BLKAREA_REC_CONFIG, good, false);
    assert_int_equal(pick(), SAVED_USE);
    assert_int_equal(ch.seq, 2);
    assert_int_equal(ch.boot, 4);
    assert_int_equal(ch.len, strlen(good));
    assert_memory_equal(ch.text, good, ch.len);
    assert_int_equal(out.ncomponents, 2);
    assert_int_equal(out.nrules, 2);
    assert_string_equal(out.rules[1].text, "block in proto tcp to port 7002");
    assert_string_equal(ch.why, "record 2 from boot 4, 206 bytes, 0 damaged record(s) skipped");
}

static void test_damaged_newest_skipped(void **state)
{
    (void)state;
    put(BLKAREA_REC_CONFIG, good, false);
    put(BLKAREA_REC_CONFIG, "component x elf=nvme.elf core=0\n", true);
    assert_int_equal(pick(), SAVED_USE);
    assert_int_equal(ch.seq, 1);
    assert_int_equal(ch.damaged, 1);
    assert_non_null(strstr(ch.why, "1 damaged record(s) skipped"));
}

static void test_only_damaged(void **state)
{
    (void)state;
    put(BLKAREA_REC_CONFIG, good, true);
    assert_int_equal(pick(), SAVED_NONE);
    assert_non_null(strstr(ch.why, "(1 damaged record(s) skipped)"));
}

static void test_invalid_text(void **state)
{
    (void)state;
    put(BLKAREA_REC_CONFIG, good, false);
    put(BLKAREA_REC_CONFIG, "component x elf=nvme.elf core=0\nthis is no statement\n", false);
    assert_int_equal(pick(), SAVED_INVALID);
    assert_int_equal(ch.seq, 2);
    assert_int_equal(out.ncomponents, 0);
    assert_non_null(strstr(ch.why, "saved configuration record 2 from boot 4 is not valid: "
                                   "line 2: "));
}

static void test_bad_core_and_missing_image(void **state)
{
    (void)state;
    put(BLKAREA_REC_CONFIG, "component x elf=nvme.elf core=5\n", false);
    assert_int_equal(pick(), SAVED_INVALID); // 2 cores here
    assert_non_null(strstr(ch.why, "line 1: "));
    put(BLKAREA_REC_CONFIG, "component a elf=nvme.elf core=0\ncomponent b elf=gone.elf core=1\n",
        false);
    assert_int_equal(pick(), SAVED_INVALID);
    assert_non_null(strstr(ch.why, "line 2: component 'b': no boot module 'gone.elf'"));
    assert_int_equal(out.ncomponents, 0);
}

static void test_other_type_and_no_meta(void **state)
{
    (void)state;
    put(BLKAREA_REC_CONFIG, good, false);
    put(BLKAREA_REC_FWLOG, "{}\n", false);
    assert_int_equal(pick(), SAVED_NONE); // the newest is not a configuration
    char p[64] = "no meta line";
    uint64_t sect;
    uint32_t bytes;
    assert_int_equal(blklog_encode(&lg, BLKAREA_REC_CONFIG, p, (uint32_t)strlen(p), rec,
                                   sizeof(rec), &sect, &bytes),
                     BLKLOG_OK);
    memcpy(area + sect * ss, rec, bytes);
    assert_int_equal(pick(), SAVED_INVALID);
    assert_non_null(strstr(ch.why, "no boot line"));
}

static void test_4k_sectors(void **state)
{
    (void)state;
    ss = 4096;
    setup(NULL);
    put(BLKAREA_REC_CONFIG, good, false);
    assert_int_equal(pick(), SAVED_USE);
    assert_int_equal(ch.seq, 1);
    ss = 512;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factory_word),
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_good, setup),
        cmocka_unit_test_setup(test_damaged_newest_skipped, setup),
        cmocka_unit_test_setup(test_only_damaged, setup),
        cmocka_unit_test_setup(test_invalid_text, setup),
        cmocka_unit_test_setup(test_bad_core_and_missing_image, setup),
        cmocka_unit_test_setup(test_other_type_and_no_meta, setup),
        cmocka_unit_test_setup(test_4k_sectors, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
