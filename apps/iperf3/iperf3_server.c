// SPDX-License-Identifier: MIT
// lwIP glue for the iperf3 server (see iperf3_server.h): accepts connections,
// feeds received bytes to the protocol state machine, queues its replies on the
// control connection, pumps zero-filled data with -R, and answers UDP
// handshakes. Connections are closed gracefully where lwIP allows it; a pcb is
// never closed under its own running callback (the close is deferred to the
// callback's return). The protocol decisions all live in iperf3_proto.c.
#include <string.h>

#include "apps/iperf3/iperf3_server.h"
#include "arch/sys_arch.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define IPERF_CHUNK     32768 // bytes per tcp_write with -R
#define IPERF_DENY_POLL 4     // deny linger: 4 x 500 ms

static uint8_t zero_block[IPERF_CHUNK]; // -R payload, referenced not copied

static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

// Closes pcb unless it is the one whose callback runs (then on its return).
static void close_pcb(struct iperf_server *srv, struct tcp_pcb *pcb)
{
    detach(pcb);
    if (pcb == srv->cur_pcb) {
        srv->cur_close = true;
        return;
    }
    if (tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

static void conn_release(struct iperf_conn *c)
{
    struct tcp_pcb *pcb = c->pcb;

    c->used = false;
    c->pcb = NULL;
    if (pcb)
        close_pcb(c->srv, pcb);
}

static struct iperf_conn *conn_find_ctrl(struct iperf_server *srv)
{
    for (int i = 0; i < IPERF_MAX_CONNS; i++)
        if (srv->conns[i].used && srv->conns[i].ctrl)
            return &srv->conns[i];
    return NULL;
}

// ---- operations the state machine asks for -----------------------------------

static bool op_ctrl_send(void *ctx, const void *buf, size_t len)
{
    struct iperf_conn *c = conn_find_ctrl(ctx);

    if (!c || len > 0xffff || tcp_write(c->pcb, buf, (u16_t)len, TCP_WRITE_FLAG_COPY) != ERR_OK)
        return false;
    tcp_output(c->pcb);
    return true;
}

static void op_close_all(void *ctx)
{
    struct iperf_server *srv = ctx;

    for (int i = 0; i < IPERF_MAX_CONNS; i++)
        if (srv->conns[i].used)
            conn_release(&srv->conns[i]);
}

// Queues as much -R payload as the stream may send and the send buffer and
// queue allow.
static void pump(struct iperf_conn *c)
{
    struct iperf_sess *s = &c->srv->sess;
    size_t want;

    while ((want = iperf_stream_room(s, &c->tc)) > 0) {
        u32_t room = tcp_sndbuf(c->pcb);
        size_t n = room < IPERF_CHUNK ? room : IPERF_CHUNK;
        if (n > want)
            n = want;
        if ((n < TCP_MSS && n < want) ||
            tcp_sndqueuelen(c->pcb) + IPERF_CHUNK / TCP_MSS + 2 > TCP_SND_QUEUELEN)
            break;
        if (tcp_write(c->pcb, zero_block, (u16_t)n, 0) != ERR_OK)
            break;
        iperf_stream_sent(s, &c->tc, n);
    }
    tcp_output(c->pcb);
    if (iperf_stream_done(s, &c->tc))
        conn_release(c); // FIN behind the last block (iperf3_proto.h)
}

static void op_send_start(void *ctx)
{
    struct iperf_server *srv = ctx;

    for (int i = 0; i < IPERF_MAX_CONNS; i++)
        if (srv->conns[i].used && !srv->conns[i].ctrl && srv->conns[i].tc.slot >= 0)
            pump(&srv->conns[i]);
}

static uint64_t op_now_ns(void *ctx)
{
    (void)ctx;
    return lwport_now_ns();
}

static const struct iperf_ops lwip_ops = {
    .ctrl_send = op_ctrl_send,
    .close_all = op_close_all,
    .send_start = op_send_start,
    .now_ns = op_now_ns,
};

// ---- refused connections -------------------------------------------------------

static err_t deny_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    if (tcp_close(pcb) == ERR_OK)
        return ERR_OK;
    tcp_abort(pcb);
    return ERR_ABRT;
}

static err_t deny_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)arg;
    tcp_abort(pcb);
    return ERR_ABRT;
}

