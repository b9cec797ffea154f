// SPDX-License-Identifier: MIT
// Unit tests of the iperf3 server's protocol state machine
// (apps/iperf3/iperf3_proto.c) with a fake transport: whole sessions in TCP,
// reverse, parallel and UDP modes, fragmented input, refused second clients and
// bad cookies, malformed or oversized messages, and clients that vanish.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "apps/iperf3/iperf3_json.h"
#include "apps/iperf3/iperf3_proto.h"

struct fake {
    uint8_t out[65536];
    size_t outlen, taken;
    int closes, send_starts;
    uint64_t now;
    bool refuse_send;
};

static struct fake fk;
static struct iperf_sess sess;

static bool fake_send(void *ctx, const void *buf, size_t len)
{
    struct fake *f = ctx;
    if (f->refuse_send || f->outlen + len > sizeof(f->out))
        return false;
    memcpy(f->out + f->outlen, buf, len);
    f->outlen += len;
    return true;
}

static void fake_close_all(void *ctx)
{
    ((struct fake *)ctx)->closes++;
}

static void fake_send_start(void *ctx)
{
    ((struct fake *)ctx)->send_starts++;
}

static uint64_t fake_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static const struct iperf_ops fake_ops = {fake_send, fake_close_all, fake_send_start, fake_now};
static const uint8_t cookie[IPERF_COOKIE_LEN] = "abcdefghijklmnopqrstuvwxyz234567abcd";
static const uint8_t other_cookie[IPERF_COOKIE_LEN] = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";

static int setup(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof(fk));
    fk.now = 1000000000;
    iperf_init(&sess, &fake_ops, &fk);
    return 0;
}

// The next state byte the server wrote.
static int8_t next_state(void)
{
    assert_true(fk.taken < fk.outlen);
    return (int8_t)fk.out[fk.taken++];
}

static void expect_nothing_more(void)
{
    assert_int_equal(fk.taken, fk.outlen);
}

static void ctrl(const void *data, size_t len)
{
    iperf_ctrl_input(&sess, data, len);
}

static void ctrl_byte(int8_t b)
{
    ctrl(&b, 1);
}

static void ctrl_msg(const char *json)
{
    uint32_t n = (uint32_t)strlen(json);
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    ctrl(len, 4);
    ctrl(json, n);
}

// Control connection up to CREATE_STREAMS with the given parameters.
static void open_session(const char *params)
{
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_CTRL);
    ctrl(cookie, sizeof(cookie));
    assert_int_equal(next_state(), IPERF_PARAM_EXCHANGE);
    ctrl_msg(params);
    assert_int_equal(next_state(), IPERF_CREATE_STREAMS);
}

static void open_stream(struct iperf_tcpconn *c)
{
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_STREAM);
    iperf_tcpconn_init(c);
    assert_int_equal(iperf_stream_input(&sess, c, cookie, sizeof(cookie)), IPERF_KEEP);
}

// TEST_END through IPERF_DONE; returns the server's results JSON in buf.
static size_t finish_session(char *buf, size_t cap)
{
    uint32_t n;

    fk.now += 3000000000u;
    ctrl_byte(IPERF_TEST_END);
    assert_int_equal(next_state(), IPERF_EXCHANGE_RESULTS);
    ctrl_msg("{\"cpu_util_total\":1,\"streams\":[]}");
    assert_true(fk.outlen - fk.taken >= 4);
    n = (uint32_t)fk.out[fk.taken] << 24 | (uint32_t)fk.out[fk.taken + 1] << 16 |
        (uint32_t)fk.out[fk.taken + 2] << 8 | fk.out[fk.taken + 3];
    fk.taken += 4;
    assert_true(n < cap && fk.taken + n < fk.outlen);
    memcpy(buf, fk.out + fk.taken, n);
    buf[n] = '\0';
    fk.taken += n;
    assert_int_equal(next_state(), IPERF_DISPLAY_RESULTS);
    ctrl_byte(IPERF_DONE);
    assert_int_equal(fk.closes, 1);
    assert_int_equal(sess.phase, IPERF_PH_IDLE);
    return n;
}

static int64_t stream_field(const char *js, size_t len, size_t idx, const char *key)
{
    struct iperf_jval arr, el;
    int64_t v = -12345;

    assert_true(iperf_json_get(js, len, "streams", &arr));
    assert_true(iperf_json_at(arr.p, arr.len, idx, &el));
    assert_true(iperf_json_get_int(el.p, el.len, key, &v));
    return v;
}

