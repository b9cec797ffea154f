// SPDX-License-Identifier: MIT
// The socket regions of the network stack (see nssock.h and shm/sock.h): the
// restart handshake, the request ring (decode: sock_req_check, then the
// client's table; invoke: nssock_lw.c), the event ring with room always kept
// for the completions owed, the delivery of received data after each pass,
// and the counters published on the region's counter page. It does not touch
// lwIP itself.
#include "servers/netstack/nssock.h"

#include "lib/rw.h"
#include "lib/string.h"

#define NSSOCK_BATCH   64 // requests taken from one client per pass
#define NSSOCK_LOG_MAX 32 // refused requests logged per client

static struct nssock_client clients[NSSOCK_MAX_CLIENTS];
static uint32_t nclients;

// A new stack instance: a new epoch, so the app drops what it had (sock.h).
static void nssock_new_epoch(struct nssock_client *c)
{
    struct sock_header *h = (struct sock_header *)c->r->va;
    uint32_t e = atomic_load_explicit(&h->stack_epoch, memory_order_relaxed) + 1;
    // Release: pairs with the app's acquire of stack_epoch.
    atomic_store_explicit(&h->stack_epoch, e ? e : 1, memory_order_release);
    comp_signal(c->to_app);
}

int nssock_bind(const struct comp_info *ci)
{
    for (uint32_t i = 0; i < ci->nregions && i < COMP_MAX_REGIONS; i++) {
        const struct comp_region *r = &ci->regions[i];
        if (strncmp(r->name, NSSOCK_PREFIX, sizeof(NSSOCK_PREFIX) - 1) != 0)
            continue;
        struct nssock_client *c = &clients[nclients];
        c->r = r;
        c->to_app = comp_channel(ci, r->name, COMP_CHAN_OUT);
        if (nclients == NSSOCK_MAX_CLIENTS || !c->to_app || r->read_only ||
            !sock_format((void *)r->va, r->size)) {
            rw_printf("%s: socket region '%s': no channel '%s', read-only or too small\n", ci->name,
                      r->name, r->name);
            return -1;
        }
        nssock_new_epoch(c);
        nclients++;
    }
    return (int)nclients;
}

bool nssock_post(struct nssock_client *c, struct sock_msg *m)
{
    if (sock_room(&c->sd.evt) <= c->owed + 1) { // keep room for every completion owed
        c->blocked = true;
        return false;
    }
    sock_ring_put(&c->sd.evt, m);
    c->posted = true;
    return true;
}

void nssock_complete(struct nssock_client *c, uint32_t id, uint16_t op, int status,
                     const struct sock_msg *fill)
{
    struct sock_msg m = fill ? *fill : (struct sock_msg){0};
    m.op = SOCK_EV_CPL;
    m.req_op = op;
    m.id = id;
    m.status = status;
    if (c->owed)
        c->owed--;
    if (!sock_ring_put(&c->sd.evt, &m)) // cannot happen: room was kept
        c->cnt[SOCK_C_ring_errors]++;
    c->posted = true;
}

// Counts a refused request by its status.
static void nssock_count_bad(struct nssock_client *c, int st)
{
    if (st == SOCK_EBADOP || st == SOCK_EINVAL)
        c->cnt[SOCK_C_bad_op]++;
    else if (st == SOCK_EBADSOCK)
        c->cnt[SOCK_C_bad_sock]++;
    else if (st == SOCK_EBADBUF)
        c->cnt[SOCK_C_bad_buf]++;
    else if (st == SOCK_ELEN)
        c->cnt[SOCK_C_bad_len]++;
    else if (st == SOCK_ESTATE)
        c->cnt[SOCK_C_bad_state]++;
}

// Completes queued sends and a pending connect of a socket that is going away.
static void nssock_fail_pending(struct nssock_client *c, struct nssock_sock *s, int st)
{
    for (int32_t b; (b = nssock_tab_tx_pop(&c->tab, s)) != NSSOCK_NONE;) {
        struct sock_msg f = {.sock = nssock_tab_handle(&c->tab, s), .buf = sock_buf_off(b)};
        nssock_complete(c, c->tab.id[b], c->tab.is_sendto[b] ? SOCK_OP_SENDTO : SOCK_OP_SEND, st,
                        &f);
    }
    if (s->connecting) {
        s->connecting = false;
        nssock_complete(c, s->connect_id, SOCK_OP_CONNECT, st, 0);
    }
}

static int nssock_open(struct nssock_client *c, const struct sock_msg *m, struct sock_msg *f)
{
    uint32_t h;
    if (nssock_tab_open(&c->tab, m->proto, &h) != SOCK_OK) {
        c->cnt[SOCK_C_no_socket]++;
        return SOCK_ENOMEM;
    }
    struct nssock_sock *s = nssock_tab_get(&c->tab, h);
    s->client = c;
    int st = nssock_lw_open(c, s);
    if (st != SOCK_OK)
        nssock_tab_close(&c->tab, s);
    f->sock = h;
    return st;
}

