// SPDX-License-Identifier: MIT
// Host unit tests (cmocka) for servers/blk/blklog.c on an in-memory disk: the
// CRC32C check value, record encoding (whole sectors, zero padding), recovery
// of an empty, a partly filled and a wrapped log, and power-off in the middle
// of a write: a record torn after its first sector, a torn single sector
// (only some bytes written), a flipped bit; records of another log id and
// random garbage are ignored. After each recovery the writer must continue
// right after the last good record, and the next recovery must find it.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "servers/blk/blklog.h"

#define SS     512u
#define NSECT  64u
#define FIRST  100u
#define LOG_ID 0x1234abcdull

static uint8_t disk[(FIRST + NSECT) * SS];
static uint8_t scratch[16384];
static uint8_t rec[16384];

static int rd(void *ctx, uint64_t sect, uint32_t count, void *buf)
{
    (void)ctx;
    if ((sect + count) * SS > sizeof(disk))
        return -1;
    memcpy(buf, disk + sect * SS, (size_t)count * SS);
    return 0;
}

// Appends a record whose payload is len bytes that depend on seq and len; only the first
// `keep` bytes reach the disk (a torn write), all of them if keep is -1.
static uint64_t append(struct blklog *lg, uint32_t len, long keep)
{
    uint8_t payload[4096];
    for (uint32_t i = 0; i < len; i++)
        payload[i] = (uint8_t)(lg->next_seq * 31 + len + i);
    uint64_t sect;
    uint32_t bytes;
    uint64_t seq = lg->next_seq;
    assert_int_equal(blklog_encode(lg, 7, payload, len, rec, sizeof(rec), &sect, &bytes),
                     BLKLOG_OK);
    assert_int_equal(bytes % SS, 0);
    memcpy(disk + sect * SS, rec, keep < 0 ? bytes : (size_t)keep);
    return seq;
}

static struct blklog_scan recover(struct blklog *lg)
{
    struct blklog_scan sc;
    assert_int_equal(blklog_init(lg, SS, FIRST, NSECT, LOG_ID), BLKLOG_OK);
    assert_int_equal(blklog_recover(lg, rd, NULL, scratch, sizeof(scratch), &sc), BLKLOG_OK);
    return sc;
}

static int setup(void **st)
{
    (void)st;
    memset(disk, 0, sizeof(disk));
    return 0;
}

