// SPDX-License-Identifier: MIT
// The application side of a socket region (see sock_app.h and shm/sock.h).
#include "net/sock/sock_app.h"

#include "lib/rw.h"

#define SOCK_APP_POLL_NS 10000000ull // while waiting for the stack's handshake

int sock_app_init(struct sock_app *a, const struct comp_info *ci, const char *name)
{
    *a = (struct sock_app){.ci = ci, .next_id = 1};
    a->r = comp_region(ci, name);
    a->to_stack = comp_channel(ci, name, COMP_CHAN_OUT);
    return a->r && !a->r->read_only && a->r->size >= SOCK_REGION_MIN && a->to_stack ? 0 : -1;
}

static void sock_app_tx_reset(struct sock_app *a)
{
    a->ntx = 0;
    for (uint32_t i = 0; i < SOCK_TX_BUFS; i++) {
        a->tx[a->ntx++] = SOCK_RX_BUFS + i;
        a->tx_free[i] = 1;
    }
}

// The handshake of shm/sock.h; true once the rings are ours.
static bool sock_app_attach(struct sock_app *a)
{
    struct sock_header *h = (struct sock_header *)a->r->va;
    if (!sock_ready(h))
        return false;
    if (!a->asked) {
        a->gen = atomic_load_explicit(&h->app_gen, memory_order_relaxed) + 1;
        a->gen = a->gen ? a->gen : 1;
        // Release: we no longer touch the rings; pairs with the stack's acquire.
        atomic_store_explicit(&h->app_gen, a->gen, memory_order_release);
        comp_signal(a->to_stack);
        a->asked = true;
    }
    // Acquire: pairs with the stack's release after it reset the rings.
    if (atomic_load_explicit(&h->ack_gen, memory_order_acquire) != a->gen)
        return false;
    if (!sock_attach(&a->sd, (void *)a->r->va, a->r->size, SOCK_APP))
        return false;
    a->epoch = atomic_load_explicit(&h->stack_epoch, memory_order_acquire);
    a->asked = false;
    a->up = true;
    sock_app_tx_reset(a);
    return true;
}

// A send completion hands its buffer back; a bad one is counted, not kept.
static void sock_app_tx_back(struct sock_app *a, const struct sock_msg *ev)
{
    int32_t b = sock_buf_index(ev->buf);
    if (ev->status == SOCK_EBADBUF)
        return; // not a buffer the stack took from us: nothing comes back
    if (!sock_is_tx_buf(b) || a->tx_free[b - SOCK_RX_BUFS]) {
        a->bad_events++;
        return;
    }
    a->tx_free[b - SOCK_RX_BUFS] = 1;
    a->tx[a->ntx++] = (uint32_t)b;
}

bool sock_app_next(struct sock_app *a, struct sock_msg *ev)
{
    struct sock_header *h = (struct sock_header *)a->r->va;
    if (a->up && atomic_load_explicit(&h->stack_epoch, memory_order_acquire) != a->epoch)
        a->up = false; // a new stack instance: everything we had is gone
    if (!a->up) {
        if (!sock_app_attach(a))
            return false;
        a->ups++;
        *ev = (struct sock_msg){.op = SOCK_EV_UP};
        return true;
    }
    if (!sock_ring_get(&a->sd.evt, ev))
        return false;
    if (ev->op == SOCK_EV_CPL && (ev->req_op == SOCK_OP_SEND || ev->req_op == SOCK_OP_SENDTO))
        sock_app_tx_back(a, ev);
    return true;
}

void sock_app_flush(struct sock_app *a)
{
    if (!a->up || !a->unsignalled)
        return;
    a->unsignalled = false;
    if (ring_producer_should_signal(&a->sd.req.h))
        comp_signal(a->to_stack);
}

void sock_app_wait(struct sock_app *a, uint64_t timeout_ns)
{
    sock_app_flush(a);
    if (!a->up) {
        comp_wait(a->ci, SOCK_APP_POLL_NS); // the handshake: the stack signals, or we look again
        return;
    }
    if (!ring_consumer_request_signal(&a->sd.evt.h)) {
        ring_consumer_cancel_signal(&a->sd.evt.h);
        return; // events arrived meanwhile
    }
    comp_wait(a->ci, timeout_ns);
}