static int nssock_close(struct nssock_client *c, struct nssock_sock *s, bool abort)
{
    nssock_fail_pending(c, s, SOCK_ECLOSED);
    nssock_lw_close(s, abort);
    nssock_tab_close(&c->tab, s);
    return SOCK_OK;
}

static int nssock_send(struct nssock_client *c, struct nssock_sock *s, const struct sock_msg *m)
{
    if (s->listening || s->shut_wr || s->reset || (s->proto == SOCK_TCP && !s->connected))
        return SOCK_ESTATE;
    if (m->op == SOCK_OP_SENDTO && s->proto != SOCK_UDP)
        return SOCK_ESTATE;
    int st = nssock_tab_tx_queue(&c->tab, s, m->buf, m->len, m->id);
    if (st != SOCK_OK)
        return st;
    int32_t b = sock_buf_index(m->buf);
    c->tab.is_sendto[b] = m->op == SOCK_OP_SENDTO;
    if (s->proto == SOCK_UDP) {
        nssock_tab_tx_pop(&c->tab, s); // sent at once: the buffer is the app's again
        return nssock_lw_udp_send(c, s, m);
    }
    c->owed++; // completed by nssock_lw_pump once lwIP has the bytes
    nssock_lw_pump(c, s);
    return 1; // deferred
}

static int nssock_recv_done(struct nssock_client *c, const struct sock_msg *m)
{
    uint32_t len;
    struct nssock_sock *s;
    int st = nssock_tab_rx_done(&c->tab, m->sock, m->buf, &len, &s);
    if (st == SOCK_OK && s && s->proto == SOCK_TCP)
        nssock_lw_recved(s, len); // flow control: the window opens by what was consumed
    return st;
}

// Invoke step for a request whose socket exists. >0: completion deferred.
static int nssock_invoke(struct nssock_client *c, struct nssock_sock *s, const struct sock_msg *m)
{
    switch (m->op) {
    case SOCK_OP_BIND: return nssock_lw_bind(s, m->addr, m->port);
    case SOCK_OP_LISTEN: return nssock_lw_listen(s);
    case SOCK_OP_CONNECT:
        if (s->proto == SOCK_UDP)
            return nssock_lw_connect(s, m->id, m->addr, m->port);
        if (nssock_lw_connect(s, m->id, m->addr, m->port) != SOCK_OK)
            return SOCK_ESTATE;
        c->owed++;
        return 1;
    case SOCK_OP_SEND:
    case SOCK_OP_SENDTO: return nssock_send(c, s, m);
    case SOCK_OP_SHUTDOWN: return nssock_lw_shutdown(c, s);
    case SOCK_OP_CLOSE: return nssock_close(c, s, (m->flags & SOCK_F_ABORT) != 0);
    }
    return SOCK_EBADOP;
}

// One request: decode (no side effects), then invoke, then complete.
static void nssock_request(struct nssock_client *c, const struct sock_msg *m)
{
    struct sock_msg f = {.sock = m->sock, .buf = m->buf, .len = m->len};
    int st = sock_req_check(m);
    struct nssock_sock *s = 0;
    c->cnt[SOCK_C_requests]++;
    if (st == SOCK_OK && m->op != SOCK_OP_OPEN && m->op != SOCK_OP_RECV_DONE) {
        s = nssock_tab_get(&c->tab, m->sock);
        st = s ? SOCK_OK : SOCK_EBADSOCK;
    }
    if (st == SOCK_OK && m->op == SOCK_OP_OPEN)
        st = nssock_open(c, m, &f);
    else if (st == SOCK_OK && m->op == SOCK_OP_RECV_DONE)
        st = nssock_recv_done(c, m);
    else if (st == SOCK_OK)
        st = nssock_invoke(c, s, m);
    if (st > 0)
        return;
    if (st != SOCK_OK) {
        nssock_count_bad(c, st);
        if (c->refusals++ < NSSOCK_LOG_MAX) // the first few name themselves
            rw_printf("netstack: %s: request op %u sock %x refused: %s\n", c->r->name, m->op,
                      m->sock, sock_status_name(st));
    }
    c->owed++;
    nssock_complete(c, m->id, m->op, st, &f);
}

// Lends the filled buffers of s to the app, then its end of stream or reset.
static void nssock_deliver(struct nssock_client *c, struct nssock_sock *s)
{
    if (s->rx_open != NSSOCK_NONE && s->rx_open_len) {
        nssock_tab_rx_queue(&c->tab, s, s->rx_open, s->rx_open_len);
        s->rx_open = NSSOCK_NONE;
    }
    uint32_t h = nssock_tab_handle(&c->tab, s);
    for (int32_t b; (b = s->rxq_head) != NSSOCK_NONE;) {
        struct sock_msg m = {.op = SOCK_EV_DATA, .sock = h, .buf = sock_buf_off((uint32_t)b)};
        m.len = c->tab.len[b];
        m.addr = c->tab.addr[b];
        m.port = c->tab.port[b];
        if (!nssock_post(c, &m))
            return;
        nssock_tab_rx_pop(&c->tab, s);
        c->cnt[SOCK_C_rx_bytes] += m.len;
        c->cnt[SOCK_C_rx_buffers]++;
    }
    if (s->rx_open != NSSOCK_NONE)
        return;
    if (s->eof && !s->eof_posted &&
        nssock_post(c, &(struct sock_msg){.op = SOCK_EV_EOF, .sock = h}))
        s->eof_posted = true;
    if (s->reset && !s->reset_posted) {
        nssock_fail_pending(c, s, s->reset_status);
        struct sock_msg m = {.op = SOCK_EV_RESET, .sock = h, .status = s->reset_status};
        s->reset_posted = nssock_post(c, &m);
    }
}

