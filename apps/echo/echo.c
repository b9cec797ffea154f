// SPDX-License-Identifier: MIT
// The echo component: a separate address space that uses the network stack's
// TCP and UDP only through its socket region (shm/sock.h, net/sock/sock_app.h).
// It serves TCP echo and UDP echo on port 7 and TCP discard on port 9 (bulk
// receive: each connection's bytes and rate are logged when the peer closes).
// Echo copies each received buffer into a send buffer and gives the receive
// buffer back only once it is copied, so a peer that sends faster than it
// reads is held back by its own TCP window. When the stack restarts, or this
// component does, it opens its listeners again. Injecting bad-descriptor
// (console `inject echo bad-descriptor`) makes it send a set of malformed
// requests and check that each is refused with the expected status.
// Args: sock=REGION (the region and our channel to the stack share that name).
#include "apps/echo/echo.h"

#include "lib/rw.h"

static struct echo e;

static int echo_fault_hook(uint32_t fault)
{
    (void)fault;
    e.bad_armed = true;
    // We are inside comp_wait: wake our own loop with a bit nobody else uses.
    rw_signal(e.sa.ci->ntfn, comp_free_bit(e.sa.ci, 0));
    return COMP_REPLY_OK;
}

static struct echo_conn *echo_conn(uint32_t sock)
{
    for (uint32_t i = 0; i < ECHO_MAX_CONNS; i++) {
        if (e.conns[i].used && e.conns[i].sock == sock)
            return &e.conns[i];
    }
    return 0;
}

// Forgets a connection: its receive buffers go back, its handle is closed.
static void echo_drop(struct echo_conn *c, uint8_t flags)
{
    for (uint32_t k = 0; k < c->nheld; k++)
        sock_recv_done(&e.sa, c->sock, c->held[(c->first + k) % ECHO_HELD].off);
    sock_close(&e.sa, c->sock, flags);
    c->used = false;
}

static void echo_maybe_close(struct echo_conn *c)
{
    if (c->eof && c->nheld == 0 && c->inflight == 0) {
        if (c->discard)
            rw_printf("echo: discard: %llu bytes in %llu ms\n", (unsigned long long)c->bytes,
                      (unsigned long long)((rw_now_ns() - c->t0) / 1000000u));
        echo_drop(c, 0);
    }
}

// Copies held receive buffers into free send buffers and sends them.
static void echo_pump(struct echo_conn *c)
{
    uint64_t off;
    uint8_t *dst;
    while (c->nheld && (dst = sock_tx_get(&e.sa, &off))) {
        struct echo_held *h = &c->held[c->first];
        const uint8_t *src = e.sa.sd.pool + h->off;
        for (uint32_t i = 0; i < h->len; i++)
            dst[i] = src[i];
        if (!sock_send(&e.sa, c->sock, off, h->len)) {
            sock_tx_put(&e.sa, off);
            return; // request ring full: again after the next events
        }
        c->inflight++;
        sock_recv_done(&e.sa, c->sock, h->off);
        c->first = (c->first + 1) % ECHO_HELD;
        c->nheld--;
    }
}

static void echo_data(const struct sock_msg *ev)
{
    struct echo_conn *c = echo_conn(ev->sock);
    const uint8_t *d = sock_data(&e.sa, ev);
    if (ev->sock == e.udp.sock && d) {
        uint64_t off;
        uint8_t *dst = sock_tx_get(&e.sa, &off);
        for (uint32_t i = 0; dst && i < ev->len; i++)
            dst[i] = d[i];
        if (dst && !sock_sendto(&e.sa, ev->sock, off, ev->len, ev->addr, ev->port))
            sock_tx_put(&e.sa, off);
        e.udp_echoed += dst != 0;
        sock_recv_done(&e.sa, ev->sock, ev->buf);
        return;
    }
    if (!c || !d || c->discard || c->nheld == ECHO_HELD) {
        if (c)
            c->bytes += ev->len;
        sock_recv_done(&e.sa, ev->sock, ev->buf);
        return;
    }
    c->held[(c->first + c->nheld++) % ECHO_HELD] = (struct echo_held){ev->buf, ev->len};
    c->bytes += ev->len;
    echo_pump(c);
}

static void echo_accept(const struct sock_msg *ev)
{
    for (uint32_t i = 0; i < ECHO_MAX_CONNS; i++) {
        struct echo_conn *c = &e.conns[i];
        if (c->used)
            continue;
        *c = (struct echo_conn){.used = true, .sock = ev->child, .t0 = rw_now_ns()};
        c->discard = ev->sock == e.discard.sock;
        return;
    }
    sock_close(&e.sa, ev->child, SOCK_F_ABORT); // no room: reset
}

static void echo_end(const struct sock_msg *ev)
{
    struct echo_conn *c = echo_conn(ev->sock);
    if (!c)
        return;
    if (ev->op == SOCK_EV_RESET) {
        echo_drop(c, 0);
        return;
    }
    c->eof = true;
    echo_maybe_close(c);
}

static void echo_completion(const struct sock_msg *ev)
{
    if (echo_listen_cpl(&e, ev) || echo_bad_cpl(&e, ev))
        return;
    if (ev->req_op != SOCK_OP_SEND)
        return;
    struct echo_conn *c = echo_conn(ev->sock);
    if (c && c->inflight)
        c->inflight--;
    for (uint32_t i = 0; i < ECHO_MAX_CONNS; i++) { // a send buffer came back
        if (e.conns[i].used)
            echo_pump(&e.conns[i]);
    }
    if (c && c->used)
        echo_maybe_close(c);
}

static void echo_event(const struct sock_msg *ev)
{
    switch (ev->op) {
    case SOCK_EV_UP: echo_restart(&e); break;
    case SOCK_EV_CPL: echo_completion(ev); break;
    case SOCK_EV_ACCEPT: echo_accept(ev); break;
    case SOCK_EV_DATA: echo_data(ev); break;
    case SOCK_EV_EOF:
    case SOCK_EV_RESET: echo_end(ev); break;
    }
}

int main(uint64_t arg)
{
    char region[COMP_NAME_MAX];
    const struct comp_info *ci = comp_start(arg);
    if (!ci)
        return 1;
    if (!comp_arg(ci->args, "sock", region, sizeof(region)) ||
        sock_app_init(&e.sa, ci, region) != 0) {
        rw_printf("%s: needs sock=REGION with a region and a channel of that name\n", ci->name);
        return 2;
    }
    comp_set_fault_hook(echo_fault_hook);
    rw_printf("%s: waiting for the network stack on '%s'\n", ci->name, region);
    for (;;) {
        struct sock_msg ev;
        for (uint32_t n = 0; n < 256 && sock_app_next(&e.sa, &ev); n++)
            echo_event(&ev);
        if (e.bad_armed && e.sa.up)
            echo_bad_start(&e);
        echo_bad_report(&e);
        sock_app_wait(&e.sa, e.report_at ? 50000000ull : TIMEOUT_NEVER);
    }
}
