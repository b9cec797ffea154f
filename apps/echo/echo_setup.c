// SPDX-License-Identifier: MIT
// The echo component's listeners (each OPEN, BIND and, for TCP, LISTEN,
// driven by the completions) and its bad-request self-check: malformed
// requests of every kind the stack must refuse, each with the status it must
// be refused with, then the stack's counters as it published them.
#include "apps/echo/echo.h"

#include "lib/fmt.h"
#include "lib/rw.h"

enum { ECHO_OPENING, ECHO_BINDING, ECHO_LISTENING, ECHO_READY };

static void echo_listener_start(struct echo *e, struct echo_listener *l, uint8_t proto,
                                uint16_t port)
{
    *l = (struct echo_listener){.proto = proto, .port = port, .step = ECHO_OPENING};
    l->wait_id = sock_open(&e->sa, proto);
}

void echo_restart(struct echo *e)
{
    for (uint32_t i = 0; i < ECHO_MAX_CONNS; i++)
        e->conns[i].used = false; // their handles died with the rings
    e->bad_left = 0;
    echo_listener_start(e, &e->tcp, SOCK_TCP, ECHO_PORT);
    echo_listener_start(e, &e->discard, SOCK_TCP, DISCARD_PORT);
    echo_listener_start(e, &e->udp, SOCK_UDP, ECHO_PORT);
    rw_printf("echo: attached to the network stack (start %u)\n", e->sa.ups);
}

static bool echo_all_ready(const struct echo *e)
{
    return e->tcp.step == ECHO_READY && e->discard.step == ECHO_READY && e->udp.step == ECHO_READY;
}

// Moves one listener on after the completion of its current step.
static void echo_listener_step(struct echo *e, struct echo_listener *l, const struct sock_msg *ev)
{
    if (ev->status != SOCK_OK) {
        rw_printf("echo: %s port %u: step %u refused: %s\n", l->proto == SOCK_TCP ? "tcp" : "udp",
                  l->port, l->step, sock_status_name(ev->status));
        l->wait_id = 0;
        return;
    }
    if (l->step == ECHO_OPENING) {
        l->sock = ev->sock;
        l->step = ECHO_BINDING;
        l->wait_id = sock_bind(&e->sa, l->sock, 0, l->port);
    } else if (l->step == ECHO_BINDING && l->proto == SOCK_TCP) {
        l->step = ECHO_LISTENING;
        l->wait_id = sock_listen(&e->sa, l->sock);
    } else {
        l->step = ECHO_READY;
        l->wait_id = 0;
        if (echo_all_ready(e))
            rw_printf("echo: listening on tcp %u (echo), tcp %u (discard), udp %u (echo)\n",
                      ECHO_PORT, DISCARD_PORT, ECHO_PORT);
    }
}

bool echo_listen_cpl(struct echo *e, const struct sock_msg *ev)
{
    struct echo_listener *ls[3] = {&e->tcp, &e->discard, &e->udp};
    for (uint32_t i = 0; i < 3; i++) {
        if (ls[i]->wait_id && ls[i]->wait_id == ev->id) {
            echo_listener_step(e, ls[i], ev);
            return true;
        }
    }
    return false;
}

// Queues one malformed request expected to be refused with want.
static void echo_bad(struct echo *e, uint32_t k, struct sock_msg m, int want)
{
    e->bad_want[k] = want;
    e->bad_got[k] = 1; // no completion yet
    e->bad_id[k] = sock_app_request(&e->sa, &m);
    e->bad_left += e->bad_id[k] != 0;
}

void echo_bad_start(struct echo *e)
{
    uint64_t off1 = 0, off2 = 0;
    e->bad_armed = false;
    if (!echo_all_ready(e) || e->bad_left || !sock_tx_get(&e->sa, &off1) ||
        !sock_tx_get(&e->sa, &off2)) {
        if (off1)
            sock_tx_put(&e->sa, off1);
        rw_printf("echo: bad requests: not now (not ready or busy)\n");
        return;
    }
    uint32_t l = e->tcp.sock, u = e->udp.sock;
    uint64_t past = (uint64_t)SOCK_NBUFS * SOCK_BUF_SIZE;
    uint64_t last_rx = sock_buf_off(SOCK_RX_BUFS - 1);
    echo_bad(e, 0, (struct sock_msg){.op = 0x77, .sock = l}, SOCK_EBADOP);
    echo_bad(e, 1, (struct sock_msg){.op = SOCK_OP_OPEN, .proto = 9}, SOCK_EBADOP);
    echo_bad(e, 2, (struct sock_msg){.op = SOCK_OP_SEND, .sock = 0xdead01, .buf = off1, .len = 8},
             SOCK_EBADSOCK);
    echo_bad(e, 3, (struct sock_msg){.op = SOCK_OP_SEND, .sock = l, .buf = past, .len = 8},
             SOCK_EBADBUF);
    echo_bad(e, 4, (struct sock_msg){.op = SOCK_OP_SEND, .sock = l, .buf = off2 + 8, .len = 8},
             SOCK_EBADBUF);
    echo_bad(
        e, 5,
        (struct sock_msg){.op = SOCK_OP_SEND, .sock = l, .buf = off2, .len = SOCK_BUF_SIZE + 1},
        SOCK_ELEN);
    echo_bad(e, 6, (struct sock_msg){.op = SOCK_OP_RECV_DONE, .sock = u, .buf = last_rx},
             SOCK_EBADBUF);
    rw_printf("echo: bad requests: %u sent\n", e->bad_left);
}

bool echo_bad_cpl(struct echo *e, const struct sock_msg *ev)
{
    for (uint32_t k = 0; k < ECHO_NBAD; k++) {
        if (!e->bad_left || e->bad_id[k] != ev->id || e->bad_got[k] != 1)
            continue;
        e->bad_got[k] = ev->status;
        if (ev->status != e->bad_want[k])
            rw_printf("echo: bad request %u: got %s, expected %s\n", k,
                      sock_status_name(ev->status), sock_status_name(e->bad_want[k]));
        if (--e->bad_left == 0) {
            uint32_t ok = 0;
            for (uint32_t i = 0; i < ECHO_NBAD; i++)
                ok += e->bad_got[i] == e->bad_want[i];
            rw_printf("echo: bad requests: %u of %u refused as expected\n", ok, ECHO_NBAD);
            e->report_at = rw_now_ns() + 100000000ull; // after the stack's next publish
        }
        return true;
    }
    return false;
}

void echo_bad_report(struct echo *e)
{
    if (!e->report_at || rw_now_ns() < e->report_at)
        return;
    e->report_at = 0;
    char line[768];
    int n = fmt_snprintf(line, sizeof(line), "echo: stack counters:");
    for (uint32_t i = 0; i < SOCK_C_N && n > 0 && (size_t)n < sizeof(line); i++)
        n += fmt_snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu", sock_counter_name(i),
                          (unsigned long long)sock_app_counter(&e->sa, i));
    rw_printf("%s\n", line);
}