static void t_crc(void **st)
{
    (void)st;
    assert_int_equal(blklog_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(blklog_crc32c(0, "", 0), 0);
}

static void t_encode(void **st)
{
    (void)st;
    struct blklog lg;
    assert_int_equal(blklog_init(&lg, SS, FIRST, NSECT, LOG_ID), BLKLOG_OK);
    assert_int_equal(blklog_record_bytes(&lg, 0), 512);
    assert_int_equal(blklog_record_bytes(&lg, 480), 512);
    assert_int_equal(blklog_record_bytes(&lg, 481), 1024);
    uint64_t sect;
    uint32_t bytes;
    memset(rec, 0xee, sizeof(rec));
    assert_int_equal(blklog_encode(&lg, 3, "hello", 5, rec, sizeof(rec), &sect, &bytes), BLKLOG_OK);
    assert_int_equal(sect, FIRST);
    assert_int_equal(bytes, 512);
    for (uint32_t i = BLKLOG_HDR_BYTES + 5; i < 512; i++)
        assert_int_equal(rec[i], 0); // padding is zero
    struct blklog_hdr h;
    assert_int_equal(blklog_decode(rec, bytes, LOG_ID, &h), BLKLOG_OK);
    assert_int_equal(h.seq, 1);
    assert_int_equal(h.type, 3);
    assert_memory_equal(rec + BLKLOG_HDR_BYTES, "hello", 5);
    assert_int_equal(blklog_decode(rec, bytes, LOG_ID + 1, &h), BLKLOG_ENOREC);
    rec[34] ^= 1; // a payload byte
    assert_int_equal(blklog_decode(rec, bytes, LOG_ID, &h), BLKLOG_ECRC);
    assert_int_equal(
        blklog_encode(&lg, 3, rec, BLKLOG_MAX_PAYLOAD + 1, rec, sizeof(rec), &sect, &bytes),
        BLKLOG_EINVAL);
}

static void t_empty_and_garbage(void **st)
{
    (void)st;
    struct blklog lg;
    struct blklog_scan sc = recover(&lg);
    assert_int_equal(sc.records, 0);
    assert_int_equal(lg.next_seq, 1);
    srand(7);
    for (size_t i = 0; i < sizeof(disk); i++)
        disk[i] = (uint8_t)rand();
    sc = recover(&lg);
    assert_int_equal(sc.records, 0);
    assert_int_equal(lg.next_sect, 0);
}

static void t_append_recover(void **st)
{
    (void)st;
    struct blklog lg;
    recover(&lg);
    for (uint32_t i = 0; i < 10; i++)
        append(&lg, 100 + i * 150, -1); // 1 to 4 sectors each
    uint64_t next = lg.next_sect;
    struct blklog w;
    struct blklog_scan sc = recover(&w);
    assert_int_equal(sc.records, 10);
    assert_int_equal(sc.first_seq, 1);
    assert_int_equal(sc.last_seq, 10);
    assert_int_equal(sc.torn, 0);
    assert_int_equal(w.next_seq, 11);
    assert_int_equal(w.next_sect, next);
}

// Power-off in the middle of a record: it is ignored, the writer goes on
// from the last good one and overwrites the torn space.
static void t_torn(void **st)
{
    (void)st;
    struct blklog lg;
    recover(&lg);
    for (uint32_t i = 0; i < 5; i++)
        append(&lg, 700, -1);
    uint64_t good_next = lg.next_sect;
    append(&lg, 1500, 512); // three sectors, only the first written
    struct blklog w;
    struct blklog_scan sc = recover(&w);
    assert_int_equal(sc.last_seq, 5);
    assert_int_equal(sc.torn, 1);
    assert_int_equal(w.next_sect, good_next);
    assert_int_equal(w.next_seq, 6);
    append(&w, 400, 300); // a torn sector: only 300 of its 432 bytes
    sc = recover(&w);
    assert_int_equal(sc.last_seq, 5);
    append(&w, 200, -1);
    sc = recover(&w);
    assert_int_equal(sc.last_seq, 6);
    assert_int_equal(sc.records, 6);
    disk[(FIRST + sc.last_sect) * SS + BLKLOG_HDR_BYTES + 10] ^= 0x40; // a flipped bit
    sc = recover(&w);
    assert_int_equal(sc.last_seq, 5);
}

static void t_wrap(void **st)
{
    (void)st;
    struct blklog lg;
    recover(&lg);
    for (uint32_t i = 0; i < 100; i++)
        append(&lg, (i * 37) % 1200, -1);
    struct blklog w;
    struct blklog_scan sc = recover(&w);
    assert_int_equal(sc.last_seq, 100);
    assert_int_equal(w.next_seq, 101);
    assert_int_equal(w.next_sect, lg.next_sect);
    assert_int_equal(sc.records, sc.last_seq - sc.first_seq + 1); // no gap
    assert_true(sc.first_seq > 1);                                // the oldest were overwritten
    // torn while wrapping: the newest record is lost, nothing else
    append(&w, 1400, 600);
    sc = recover(&w);
    assert_int_equal(sc.last_seq, 100);
}

static void t_other_log(void **st)
{
    (void)st;
    struct blklog other;
    assert_int_equal(blklog_init(&other, SS, FIRST, NSECT, LOG_ID + 1), BLKLOG_OK);
    for (uint32_t i = 0; i < 8; i++)
        append(&other, 50, -1);
    struct blklog lg;
    struct blklog_scan sc = recover(&lg);
    assert_int_equal(sc.records, 0); // a previous log in the same area is not ours
    append(&lg, 50, -1);
    sc = recover(&lg);
    assert_int_equal(sc.records, 1);
    assert_int_equal(sc.last_seq, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(t_crc, setup),
        cmocka_unit_test_setup(t_encode, setup),
        cmocka_unit_test_setup(t_empty_and_garbage, setup),
        cmocka_unit_test_setup(t_append_recover, setup),
        cmocka_unit_test_setup(t_torn, setup),
        cmocka_unit_test_setup(t_wrap, setup),
        cmocka_unit_test_setup(t_other_log, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