// Writes ACCESS_DENIED, stops sending and lingers briefly to drain the peer.
static void deny(struct iperf_server *srv, struct tcp_pcb *pcb)
{
    uint8_t b = (uint8_t)(int8_t)IPERF_ACCESS_DENIED;

    srv->denied++;
    detach(pcb);
    tcp_recv(pcb, deny_recv);
    tcp_poll(pcb, deny_poll, IPERF_DENY_POLL);
    tcp_write(pcb, &b, 1, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    tcp_shutdown(pcb, 0, 1);
}

// ---- TCP callbacks -------------------------------------------------------------

// Ends a callback: carries out a close deferred while it ran.
static err_t callback_done(struct iperf_server *srv, struct tcp_pcb *pcb)
{
    bool close = srv->cur_close;

    srv->cur_pcb = NULL;
    srv->cur_close = false;
    if (!close || tcp_close(pcb) == ERR_OK)
        return ERR_OK;
    tcp_abort(pcb);
    return ERR_ABRT;
}

// A data connection's bytes; a bad cookie is refused (deny sends -1, closes).
static void stream_feed(struct iperf_conn *c, const struct pbuf *q)
{
    if (iperf_stream_input(&c->srv->sess, &c->tc, q->payload, q->len) == IPERF_KEEP)
        return;
    struct tcp_pcb *pcb = c->pcb;
    c->used = false;
    c->pcb = NULL;
    deny(c->srv, pcb);
}

static void feed(struct iperf_conn *c, const struct pbuf *p)
{
    for (const struct pbuf *q = p; q && c->used; q = q->next) {
        if (c->ctrl)
            iperf_ctrl_input(&c->srv->sess, q->payload, q->len);
        else
            stream_feed(c, q);
    }
}

static void peer_closed(struct iperf_conn *c)
{
    if (c->ctrl)
        iperf_ctrl_closed(&c->srv->sess);
    if (c->used)
        conn_release(c);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct iperf_conn *c = arg;
    struct iperf_server *srv = c->srv;

    (void)err;
    srv->cur_pcb = pcb;
    if (p) {
        tcp_recved(pcb, p->tot_len);
        feed(c, p);
        pbuf_free(p);
    } else {
        peer_closed(c);
    }
    return callback_done(srv, pcb);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct iperf_conn *c = arg;

    (void)len;
    if (!c || !c->used || c->ctrl || iperf_stream_room(&c->srv->sess, &c->tc) == 0)
        return ERR_OK;
    c->srv->cur_pcb = pcb; // pump may end the stream: closed on our return
    pump(c);
    return callback_done(c->srv, pcb);
}

// lwIP has already freed the pcb (reset or abort).
static void on_err(void *arg, err_t err)
{
    struct iperf_conn *c = arg;

    (void)err;
    if (!c || !c->used)
        return;
    c->pcb = NULL;
    peer_closed(c);
}

static struct iperf_conn *conn_alloc(struct iperf_server *srv, struct tcp_pcb *pcb, bool ctrl)
{
    for (int i = 0; i < IPERF_MAX_CONNS; i++) {
        struct iperf_conn *c = &srv->conns[i];
        if (c->used)
            continue;
        c->used = true;
        c->ctrl = ctrl;
        c->pcb = pcb;
        c->srv = srv;
        iperf_tcpconn_init(&c->tc);
        return c;
    }
    return NULL;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct iperf_server *srv = arg;
    enum iperf_role role;
    struct iperf_conn *c;

    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    role = iperf_conn_accept(&srv->sess);
    c = role == IPERF_ROLE_DENY ? NULL : conn_alloc(srv, pcb, role == IPERF_ROLE_CTRL);
    if (!c) {
        if (role == IPERF_ROLE_CTRL)
            iperf_ctrl_closed(&srv->sess); // no room: undo the session start
        deny(srv, pcb);
        return ERR_OK;
    }
    if (c->ctrl)
        tcp_nagle_disable(pcb);
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    return ERR_OK;
}

// ---- UDP -------------------------------------------------------------------------

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    struct iperf_server *srv = arg;
    uint8_t head[16], reply[4];
    u16_t hl = pbuf_copy_partial(p, head, sizeof(head), 0);
    uint64_t key = (uint64_t)ip4_addr_get_u32(ip_2_ip4(addr)) << 16 | port;

    if (iperf_udp_input(&srv->sess, key, head, hl, p->tot_len, reply) == IPERF_UDP_REPLY) {
        struct pbuf *r = pbuf_alloc(PBUF_TRANSPORT, sizeof(reply), PBUF_RAM);
        if (r) {
            memcpy(r->payload, reply, sizeof(reply));
            udp_sendto(pcb, r, addr, port);
            pbuf_free(r);
        }
    }
    pbuf_free(p);
}

int iperf_server_start(struct iperf_server *srv)
{
    struct tcp_pcb *pcb;
    err_t err;

    memset(srv, 0, sizeof(*srv));
    iperf_init(&srv->sess, &lwip_ops, srv);
    pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    srv->udp = udp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb || !srv->udp)
        return ERR_MEM;
    err = tcp_bind(pcb, IP4_ADDR_ANY, IPERF_PORT);
    if (err == ERR_OK)
        err = udp_bind(srv->udp, IP4_ADDR_ANY, IPERF_PORT);
    if (err != ERR_OK)
        return err;
    srv->listener = tcp_listen(pcb);
    if (!srv->listener)
        return ERR_MEM;
    tcp_arg(srv->listener, srv);
    tcp_accept(srv->listener, on_accept);
    udp_recv(srv->udp, on_udp, srv);
    return ERR_OK;
}