// After the requests of a pass: sends, data, refused data, events.
static void nssock_sockets(struct nssock_client *c)
{
    for (uint32_t i = 0; i < SOCK_MAX_SOCKS; i++) {
        struct nssock_sock *s = &c->tab.s[i];
        if (!s->used)
            continue;
        if (s->txq_head != NSSOCK_NONE || s->shut_queued)
            nssock_lw_pump(c, s);
        if (s->refused && nssock_tab_rx_room(&c->tab, s, 1)) {
            s->refused = false;
            nssock_lw_retry(s);
        }
        nssock_deliver(c, s);
    }
}

// The app asked for fresh rings (sock.h, Start and restart): drop everything.
static void nssock_reset(struct nssock_client *c, uint32_t g)
{
    struct sock_header *h = (struct sock_header *)c->r->va;
    if (c->up) {
        for (uint32_t i = 0; i < SOCK_MAX_SOCKS; i++) {
            if (c->tab.s[i].used)
                nssock_lw_close(&c->tab.s[i], true); // the app that knew them is gone
        }
        c->cnt[SOCK_C_resets]++;
    }
    sock_reset_rings((void *)c->r->va);
    sock_attach(&c->sd, (void *)c->r->va, c->r->size, SOCK_STACK);
    nssock_tab_reset(&c->tab, atomic_load_explicit(&h->stack_epoch, memory_order_relaxed));
    c->owed = 0;
    c->gen = g;
    c->up = true;
    // Release: the fresh rings are visible to the app that acquires ack_gen.
    atomic_store_explicit(&h->ack_gen, g, memory_order_release);
    comp_signal(c->to_app);
    c->cnt[SOCK_C_signals]++;
}

// True if the rings are ours to serve now.
static bool nssock_handshake(struct nssock_client *c)
{
    struct sock_header *h = (struct sock_header *)c->r->va;
    // Acquire: pairs with the app's release of app_gen (it no longer touches the rings).
    uint32_t g = atomic_load_explicit(&h->app_gen, memory_order_acquire);
    if (c->up && g == c->gen)
        return true;
    if (g == atomic_load_explicit(&h->ack_gen, memory_order_relaxed))
        return false; // acked by a previous instance: wait for the app to see our epoch
    nssock_reset(c, g);
    return true;
}

static void nssock_publish(struct nssock_client *c)
{
    c->cnt[SOCK_C_ring_errors] = c->sd.req.h.errors + c->sd.evt.h.errors;
    for (uint32_t k = 0; k < SOCK_C_N; k++)
        atomic_store_explicit(&c->sd.cnt->v[k], c->cnt[k], memory_order_relaxed);
}

static uint32_t nssock_client_poll(struct nssock_client *c)
{
    struct sock_msg m;
    uint32_t n = 0;
    if (!nssock_handshake(c))
        return 0;
    c->blocked = false;
    while (n < NSSOCK_BATCH && sock_room(&c->sd.evt) > c->owed && sock_ring_get(&c->sd.req, &m)) {
        nssock_request(c, &m);
        n++;
    }
    nssock_sockets(c);
    bool sig = c->posted && ring_producer_should_signal(&c->sd.evt.h);
    sig |= n && ring_consumer_should_signal(&c->sd.req.h); // the app may wait for room
    c->posted = false;
    if (sig) {
        comp_signal(c->to_app);
        c->cnt[SOCK_C_signals]++;
    }
    nssock_publish(c);
    return n;
}

uint32_t nssock_poll(void)
{
    uint32_t work = 0;
    for (uint32_t i = 0; i < nclients; i++)
        work += nssock_client_poll(&clients[i]);
    return work;
}

bool nssock_arm(void)
{
    bool more = false;
    for (uint32_t i = 0; i < nclients; i++) {
        struct nssock_client *c = &clients[i];
        if (!c->up)
            continue;
        if (!ring_consumer_request_signal(&c->sd.req.h)) {
            ring_consumer_cancel_signal(&c->sd.req.h);
            more = true;
        }
        if (c->blocked && !ring_producer_request_signal(&c->sd.evt.h)) {
            ring_producer_cancel_signal(&c->sd.evt.h);
            more = true; // the app made room meanwhile
        }
    }
    return more;
}
