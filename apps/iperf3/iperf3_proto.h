// SPDX-License-Identifier: MIT
// The iperf3 server's protocol logic, free of any network stack: the control
// connection's state machine (cookie, parameter exchange, stream creation, test
// start and end, results exchange), the cookie check on data connections, the
// UDP handshake and the per-stream counters (bytes, packets, loss, jitter). The
// glue (iperf3_server.c for lwIP, or a unit test) feeds it bytes and events and
// carries out what it asks for through struct iperf_ops. No floating point.
#ifndef IPERF_PROTO_H
#define IPERF_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPERF_PORT            5201
#define IPERF_COOKIE_LEN      37
#define IPERF_MAX_STREAMS     16
#define IPERF_MSG_MAX         16384
#define IPERF_DEFAULT_BLKSIZE 131072 // TCP block when the client sends no "len"

// The state byte the server writes on the control connection.
enum iperf_state {
    IPERF_TEST_START = 1,
    IPERF_TEST_RUNNING = 2,
    IPERF_TEST_END = 4,
    IPERF_PARAM_EXCHANGE = 9,
    IPERF_CREATE_STREAMS = 10,
    IPERF_SERVER_TERMINATE = 11,
    IPERF_CLIENT_TERMINATE = 12,
    IPERF_EXCHANGE_RESULTS = 13,
    IPERF_DISPLAY_RESULTS = 14,
    IPERF_DONE = 16,
    IPERF_ACCESS_DENIED = -1,
    IPERF_SERVER_ERROR = -2,
};

// Where the session is.
enum iperf_phase {
    IPERF_PH_IDLE,    // no client
    IPERF_PH_COOKIE,  // reading the control cookie
    IPERF_PH_PARAMS,  // reading the parameter JSON
    IPERF_PH_STREAMS, // waiting for the data connections / UDP handshakes
    IPERF_PH_RUNNING, // data flows until the client's TEST_END
    IPERF_PH_RESULTS, // reading the client's results JSON
    IPERF_PH_DISPLAY, // results sent, waiting for IPERF_DONE
};

// What the glue must do with a new TCP connection on the iperf3 port.
enum iperf_role { IPERF_ROLE_CTRL, IPERF_ROLE_STREAM, IPERF_ROLE_DENY };

// Returned by iperf_stream_input: keep the connection, or write the
// ACCESS_DENIED byte and close it.
enum iperf_verdict { IPERF_KEEP, IPERF_REFUSE };

// What the glue must do with a UDP datagram.
enum iperf_udp_action { IPERF_UDP_DROP, IPERF_UDP_DATA, IPERF_UDP_REPLY };

struct iperf_params {
    bool udp, reverse, udp64;
    int parallel;
    int64_t time_s, len, bandwidth;
};

struct iperf_stream {
    bool used;
    int id;               // 1, 3, 4, ... as the client numbers them
    uint64_t udp_key;     // UDP: the client's address and port
    uint64_t bytes;       // received (or sent with -R)
    int64_t packets;      // UDP: highest sequence number seen
    int64_t errors;       // UDP: datagrams lost
    int64_t outoforder;   // UDP: datagrams that came late
    int64_t jitter_ns;    // UDP: RFC 1889 interarrival jitter, ns
    int64_t prev_transit; // UDP: last transit time, ns (valid once packets > 0)
};

// Per data connection state the glue keeps and passes back (cookie progress).
struct iperf_tcpconn {
    int slot; // -1 until the cookie matched
    uint8_t got;
    uint8_t cookie[IPERF_COOKIE_LEN];
};

struct iperf_ops {
    // Queue bytes on the control connection; false if they could not be.
    bool (*ctrl_send)(void *ctx, const void *buf, size_t len);
    // Close the control connection and every data connection (test over or failed).
    void (*close_all)(void *ctx);
    // With -R: send on every data connection, up to iperf_stream_room().
    void (*send_start)(void *ctx);
    uint64_t (*now_ns)(void *ctx);
};

struct iperf_sess {
    const struct iperf_ops *ops;
    void *ctx;
    enum iperf_phase phase;
    struct iperf_params params;
    uint8_t cookie[IPERF_COOKIE_LEN];
    size_t cookie_got;
    uint8_t len_buf[4]; // length prefix of the JSON message being read
    size_t len_got;
    uint32_t msg_len, msg_got;
    char msg[IPERF_MSG_MAX];
    struct iperf_stream streams[IPERF_MAX_STREAMS];
    int nstreams;
    uint64_t start_ns, end_ns;
    bool sending;
    uint32_t tests_done, tests_failed;
};

void iperf_init(struct iperf_sess *s, const struct iperf_ops *ops, void *ctx);
enum iperf_role iperf_conn_accept(struct iperf_sess *s);
void iperf_ctrl_input(struct iperf_sess *s, const uint8_t *data, size_t len);
// The control connection went away (closed, reset or killed client).
void iperf_ctrl_closed(struct iperf_sess *s);
void iperf_tcpconn_init(struct iperf_tcpconn *c);
enum iperf_verdict iperf_stream_input(struct iperf_sess *s, struct iperf_tcpconn *c,
                                      const uint8_t *data, size_t len);
void iperf_stream_sent(struct iperf_sess *s, const struct iperf_tcpconn *c, size_t n);
// head: the first bytes of the datagram (at least 16 if it has them); total: its length.
enum iperf_udp_action iperf_udp_input(struct iperf_sess *s, uint64_t key, const uint8_t *head,
                                      size_t headlen, size_t total, uint8_t reply[4]);
bool iperf_sending(const struct iperf_sess *s);
// With -R: how many more bytes this stream may send now (SIZE_MAX while the
// test runs; after it, what completes the client's current block; else 0).
size_t iperf_stream_room(const struct iperf_sess *s, const struct iperf_tcpconn *c);
// With -R, after TEST_END: the stream has sent its last block and is to be
// closed. The client reads without blocking during the test, so its reads
// need not line up with our blocks; after TEST_END it reads whole blocks and
// blocks, and only the end of the stream then wakes it.
bool iperf_stream_done(const struct iperf_sess *s, const struct iperf_tcpconn *c);
// Builds the server's results JSON; returns its length (0 if it did not fit).
size_t iperf_results_json(const struct iperf_sess *s, char *buf, size_t cap);

#endif