static const char tcp_params[] = "{\"tcp\":true,\"omit\":0,\"time\":3,\"num\":0,\"blockcount\":0,"
                                 "\"parallel\":1,\"len\":131072,\"pacing_timer\":1000,"
                                 "\"client_version\":\"3.12\"}";

static void test_tcp_session(void **state)
{
    struct iperf_tcpconn c;
    uint8_t data[1000] = {0};
    char res[4096];
    int64_t v;

    (void)state;
    open_session(tcp_params);
    open_stream(&c);
    assert_int_equal(next_state(), IPERF_TEST_START);
    assert_int_equal(next_state(), IPERF_TEST_RUNNING);
    assert_int_equal(iperf_stream_input(&sess, &c, data, sizeof(data)), IPERF_KEEP);
    assert_int_equal(fk.send_starts, 0);
    size_t n = finish_session(res, sizeof(res));
    expect_nothing_more();
    assert_true(iperf_json_valid(res, n));
    assert_true(iperf_json_get_int(res, n, "sender_has_retransmits", &v));
    assert_int_equal(v, -1);
    assert_true(iperf_json_get_int(res, n, "cpu_util_total", &v));
    assert_int_equal(stream_field(res, n, 0, "id"), 1);
    assert_int_equal(stream_field(res, n, 0, "bytes"), 1000);
    assert_int_equal(stream_field(res, n, 0, "retransmits"), -1);
    assert_int_equal(stream_field(res, n, 0, "end_time"), 3);
    assert_int_equal(sess.tests_done, 1);
}

// Cookie and data arriving in one segment, and the whole control exchange one
// byte at a time.
static void test_fragmented(void **state)
{
    struct iperf_tcpconn c;
    uint8_t seg[IPERF_COOKIE_LEN + 10] = {0};
    char res[4096];

    (void)state;
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_CTRL);
    for (size_t i = 0; i < sizeof(cookie); i++)
        ctrl(cookie + i, 1);
    assert_int_equal(next_state(), IPERF_PARAM_EXCHANGE);
    uint32_t n = sizeof(tcp_params) - 1;
    uint8_t len[4] = {0, 0, (uint8_t)(n >> 8), (uint8_t)n};
    for (int i = 0; i < 4; i++)
        ctrl(len + i, 1);
    for (uint32_t i = 0; i < n; i++)
        ctrl(tcp_params + i, 1);
    assert_int_equal(next_state(), IPERF_CREATE_STREAMS);
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_STREAM);
    iperf_tcpconn_init(&c);
    memcpy(seg, cookie, sizeof(cookie));
    assert_int_equal(iperf_stream_input(&sess, &c, seg, 5), IPERF_KEEP);
    assert_int_equal(iperf_stream_input(&sess, &c, seg + 5, sizeof(seg) - 5), IPERF_KEEP);
    assert_int_equal(next_state(), IPERF_TEST_START);
    assert_int_equal(next_state(), IPERF_TEST_RUNNING);
    size_t rn = finish_session(res, sizeof(res));
    assert_int_equal(stream_field(res, rn, 0, "bytes"), 10);
}

static void test_parallel_ids(void **state)
{
    struct iperf_tcpconn c[4];
    char res[4096];

    (void)state;
    open_session("{\"tcp\":true,\"parallel\":4,\"time\":3}");
    for (int i = 0; i < 3; i++) {
        open_stream(&c[i]);
        expect_nothing_more(); // nothing until the last stream
    }
    open_stream(&c[3]);
    assert_int_equal(next_state(), IPERF_TEST_START);
    assert_int_equal(next_state(), IPERF_TEST_RUNNING);
    size_t n = finish_session(res, sizeof(res));
    assert_int_equal(stream_field(res, n, 0, "id"), 1);
    assert_int_equal(stream_field(res, n, 1, "id"), 3);
    assert_int_equal(stream_field(res, n, 2, "id"), 4);
    assert_int_equal(stream_field(res, n, 3, "id"), 5);
}

static void test_reverse(void **state)
{
    struct iperf_tcpconn c;
    char res[4096];
    int64_t v;

    (void)state;
    open_session("{\"tcp\":true,\"parallel\":1,\"reverse\":true,\"time\":3}");
    open_stream(&c);
    assert_int_equal(next_state(), IPERF_TEST_START);
    assert_int_equal(next_state(), IPERF_TEST_RUNNING);
    assert_int_equal(fk.send_starts, 1);
    assert_true(iperf_sending(&sess));
    iperf_stream_sent(&sess, &c, 65536);
    iperf_stream_sent(&sess, &c, 100);
    size_t n = finish_session(res, sizeof(res));
    assert_false(iperf_sending(&sess));
    assert_true(iperf_json_get_int(res, n, "sender_has_retransmits", &v));
    assert_int_equal(v, 0);
    assert_int_equal(stream_field(res, n, 0, "bytes"), 65636);
}