uint32_t sock_app_request(struct sock_app *a, struct sock_msg *m)
{
    if (!a->up)
        return 0;
    m->id = a->next_id;
    if (!sock_ring_put(&a->sd.req, m))
        return 0;
    a->next_id = a->next_id + 1 ? a->next_id + 1 : 1;
    a->unsignalled = true;
    return m->id;
}

uint32_t sock_open(struct sock_app *a, uint8_t proto)
{
    return sock_app_request(a, &(struct sock_msg){.op = SOCK_OP_OPEN, .proto = proto});
}

uint32_t sock_bind(struct sock_app *a, uint32_t sock, uint32_t addr, uint16_t port)
{
    struct sock_msg m = {.op = SOCK_OP_BIND, .sock = sock, .addr = addr, .port = port};
    return sock_app_request(a, &m);
}

uint32_t sock_listen(struct sock_app *a, uint32_t sock)
{
    return sock_app_request(a, &(struct sock_msg){.op = SOCK_OP_LISTEN, .sock = sock});
}

uint32_t sock_connect(struct sock_app *a, uint32_t sock, uint32_t addr, uint16_t port)
{
    struct sock_msg m = {.op = SOCK_OP_CONNECT, .sock = sock, .addr = addr, .port = port};
    return sock_app_request(a, &m);
}

static uint32_t sock_app_send(struct sock_app *a, struct sock_msg *m)
{
    int32_t b = sock_buf_index(m->buf);
    uint32_t id = sock_app_request(a, m);
    if (id && sock_is_tx_buf(b))
        a->tx_free[b - SOCK_RX_BUFS] = 0; // the stack's until the completion
    return id;
}

uint32_t sock_send(struct sock_app *a, uint32_t sock, uint64_t off, uint32_t len)
{
    struct sock_msg m = {.op = SOCK_OP_SEND, .sock = sock, .buf = off, .len = len};
    return sock_app_send(a, &m);
}

uint32_t sock_sendto(struct sock_app *a, uint32_t sock, uint64_t off, uint32_t len, uint32_t addr,
                     uint16_t port)
{
    struct sock_msg m = {.op = SOCK_OP_SENDTO, .sock = sock, .buf = off, .len = len};
    m.addr = addr;
    m.port = port;
    return sock_app_send(a, &m);
}

uint32_t sock_recv_done(struct sock_app *a, uint32_t sock, uint64_t off)
{
    struct sock_msg m = {.op = SOCK_OP_RECV_DONE, .sock = sock, .buf = off};
    return sock_app_request(a, &m);
}

uint32_t sock_shutdown(struct sock_app *a, uint32_t sock)
{
    return sock_app_request(a, &(struct sock_msg){.op = SOCK_OP_SHUTDOWN, .sock = sock});
}

uint32_t sock_close(struct sock_app *a, uint32_t sock, uint8_t flags)
{
    struct sock_msg m = {.op = SOCK_OP_CLOSE, .sock = sock, .flags = flags};
    return sock_app_request(a, &m);
}

uint8_t *sock_tx_get(struct sock_app *a, uint64_t *off)
{
    if (!a->up || !a->ntx)
        return 0;
    uint32_t b = a->tx[--a->ntx];
    a->tx_free[b - SOCK_RX_BUFS] = 0;
    *off = sock_buf_off(b);
    return a->sd.pool + *off;
}

void sock_tx_put(struct sock_app *a, uint64_t off)
{
    int32_t b = sock_buf_index(off);
    if (!sock_is_tx_buf(b) || a->tx_free[b - SOCK_RX_BUFS])
        return;
    a->tx_free[b - SOCK_RX_BUFS] = 1;
    a->tx[a->ntx++] = (uint32_t)b;
}

const uint8_t *sock_data(struct sock_app *a, const struct sock_msg *ev)
{
    if (!sock_is_rx_buf(sock_buf_index(ev->buf)) || ev->len > SOCK_BUF_SIZE) {
        a->bad_events++;
        return 0;
    }
    return a->sd.pool + ev->buf;
}

uint64_t sock_app_counter(const struct sock_app *a, uint32_t i)
{
    if (!a->up || i >= SOCK_C_N)
        return 0;
    return atomic_load_explicit(&a->sd.cnt->v[i], memory_order_relaxed);
}
