// SPDX-License-Identifier: MIT
// Unit tests of apps/console/con_rec.c and servers/blk/blkarea.c, the console's disk records: the
// areas on disks of several sizes, record payloads and their meta line, the
// router's log answer (new entries after a poll, an overrun ring, a restarted
// router, a truncated answer), the configuration comparison, the read-ahead
// cache, and the two areas recovered separately on one in-memory disk with a
// torn record at each tail (servers/blk/blklog.c underneath).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "apps/console/con_rec.h"

#define SS    512u
#define NSECT (16u * 1024u * 1024u / SS) // a 16 MiB disk
static uint8_t disk[NSECT * SS];
static unsigned reads;

static int mem_read(void *ctx, uint64_t sect, uint32_t count, void *buf)
{
    (void)ctx;
    if (sect + count > NSECT)
        return -1;
    reads++;
    memcpy(buf, disk + sect * SS, (size_t)count * SS);
    return 0;
}

static uint8_t rec[BLKLOG_HDR_BYTES + BLKLOG_MAX_PAYLOAD + SS];
static uint8_t scratch[BLKLOG_HDR_BYTES + BLKLOG_MAX_PAYLOAD + SS];

// Appends one record; writes only `keep` sectors of it if keep != 0 (torn).
static void put(struct blklog *lg, uint16_t type, const char *body, uint32_t keep)
{
    char p[BLKLOG_MAX_PAYLOAD];
    uint32_t n = blkarea_rec_build(p, sizeof(p), 7, 1234, body, (uint32_t)strlen(body));
    uint64_t sect;
    uint32_t bytes;
    assert_true(n > 0);
    assert_int_equal(blklog_encode(lg, type, p, n, rec, sizeof(rec), &sect, &bytes), BLKLOG_OK);
    memcpy(disk + sect * SS, rec, keep ? keep * SS : bytes);
}

static void test_areas(void **state)
{
    (void)state;
    struct blkarea a;
    assert_true(blkarea_for(512, 131072, &a)); // 64 MiB
    assert_int_equal(a.cfg_first, 0);
    assert_int_equal(a.cfg_nsect, 2048);
    assert_int_equal(a.log_first, 2048);
    assert_int_equal(a.log_nsect, 16384);
    assert_true(blkarea_for(4096, 16384, &a));
    assert_int_equal(a.cfg_nsect, 256);
    assert_int_equal(a.log_first, 256);
    assert_true(blkarea_for(512, 2048 + 1024, &a)); // small: the log area is what is left
    assert_int_equal(a.log_nsect, 1024);
    assert_false(blkarea_for(512, 2048 + 100, &a));
    assert_false(blkarea_for(1024, 1u << 20, &a));
}

static void test_payload_meta(void **state)
{
    (void)state;
    char p[64];
    struct blkarea_meta m;
    uint32_t n = blkarea_rec_build(p, sizeof(p), 3, 45678, "rule pass all\n", 14);
    assert_int_equal(n, strlen("boot=3 up=45678\n") + 14);
    assert_true(blkarea_rec_meta(p, n, &m));
    assert_int_equal(m.boot, 3);
    assert_int_equal(m.up_ms, 45678);
    assert_int_equal(m.body_len, 14);
    assert_memory_equal(m.body, "rule pass all\n", 14);
    assert_int_equal(blkarea_rec_build(p, sizeof(p), 3, 1, "x", 60), 0); // does not fit
    assert_false(blkarea_rec_meta("boot=x up=1\n", 12, &m));
    assert_false(blkarea_rec_meta("boot=1 up=1", 11, &m));
}

#define E(n) "{\"age_ms\":" #n ",\"action\":\"block\",\"dport\":7001}"

