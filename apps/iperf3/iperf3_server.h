// SPDX-License-Identifier: MIT
// The iperf3 server on lwIP's raw API: listens on TCP and UDP port 5201 and
// connects lwIP's callbacks to the protocol state machine (iperf3_proto.h).
// One test at a time; a second client gets ACCESS_DENIED. Must run in the
// thread that drives lwIP (NO_SYS=1). It does not own the netif or the loop.
#ifndef IPERF_SERVER_H
#define IPERF_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "apps/iperf3/iperf3_proto.h"

// Connections: the control one, the streams, and a few spares for strays that
// connect while streams are awaited (their cookie decides).
#define IPERF_MAX_CONNS (IPERF_MAX_STREAMS + 4)

struct tcp_pcb;
struct udp_pcb;
struct iperf_server;

// One TCP connection on the iperf3 port: the control connection or a stream.
struct iperf_conn {
    struct tcp_pcb *pcb;
    struct iperf_server *srv;
    bool used, ctrl;
    struct iperf_tcpconn tc;
};

struct iperf_server {
    struct iperf_sess sess;
    struct tcp_pcb *listener;
    struct udp_pcb *udp;
    struct iperf_conn conns[IPERF_MAX_CONNS];
    struct tcp_pcb *cur_pcb; // the pcb whose callback is running
    bool cur_close;          // close cur_pcb when its callback returns
    uint32_t denied;         // connections refused
};

// Starts listening; 0 on success, a negative lwIP err_t otherwise.
int iperf_server_start(struct iperf_server *srv);

#endif
