// SPDX-License-Identifier: MIT
// The iperf3 server's protocol state machine (see iperf3_proto.h). Everything
// the client sends is input: lengths are bounded, JSON is validated before use,
// cookies are compared as opaque bytes, and a client that breaks the protocol
// gets SERVER_ERROR and is disconnected; the session then waits for the next.
#include <string.h>

#include "apps/iperf3/iperf3_json.h"
#include "apps/iperf3/iperf3_proto.h"

#define IPERF_MSG_LIMIT  (1u << 20) // refuse JSON messages larger than this
#define IPERF_IERR       1          // i_errno sent with SERVER_ERROR: a bad request
#define UDP_CONNECT_MSG  0x36373839u
#define UDP_REPLY        0x39383736u
#define UDP_LEGACY_MSG   123456789u
#define UDP_LEGACY_REPLY 987654321u

static void reset(struct iperf_sess *s)
{
    s->phase = IPERF_PH_IDLE;
    memset(&s->params, 0, sizeof(s->params));
    memset(s->streams, 0, sizeof(s->streams));
    s->nstreams = 0;
    s->cookie_got = 0;
    s->len_got = 0;
    s->msg_len = s->msg_got = 0;
    s->start_ns = s->end_ns = 0;
    s->sending = false;
}

void iperf_init(struct iperf_sess *s, const struct iperf_ops *ops, void *ctx)
{
    s->ops = ops;
    s->ctx = ctx;
    s->tests_done = s->tests_failed = 0;
    reset(s);
}

// Ends the session: every connection closed, ready for the next client.
static void finish(struct iperf_sess *s, bool ok)
{
    if (ok)
        s->tests_done++;
    else
        s->tests_failed++;
    s->ops->close_all(s->ctx);
    reset(s);
}

static bool send_bytes(struct iperf_sess *s, const void *buf, size_t len)
{
    if (s->ops->ctrl_send(s->ctx, buf, len))
        return true;
    finish(s, false);
    return false;
}