static void test_fwlog_new_entries(void **state)
{
    (void)state;
    static char body[4096];
    struct con_fwlog f;
    uint64_t last = 0;
    const char *j = "{\"logged\":3,\"not_printed\":0,\"entries\":[" E(1) "," E(2) "," E(3) "]}\n";
    assert_true(con_fwlog_parse(j, (uint32_t)strlen(j), &f));
    assert_int_equal(f.logged, 3);
    assert_int_equal(f.n, 3);
    uint32_t n = con_fwlog_body(&f, &last, body, sizeof(body));
    body[n] = 0;
    assert_int_equal(last, 3);
    assert_string_equal(body, "logged=3 new=3 lost=0\n" E(1) "\n" E(2) "\n" E(3) "\n");
    assert_int_equal(con_fwlog_body(&f, &last, body, sizeof(body)), 0); // nothing new
    const char *j2 =
        "{\"logged\":5,\"not_printed\":0,\"entries\":[" E(2) "," E(3) "," E(4) "," E(5) "]}";
    assert_true(con_fwlog_parse(j2, (uint32_t)strlen(j2), &f));
    n = con_fwlog_body(&f, &last, body, sizeof(body));
    body[n] = 0;
    assert_string_equal(body, "logged=5 new=2 lost=0\n" E(4) "\n" E(5) "\n");
    // the router's ring overran between polls: 9 new, 4 still held
    const char *j3 = "{\"logged\":14,\"entries\":[" E(11) "," E(12) "," E(13) "," E(14) "]}";
    assert_true(con_fwlog_parse(j3, (uint32_t)strlen(j3), &f));
    n = con_fwlog_body(&f, &last, body, sizeof(body));
    body[n] = 0;
    assert_non_null(strstr(body, "logged=14 new=4 lost=5\n" E(11)));
    // a restarted router counts from 0: everything it holds is new
    const char *j4 = "{\"logged\":1,\"entries\":[" E(1) "]}";
    assert_true(con_fwlog_parse(j4, (uint32_t)strlen(j4), &f));
    n = con_fwlog_body(&f, &last, body, sizeof(body));
    body[n] = 0;
    assert_string_equal(body, "logged=1 new=1 lost=0\n" E(1) "\n");
    // what does not fit is counted lost
    assert_true(con_fwlog_parse(j2, (uint32_t)strlen(j2), &f));
    last = 3;
    n = con_fwlog_body(&f, &last, body, 80 + 60);
    body[n] = 0;
    assert_non_null(strstr(body, "logged=5 new=1 lost=1\n"));
}

static void test_fwlog_bad_answers(void **state)
{
    (void)state;
    struct con_fwlog f;
    const char *cut = "{\"logged\":3,\"entries\":[" E(1) ",{\"age_ms\":2,\"act";
    assert_false(con_fwlog_parse(cut, (uint32_t)strlen(cut), &f));
    assert_false(con_fwlog_parse("error: unknown command", 22, &f));
    const char *noarr = "{\"logged\":3}";
    assert_false(con_fwlog_parse(noarr, (uint32_t)strlen(noarr), &f));
    const char *braces = "{\"logged\":1,\"entries\":[{\"interface\":\"}{\\\"\"}]}";
    assert_true(con_fwlog_parse(braces, (uint32_t)strlen(braces), &f));
    assert_int_equal(f.n, 1);
    // more entries than a poll keeps: the newest CON_FWLOG_MAX
    static char big[100 * 64];
    int pos = sprintf(big, "{\"logged\":70,\"entries\":[");
    for (int i = 1; i <= 70; i++)
        pos += sprintf(big + pos, "%s{\"age_ms\":%d}", i > 1 ? "," : "", i);
    sprintf(big + pos, "]}");
    assert_true(con_fwlog_parse(big, (uint32_t)strlen(big), &f));
    assert_int_equal(f.n, CON_FWLOG_MAX);
    assert_memory_equal(f.entry[0], "{\"age_ms\":7}", 12);
}

static void test_diff_lines(void **state)
{
    (void)state;
    const char *a = "component a\nregion r\nrule pass all\n";
    assert_int_equal(con_diff_lines(a, (uint32_t)strlen(a), a, (uint32_t)strlen(a)), 0);
    const char *b = "component a\r\nregion r\nrule block all\n";
    assert_int_equal(con_diff_lines(a, (uint32_t)strlen(a), b, (uint32_t)strlen(b)), 2);
    const char *c = "component a\nregion r\nrule pass all\nrule pass all\n";
    assert_int_equal(con_diff_lines(a, (uint32_t)strlen(a), c, (uint32_t)strlen(c)), 1);
    assert_int_equal(con_diff_lines(a, (uint32_t)strlen(a), "", 0), 3);
}

static void test_cache(void **state)
{
    (void)state;
    static uint8_t win[64 * SS];
    uint8_t buf[2 * SS];
    struct con_cache c;
    for (uint32_t i = 0; i < 200; i++)
        memset(disk + i * SS, (int)i, SS);
    con_cache_init(&c, mem_read, NULL, win, SS, 64, 10, 100);
    reads = 0;
    for (uint64_t s = 10; s < 100; s++) {
        assert_int_equal(con_cache_read(&c, s, 1, buf), 0);
        assert_int_equal(buf[0], (uint8_t)s);
    }
    assert_int_equal(reads, 2); // [10, 74) and [74, 100)
    assert_int_equal(con_cache_read(&c, 98, 2, buf), 0);
    assert_int_equal(buf[SS], 99);
    assert_int_equal(con_cache_read(&c, 150, 1, buf), 0); // outside: straight through
    assert_int_equal(buf[0], 150);
    assert_int_equal(con_cache_read(&c, 99, 2, buf), 0); // crosses the area end
    assert_int_equal(reads, 4);
}