// The client reads -R data in whole blocks: after TEST_END a stream may only
// complete the block it is in, and a stream on a boundary must stop.
static void test_reverse_ends_on_block(void **state)
{
    struct iperf_tcpconn c;

    (void)state;
    open_session("{\"tcp\":true,\"parallel\":1,\"reverse\":true,\"time\":3,\"len\":1000}");
    open_stream(&c);
    assert_int_equal(next_state(), IPERF_TEST_START);
    assert_int_equal(next_state(), IPERF_TEST_RUNNING);
    assert_true(iperf_stream_room(&sess, &c) == SIZE_MAX);
    iperf_stream_sent(&sess, &c, 2300);
    ctrl_byte(IPERF_TEST_END);
    assert_int_equal(next_state(), IPERF_EXCHANGE_RESULTS);
    assert_int_equal(fk.send_starts, 2); // kicked to finish the block
    assert_int_equal(iperf_stream_room(&sess, &c), 700);
    assert_false(iperf_stream_done(&sess, &c)); // the block is not finished yet
    iperf_stream_sent(&sess, &c, 700);
    assert_int_equal(iperf_stream_room(&sess, &c), 0);
    assert_true(iperf_stream_done(&sess, &c)); // now the stream ends
}

static void test_second_client_denied(void **state)
{
    struct iperf_tcpconn c;

    (void)state;
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_CTRL);
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_DENY); // during the cookie
    ctrl(cookie, sizeof(cookie));
    ctrl_msg(tcp_params);
    // While streams are awaited another client's connection looks like a stream:
    // its cookie decides.
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_STREAM);
    iperf_tcpconn_init(&c);
    assert_int_equal(iperf_stream_input(&sess, &c, other_cookie, sizeof(other_cookie)),
                     IPERF_REFUSE);
    open_stream(&c);
    assert_int_equal(sess.phase, IPERF_PH_RUNNING);
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_DENY);
    // An extra stream beyond "parallel" is refused too.
    struct iperf_tcpconn extra;
    iperf_tcpconn_init(&extra);
    sess.phase = IPERF_PH_STREAMS;
    assert_int_equal(iperf_stream_input(&sess, &extra, cookie, sizeof(cookie)), IPERF_REFUSE);
}

static void test_client_vanishes(void **state)
{
    struct iperf_tcpconn c;

    (void)state;
    open_session(tcp_params);
    open_stream(&c);
    iperf_ctrl_closed(&sess);
    assert_int_equal(fk.closes, 1);
    assert_int_equal(sess.phase, IPERF_PH_IDLE);
    assert_int_equal(sess.tests_failed, 1);
    iperf_ctrl_closed(&sess); // a second report changes nothing
    assert_int_equal(fk.closes, 1);
    fk.taken = fk.outlen;
    open_session(tcp_params); // the next client is served
}

static void test_client_terminate(void **state)
{
    (void)state;
    open_session(tcp_params);
    ctrl_byte(IPERF_CLIENT_TERMINATE);
    assert_int_equal(fk.closes, 1);
    assert_int_equal(sess.phase, IPERF_PH_IDLE);
}

static void expect_server_error(void)
{
    assert_int_equal(next_state(), IPERF_SERVER_ERROR);
    assert_int_equal(fk.outlen - fk.taken, 8);
    assert_int_equal(fk.closes, 1);
    assert_int_equal(sess.phase, IPERF_PH_IDLE);
}

static void test_bad_params(void **state)
{
    static const char *bad[] = {
        "{\"tcp\":true,",
        "{\"tcp\":true,\"parallel\":0}",
        "{\"tcp\":true,\"parallel\":17}",
        "{\"parallel\":1}",
        "{\"udp\":true,\"reverse\":true}",
        "[1]",
        "{\"tcp\":true,\"bidirectional\":true}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setup(NULL);
        assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_CTRL);
        ctrl(cookie, sizeof(cookie));
        assert_int_equal(next_state(), IPERF_PARAM_EXCHANGE);
        ctrl_msg(bad[i]);
        expect_server_error();
    }
}

