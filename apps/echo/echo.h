// SPDX-License-Identifier: MIT
// The echo component's state (echo.c: the event loop and the connections;
// echo_setup.c: opening the listeners and the bad-request self-check).
#ifndef APPS_ECHO_H
#define APPS_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include "net/sock/sock_app.h"

#define ECHO_PORT      7
#define DISCARD_PORT   9
#define ECHO_MAX_CONNS 24
#define ECHO_HELD      48 // receive buffers one connection may wait to echo
#define ECHO_NBAD      7

struct echo_held {
    uint64_t off;
    uint32_t len;
};

struct echo_conn {
    bool used, discard, eof;
    uint32_t sock;
    uint32_t inflight; // sends not completed
    uint64_t bytes, t0;
    uint32_t first, nheld;
    struct echo_held held[ECHO_HELD];
};

// One listening socket being set up: OPEN, BIND, LISTEN (TCP), ready.
struct echo_listener {
    uint8_t proto;
    uint16_t port;
    uint32_t sock;
    uint32_t wait_id; // the request whose completion moves it on
    uint32_t step;
};

struct echo {
    struct sock_app sa;
    struct echo_listener tcp, discard, udp;
    struct echo_conn conns[ECHO_MAX_CONNS];
    uint64_t udp_echoed;
    bool bad_armed;             // inject bad-descriptor asked for the self-check
    uint32_t bad_id[ECHO_NBAD]; // ids of the malformed requests in flight
    int32_t bad_want[ECHO_NBAD], bad_got[ECHO_NBAD];
    uint32_t bad_left;
    uint64_t report_at; // print the stack's counters after this time
};

// Opens the three listeners again (start, or a restarted stack).
void echo_restart(struct echo *e);
// A completion of a listener's set-up step: true if it was one.
bool echo_listen_cpl(struct echo *e, const struct sock_msg *ev);
// Sends the malformed requests.
void echo_bad_start(struct echo *e);
// A completion of a malformed request: true if it was one.
bool echo_bad_cpl(struct echo *e, const struct sock_msg *ev);
// Prints the stack's counters once they include the malformed requests.
void echo_bad_report(struct echo *e);

#endif