// Both areas on one disk, written interleaved, each with a torn tail:
// recovery of one never sees the other's records, and each continues after
// its own newest good record.
static void test_areas_recover_apart(void **state)
{
    (void)state;
    struct blkarea a;
    struct blklog cfg, log, rc;
    struct blklog_scan sc;
    static uint8_t win[128 * SS];
    struct con_cache cache;
    memset(disk, 0, sizeof(disk));
    assert_true(blkarea_for(SS, NSECT, &a));
    assert_int_equal(blklog_init(&cfg, SS, a.cfg_first, a.cfg_nsect, BLKAREA_CFG_ID), BLKLOG_OK);
    assert_int_equal(blklog_init(&log, SS, a.log_first, a.log_nsect, BLKAREA_LOG_ID), BLKLOG_OK);
    static char text[3000];
    memset(text, 'c', sizeof(text) - 1);
    for (int i = 0; i < 3; i++) {
        put(&cfg, BLKAREA_REC_CONFIG, text, 0);
        put(&log, BLKAREA_REC_FWLOG, "logged=1 new=1 lost=0\n{}\n", 0);
        put(&log, BLKAREA_REC_COUNTERS, "{\"filter\":{}}\n", 0);
    }
    put(&cfg, BLKAREA_REC_CONFIG, text, 2); // torn: 2 of its 6 sectors
    put(&log, BLKAREA_REC_FWLOG, text, 1);  // torn: its first sector only
    assert_int_equal(blklog_init(&rc, SS, a.cfg_first, a.cfg_nsect, BLKAREA_CFG_ID), BLKLOG_OK);
    con_cache_init(&cache, mem_read, NULL, win, SS, 128, a.cfg_first, a.cfg_first + a.cfg_nsect);
    assert_int_equal(blklog_recover(&rc, con_cache_read, &cache, scratch, sizeof(scratch), &sc),
                     BLKLOG_OK);
    assert_int_equal(sc.records, 3);
    assert_int_equal(sc.last_seq, 3);
    assert_int_equal(sc.last_type, BLKAREA_REC_CONFIG);
    assert_int_equal(sc.torn, 1);
    assert_int_equal(rc.next_seq, 4);
    assert_int_equal(rc.next_sect, 3 * 6); // 3047 bytes: 6 sectors each
    assert_true(cache.misses <= a.cfg_nsect / 128 + 1);
    assert_int_equal(blklog_init(&rc, SS, a.log_first, a.log_nsect, BLKAREA_LOG_ID), BLKLOG_OK);
    con_cache_init(&cache, mem_read, NULL, win, SS, 128, a.log_first, a.log_first + a.log_nsect);
    assert_int_equal(blklog_recover(&rc, con_cache_read, &cache, scratch, sizeof(scratch), &sc),
                     BLKLOG_OK);
    assert_int_equal(sc.records, 6);
    assert_int_equal(sc.last_seq, 6);
    assert_int_equal(sc.last_type, BLKAREA_REC_COUNTERS);
    // the newest 4 of the log area, oldest first; none from the other area
    struct con_recent r[4];
    uint32_t n = 0;
    assert_int_equal(con_scan_recent(mem_read, NULL, SS, a.log_first, a.log_nsect, BLKAREA_LOG_ID,
                                     scratch, sizeof(scratch), r, 4, &n),
                     BLKLOG_OK);
    assert_int_equal(n, 4);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(r[i].seq, 3 + i);
        assert_int_equal(r[i].type, i % 2 ? BLKAREA_REC_COUNTERS : BLKAREA_REC_FWLOG);
    }
    // the config area scanned with the log id finds nothing
    assert_int_equal(con_scan_recent(mem_read, NULL, SS, a.cfg_first, a.cfg_nsect, BLKAREA_LOG_ID,
                                     scratch, sizeof(scratch), r, 4, &n),
                     BLKLOG_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_areas),
        cmocka_unit_test(test_payload_meta),
        cmocka_unit_test(test_fwlog_new_entries),
        cmocka_unit_test(test_fwlog_bad_answers),
        cmocka_unit_test(test_diff_lines),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_areas_recover_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