static void test_oversized_message(void **state)
{
    uint8_t len[4] = {0x7f, 0xff, 0xff, 0xff};

    (void)state;
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_CTRL);
    ctrl(cookie, sizeof(cookie));
    assert_int_equal(next_state(), IPERF_PARAM_EXCHANGE);
    ctrl(len, 4);
    expect_server_error();
}

static void test_send_failure(void **state)
{
    (void)state;
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_CTRL);
    fk.refuse_send = true;
    ctrl(cookie, sizeof(cookie));
    assert_int_equal(fk.closes, 1);
    assert_int_equal(sess.phase, IPERF_PH_IDLE);
}

static void udp_datagram(uint64_t key, uint32_t sec, uint32_t usec, uint32_t seq)
{
    uint8_t d[1460] = {0}, reply[4];
    uint32_t f[3] = {sec, usec, seq};

    for (int i = 0; i < 3; i++) {
        d[4 * i] = (uint8_t)(f[i] >> 24);
        d[4 * i + 1] = (uint8_t)(f[i] >> 16);
        d[4 * i + 2] = (uint8_t)(f[i] >> 8);
        d[4 * i + 3] = (uint8_t)f[i];
    }
    assert_int_equal(iperf_udp_input(&sess, key, d, 16, sizeof(d), reply), IPERF_UDP_DATA);
}

static void test_udp(void **state)
{
    const uint32_t hello = 0x36373839, legacy = 123456789;
    uint8_t reply[4];
    uint32_t r;
    char res[4096];

    (void)state;
    open_session("{\"udp\":true,\"parallel\":2,\"time\":3,\"len\":1460,\"bandwidth\":50000000}");
    assert_int_equal(iperf_conn_accept(&sess), IPERF_ROLE_DENY); // no TCP streams with -u
    assert_int_equal(iperf_udp_input(&sess, 7, (const uint8_t *)&hello, 4, 4, reply),
                     IPERF_UDP_REPLY);
    memcpy(&r, reply, 4);
    assert_int_equal(r, 0x39383736);
    expect_nothing_more();
    assert_int_equal(iperf_udp_input(&sess, 9, (const uint8_t *)&legacy, 4, 4, reply),
                     IPERF_UDP_REPLY);
    memcpy(&r, reply, 4);
    assert_int_equal(r, 987654321);
    assert_int_equal(next_state(), IPERF_TEST_START);
    assert_int_equal(next_state(), IPERF_TEST_RUNNING);
    assert_int_equal(iperf_udp_input(&sess, 11, (const uint8_t *)&hello, 4, 4, reply),
                     IPERF_UDP_DROP); // a stranger
    // Stream 7: 1, 2, 4, 3 (one late), 6 (5 lost). Arrivals 1 ms apart, sends 1 ms apart
    // except seq 4, sent 0.5 ms late: jitter becomes non-zero.
    udp_datagram(7, 100, 0, 1);
    fk.now += 1000000;
    udp_datagram(7, 100, 1000, 2);
    fk.now += 1000000;
    udp_datagram(7, 100, 2500, 4);
    fk.now += 1000000;
    udp_datagram(7, 100, 3000, 3);
    fk.now += 1000000;
    udp_datagram(7, 100, 5000, 6);
    udp_datagram(9, 100, 0, 1);
    assert_int_equal(sess.streams[0].outoforder, 1);
    assert_true(sess.streams[0].jitter_ns > 0);
    size_t n = finish_session(res, sizeof(res));
    assert_int_equal(stream_field(res, n, 0, "packets"), 6);
    assert_int_equal(stream_field(res, n, 0, "errors"), 1);
    assert_int_equal(stream_field(res, n, 0, "bytes"), 5 * 1460);
    assert_int_equal(stream_field(res, n, 1, "id"), 3);
    assert_int_equal(stream_field(res, n, 1, "packets"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tcp_session, setup),
        cmocka_unit_test_setup(test_fragmented, setup),
        cmocka_unit_test_setup(test_parallel_ids, setup),
        cmocka_unit_test_setup(test_reverse, setup),
        cmocka_unit_test_setup(test_reverse_ends_on_block, setup),
        cmocka_unit_test_setup(test_second_client_denied, setup),
        cmocka_unit_test_setup(test_client_vanishes, setup),
        cmocka_unit_test_setup(test_client_terminate, setup),
        cmocka_unit_test_setup(test_bad_params, setup),
        cmocka_unit_test_setup(test_oversized_message, setup),
        cmocka_unit_test_setup(test_send_failure, setup),
        cmocka_unit_test_setup(test_udp, setup),
    };
    return cmocka_run_group_tests_name("iperf3", tests, NULL, NULL);
}