static bool send_state(struct iperf_sess *s, enum iperf_state st)
{
    uint8_t b = (uint8_t)(int8_t)st;
    return send_bytes(s, &b, 1);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

// SERVER_ERROR, then i_errno and errno as big-endian int32; then hang up.
static void send_error(struct iperf_sess *s)
{
    uint8_t b[9];

    b[0] = (uint8_t)(int8_t)IPERF_SERVER_ERROR;
    put_be32(b + 1, IPERF_IERR);
    put_be32(b + 5, 0);
    if (send_bytes(s, b, sizeof(b)))
        finish(s, false);
}

enum iperf_role iperf_conn_accept(struct iperf_sess *s)
{
    if (s->phase == IPERF_PH_IDLE) {
        s->phase = IPERF_PH_COOKIE;
        return IPERF_ROLE_CTRL;
    }
    if (s->phase == IPERF_PH_STREAMS && !s->params.udp)
        return IPERF_ROLE_STREAM;
    return IPERF_ROLE_DENY;
}

void iperf_ctrl_closed(struct iperf_sess *s)
{
    if (s->phase != IPERF_PH_IDLE)
        finish(s, false);
}

bool iperf_sending(const struct iperf_sess *s)
{
    return s->sending;
}

// The client reads -R data in whole blocks of params.len bytes and, once it
// has sent TEST_END, waits for the rest of the block it is reading before it
// looks at the control connection again. So a stream that stops must stop on
// a block boundary: after the test, each stream may send up to the next one.
size_t iperf_stream_room(const struct iperf_sess *s, const struct iperf_tcpconn *c)
{
    uint64_t blk = s->params.len > 0 ? (uint64_t)s->params.len : IPERF_DEFAULT_BLKSIZE;

    if (!s->params.reverse || c->slot < 0 || c->slot >= s->nstreams)
        return 0;
    if (s->sending)
        return SIZE_MAX;
    if (s->phase == IPERF_PH_IDLE)
        return 0;
    return (size_t)((blk - s->streams[c->slot].bytes % blk) % blk);
}

bool iperf_stream_done(const struct iperf_sess *s, const struct iperf_tcpconn *c)
{
    bool after = s->phase == IPERF_PH_RESULTS || s->phase == IPERF_PH_DISPLAY;
    return s->params.reverse && after && c->slot >= 0 && c->slot < s->nstreams &&
           iperf_stream_room(s, c) == 0;
}

// Reads a length-prefixed JSON message; returns the bytes consumed and sets
// *done when the whole message is in s->msg (msg_got may exceed IPERF_MSG_MAX:
// the excess is dropped and the message then counts as too large).
static size_t read_msg(struct iperf_sess *s, const uint8_t *data, size_t len, bool *done)
{
    size_t used = 0;

    while (s->len_got < 4 && used < len)
        s->len_buf[s->len_got++] = data[used++];
    if (s->len_got < 4)
        return used;
    s->msg_len = get_be32(s->len_buf);
    while (s->msg_got < s->msg_len && used < len) {
        size_t n = s->msg_len - s->msg_got;
        if (n > len - used)
            n = len - used;
        if (s->msg_got < IPERF_MSG_MAX) {
            size_t keep = IPERF_MSG_MAX - s->msg_got;
            memcpy(s->msg + s->msg_got, data + used, n < keep ? n : keep);
        }
        s->msg_got += (uint32_t)n;
        used += n;
    }
    *done = s->msg_got == s->msg_len;
    return used;
}

static void msg_reset(struct iperf_sess *s)
{
    s->len_got = 0;
    s->msg_len = s->msg_got = 0;
}

static bool msg_usable(const struct iperf_sess *s)
{
    return s->msg_len <= IPERF_MSG_MAX && iperf_json_valid(s->msg, s->msg_len);
}

// Decodes the client's parameters; false if they are unusable or unsupported.
static bool decode_params(const char *js, size_t len, struct iperf_params *p)
{
    int64_t parallel = 1;
    bool tcp = false, bidir = false;

    memset(p, 0, sizeof(*p));
    iperf_json_get_bool(js, len, "tcp", &tcp);
    iperf_json_get_bool(js, len, "udp", &p->udp);
    iperf_json_get_bool(js, len, "reverse", &p->reverse);
    iperf_json_get_bool(js, len, "bidirectional", &bidir);
    iperf_json_get_bool(js, len, "udp_counters_64bit", &p->udp64);
    iperf_json_get_int(js, len, "parallel", &parallel);
    iperf_json_get_int(js, len, "time", &p->time_s);
    iperf_json_get_int(js, len, "len", &p->len);
    iperf_json_get_int(js, len, "bandwidth", &p->bandwidth);
    p->parallel = (int)parallel;
    if (parallel < 1 || parallel > IPERF_MAX_STREAMS || tcp == p->udp || bidir)
        return false;
    return !(p->udp && p->reverse); // UDP sending is not implemented
}

static void handle_params(struct iperf_sess *s)
{
    if (!msg_usable(s) || !decode_params(s->msg, s->msg_len, &s->params)) {
        send_error(s);
        return;
    }
    msg_reset(s);
    s->phase = IPERF_PH_STREAMS;
    send_state(s, IPERF_CREATE_STREAMS);
}

static void handle_results(struct iperf_sess *s)
{
    uint8_t len[4];
    size_t n;

    // The client's results are checked, not used: the client prints both sides.
    if (s->msg_len <= IPERF_MSG_MAX && !iperf_json_valid(s->msg, s->msg_len)) {
        send_error(s);
        return;
    }
    msg_reset(s);
    n = iperf_results_json(s, s->msg, sizeof(s->msg));
    if (n == 0) {
        send_error(s);
        return;
    }
    put_be32(len, (uint32_t)n);
    s->phase = IPERF_PH_DISPLAY;
    if (send_bytes(s, len, 4) && send_bytes(s, s->msg, n))
        send_state(s, IPERF_DISPLAY_RESULTS);
}

static void start_test(struct iperf_sess *s)
{
    s->start_ns = s->ops->now_ns(s->ctx);
    s->phase = IPERF_PH_RUNNING;
    if (!send_state(s, IPERF_TEST_START) || !send_state(s, IPERF_TEST_RUNNING))
        return;
    if (s->params.reverse) {
        s->sending = true;
        s->ops->send_start(s->ctx);
    }
}

static void end_test(struct iperf_sess *s)
{
    s->end_ns = s->ops->now_ns(s->ctx);
    s->sending = false;
    s->phase = IPERF_PH_RESULTS;
    msg_reset(s);
    if (!send_state(s, IPERF_EXCHANGE_RESULTS))
        return;
    if (s->params.reverse)
        s->ops->send_start(s->ctx); // finish each stream's last block
}

// One state byte from the client while streams are set up, running or shown.
static void client_state(struct iperf_sess *s, int8_t st)
{
    if (st == IPERF_TEST_END && (s->phase == IPERF_PH_RUNNING || s->phase == IPERF_PH_STREAMS))
        end_test(s);
    else if (st == IPERF_DONE && s->phase == IPERF_PH_DISPLAY)
        finish(s, true);
    else if (st == IPERF_CLIENT_TERMINATE)
        finish(s, false);
}

static size_t read_cookie(struct iperf_sess *s, const uint8_t *data, size_t len)
{
    size_t n = IPERF_COOKIE_LEN - s->cookie_got;

    if (n > len)
        n = len;
    memcpy(s->cookie + s->cookie_got, data, n);
    s->cookie_got += n;
    if (s->cookie_got == IPERF_COOKIE_LEN) {
        s->phase = IPERF_PH_PARAMS;
        msg_reset(s);
        send_state(s, IPERF_PARAM_EXCHANGE);
    }
    return n;
}

// Consumes some control bytes in the current phase; returns how many.
static size_t ctrl_step(struct iperf_sess *s, const uint8_t *data, size_t len)
{
    bool done = false;
    size_t n;

    switch (s->phase) {
    case IPERF_PH_COOKIE: return read_cookie(s, data, len);
    case IPERF_PH_PARAMS:
    case IPERF_PH_RESULTS:
        n = read_msg(s, data, len, &done);
        if (s->len_got == 4 && s->msg_len > IPERF_MSG_LIMIT)
            send_error(s);
        else if (done && s->phase == IPERF_PH_PARAMS)
            handle_params(s);
        else if (done)
            handle_results(s);
        return n;
    case IPERF_PH_STREAMS:
    case IPERF_PH_RUNNING:
    case IPERF_PH_DISPLAY: client_state(s, (int8_t)data[0]); return 1;
    case IPERF_PH_IDLE: break;
    }
    return len; // no session: drop
}

void iperf_ctrl_input(struct iperf_sess *s, const uint8_t *data, size_t len)
{
    while (len > 0 && s->phase != IPERF_PH_IDLE) {
        size_t n = ctrl_step(s, data, len);
        data += n;
        len -= n;
    }
}

void iperf_tcpconn_init(struct iperf_tcpconn *c)
{
    c->slot = -1;
    c->got = 0;
}

// Adds a stream for a matched cookie or UDP handshake; -1 if none is expected.
static int add_stream(struct iperf_sess *s, uint64_t key)
{
    int slot = s->nstreams;

    if (s->phase != IPERF_PH_STREAMS || slot >= s->params.parallel)
        return -1;
    memset(&s->streams[slot], 0, sizeof(s->streams[slot]));
    s->streams[slot].used = true;
    s->streams[slot].id = slot == 0 ? 1 : slot + 2;
    s->streams[slot].udp_key = key;
    s->nstreams++;
    return slot;
}

static bool all_streams_in(const struct iperf_sess *s)
{
    return s->phase == IPERF_PH_STREAMS && s->nstreams == s->params.parallel;
}

enum iperf_verdict iperf_stream_input(struct iperf_sess *s, struct iperf_tcpconn *c,
                                      const uint8_t *data, size_t len)
{
    if (c->slot < 0) {
        size_t n = IPERF_COOKIE_LEN - c->got;
        if (n > len)
            n = len;
        memcpy(c->cookie + c->got, data, n);
        c->got = (uint8_t)(c->got + n);
        data += n;
        len -= n;
        if (c->got < IPERF_COOKIE_LEN)
            return IPERF_KEEP;
        if (memcmp(c->cookie, s->cookie, IPERF_COOKIE_LEN) != 0 || (c->slot = add_stream(s, 0)) < 0)
            return IPERF_REFUSE;
        if (all_streams_in(s))
            start_test(s);
    }
    if (c->slot < s->nstreams)
        s->streams[c->slot].bytes += len;
    return IPERF_KEEP;
}

void iperf_stream_sent(struct iperf_sess *s, const struct iperf_tcpconn *c, size_t n)
{
    if (c->slot >= 0 && c->slot < s->nstreams)
        s->streams[c->slot].bytes += n;
}

static int find_udp(const struct iperf_sess *s, uint64_t key)
{
    for (int i = 0; i < s->nstreams; i++)
        if (s->streams[i].udp_key == key)
            return i;
    return -1;
}

// The 4-byte UDP "connect": answer in the same dialect (current or legacy).
static enum iperf_udp_action udp_hello(struct iperf_sess *s, uint64_t key, const uint8_t *head,
                                       uint8_t reply[4])
{
    uint32_t msg, rep;

    memcpy(&msg, head, 4); // host order on the wire, as iperf3 writes it
    rep = msg == UDP_LEGACY_MSG ? UDP_LEGACY_REPLY : UDP_REPLY;
    if (find_udp(s, key) < 0 && add_stream(s, key) < 0)
        return IPERF_UDP_DROP;
    memcpy(reply, &rep, 4);
    if (all_streams_in(s))
        start_test(s);
    return IPERF_UDP_REPLY;
}

// Sequence, loss and RFC 1889 jitter, as iperf3's receiver counts them.
static void udp_account(struct iperf_sess *s, struct iperf_stream *st, const uint8_t *head,
                        size_t headlen)
{
    uint64_t sent = (uint64_t)get_be32(head) * 1000000000u + (uint64_t)get_be32(head + 4) * 1000u;
    int64_t seq = s->params.udp64 && headlen >= 16
                      ? (int64_t)((uint64_t)get_be32(head + 8) << 32 | get_be32(head + 12))
                      : (int64_t)(int32_t)get_be32(head + 8);
    int64_t transit = (int64_t)(s->ops->now_ns(s->ctx) - sent);

    if (seq >= st->packets + 1) {
        st->errors += seq - st->packets - 1;
        st->packets = seq;
    } else {
        st->outoforder++;
        if (st->errors > 0)
            st->errors--;
    }
    if (st->prev_transit != 0) {
        int64_t d = transit - st->prev_transit;
        if (d < 0)
            d = -d;
        st->jitter_ns += (d - st->jitter_ns) / 16;
    }
    st->prev_transit = transit ? transit : 1;
}

enum iperf_udp_action iperf_udp_input(struct iperf_sess *s, uint64_t key, const uint8_t *head,
                                      size_t headlen, size_t total, uint8_t reply[4])
{
    int slot;

    if (!s->params.udp || s->phase < IPERF_PH_STREAMS || s->phase > IPERF_PH_RESULTS)
        return IPERF_UDP_DROP;
    if (total == 4 && headlen >= 4 && s->phase == IPERF_PH_STREAMS)
        return udp_hello(s, key, head, reply);
    slot = find_udp(s, key);
    if (slot < 0 || headlen < 12 || s->phase == IPERF_PH_STREAMS)
        return IPERF_UDP_DROP;
    s->streams[slot].bytes += total;
    udp_account(s, &s->streams[slot], head, headlen);
    return IPERF_UDP_DATA;
}

static void stream_json(const struct iperf_sess *s, const struct iperf_stream *st,
                        struct iperf_jw *w)
{
    iperf_jw_obj(w, NULL);
    iperf_jw_int(w, "id", st->id);
    iperf_jw_int(w, "bytes", (int64_t)st->bytes);
    iperf_jw_int(w, "retransmits", -1);
    iperf_jw_fixed(w, "jitter", st->jitter_ns, 9);
    iperf_jw_int(w, "errors", st->errors);
    iperf_jw_int(w, "packets", st->packets);
    iperf_jw_int(w, "start_time", 0);
    iperf_jw_fixed(w, "end_time", (int64_t)((s->end_ns - s->start_ns) / 1000u), 6);
    iperf_jw_end(w);
}

size_t iperf_results_json(const struct iperf_sess *s, char *buf, size_t cap)
{
    struct iperf_jw w;

    iperf_jw_init(&w, buf, cap);
    iperf_jw_obj(&w, NULL);
    iperf_jw_fixed(&w, "cpu_util_total", 0, 1);
    iperf_jw_fixed(&w, "cpu_util_user", 0, 1);
    iperf_jw_fixed(&w, "cpu_util_system", 0, 1);
    // -1: this side only received; 0: it sent but cannot count retransmissions.
    iperf_jw_int(&w, "sender_has_retransmits", s->params.reverse ? 0 : -1);
    iperf_jw_arr(&w, "streams");
    for (int i = 0; i < s->nstreams; i++)
        stream_json(s, &s->streams[i], &w);
    iperf_jw_end(&w);
    iperf_jw_end(&w);
    return iperf_jw_finish(&w);
}
