// SPDX-License-Identifier: MIT
// Host unit tests (cmocka) for the socket contract shm/sock.h and the network
// stack's checks of an app's requests (servers/netstack/nssock_tab.c): the
// message layout, request decoding at every boundary (ops, flags, protocol,
// buffer halves, alignment and lengths), the rings of 64-byte messages (order,
// full, counter wrap, a corrupt peer index), formatting and the restart
// handshake fields, socket handles (stale after close and after a new epoch,
// table full), and buffer ownership (a receive buffer returned only once, only
// by the socket it was lent to, a send buffer taken only from the app).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "servers/netstack/nssock_tab.h"
#include "shm/sock.h"

static int chk(struct sock_msg m)
{
    return sock_req_check(&m);
}

static void t_layout(void **st)
{
    (void)st;
    assert_int_equal(sizeof(struct sock_msg), 64);
    assert_int_equal(SOCK_EVT_OFF, 28672);
    assert_true(SOCK_REGION_MIN <= 5u * 1024 * 1024);
    assert_string_equal(sock_status_name(SOCK_EBADBUF), "EBADBUF");
    assert_string_equal(sock_status_name(-99), "E?");
    assert_string_equal(sock_counter_name(SOCK_C_bad_op), "bad_op");
}

static void t_check_ops(void **st)
{
    (void)st;
    uint64_t tx = sock_buf_off(SOCK_RX_BUFS);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_OPEN, .proto = SOCK_TCP}), SOCK_OK);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_OPEN, .proto = SOCK_UDP}), SOCK_OK);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_OPEN, .proto = 3}), SOCK_EBADOP);
    assert_int_equal(chk((struct sock_msg){.op = 0}), SOCK_EBADOP);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_MAX + 1}), SOCK_EBADOP);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_EV_CPL}), SOCK_EBADOP);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_CLOSE, .flags = SOCK_F_ABORT}), SOCK_OK);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_CLOSE, .flags = 2}), SOCK_EBADOP);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_LISTEN, .flags = 1}), SOCK_EBADOP);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_CONNECT, .addr = 1, .port = 7}), SOCK_OK);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_CONNECT, .port = 7}), SOCK_EINVAL);
    assert_int_equal(chk((struct sock_msg){.op = SOCK_OP_CONNECT, .addr = 1}), SOCK_EINVAL);
    struct sock_msg to = {.op = SOCK_OP_SENDTO, .buf = tx, .len = 1, .addr = 1, .port = 0};
    assert_int_equal(chk(to), SOCK_EINVAL);
}

static void t_check_buffers(void **st)
{
    (void)st;
    uint64_t tx = sock_buf_off(SOCK_RX_BUFS), last = sock_buf_off(SOCK_NBUFS - 1);
    struct sock_msg s = {.op = SOCK_OP_SEND, .len = 1};
    s.buf = tx;
    assert_int_equal(chk(s), SOCK_OK);
    s.buf = last;
    assert_int_equal(chk(s), SOCK_OK);
    s.buf = last + SOCK_BUF_SIZE; // one past the pool
    assert_int_equal(chk(s), SOCK_EBADBUF);
    s.buf = tx + 8; // not a buffer start
    assert_int_equal(chk(s), SOCK_EBADBUF);
    s.buf = 0; // a receive buffer cannot be sent
    assert_int_equal(chk(s), SOCK_EBADBUF);
    s.buf = UINT64_MAX - SOCK_BUF_SIZE + 1;
    assert_int_equal(chk(s), SOCK_EBADBUF);
    s.buf = tx;
    s.len = 0;
    assert_int_equal(chk(s), SOCK_ELEN);
    s.len = SOCK_BUF_SIZE;
    assert_int_equal(chk(s), SOCK_OK);
    s.len = SOCK_BUF_SIZE + 1;
    assert_int_equal(chk(s), SOCK_ELEN);
    struct sock_msg r = {.op = SOCK_OP_RECV_DONE, .buf = sock_buf_off(SOCK_RX_BUFS - 1)};
    assert_int_equal(chk(r), SOCK_OK);
    r.buf = tx; // a send buffer is not returned this way
    assert_int_equal(chk(r), SOCK_EBADBUF);
}

static void *region(void)
{
    void *m = aligned_alloc(SOCK_PAGE, SOCK_REGION_MIN);
    assert_non_null(m);
    memset(m, 0, SOCK_REGION_MIN);
    return m;
}

static void t_rings(void **st)
{
    (void)st;
    void *m = region();
    struct sock_side app, stk;
    assert_false(sock_attach(&app, m, SOCK_REGION_MIN, SOCK_APP)); // not formatted
    assert_false(sock_format(m, SOCK_REGION_MIN - 1));
    assert_true(sock_format(m, SOCK_REGION_MIN));
    assert_true(sock_attach(&app, m, SOCK_REGION_MIN, SOCK_APP));
    assert_true(sock_attach(&stk, m, SOCK_REGION_MIN, SOCK_STACK));
    struct sock_msg in = {0}, out;
    for (uint32_t i = 0; i < SOCK_REQ_SLOTS; i++) {
        in.id = i + 1;
        assert_true(sock_ring_put(&app.req, &in));
    }
    assert_false(sock_ring_put(&app.req, &in));  // full
    assert_false(sock_ring_put(&stk.req, &in));  // the stack cannot produce requests
    assert_false(sock_ring_get(&app.req, &out)); // nor the app consume them
    for (uint32_t i = 0; i < SOCK_REQ_SLOTS; i++) {
        assert_true(sock_ring_get(&stk.req, &out));
        assert_int_equal(out.id, i + 1);
    }
    assert_false(sock_ring_get(&stk.req, &out));
    // The app scribbles an impossible head: counted, the ring looks empty.
    struct ring_shared *rs = (struct ring_shared *)((uint8_t *)m + SOCK_REQ_OFF);
    atomic_store(&rs->head, stk.req.h.tail + SOCK_REQ_SLOTS + 5);
    assert_false(sock_ring_get(&stk.req, &out));
    assert_true(stk.req.h.errors > 0);
    free(m);
}

static void t_ring_wrap(void **st)
{
    (void)st;
    void *m = region();
    assert_true(sock_format(m, SOCK_REGION_MIN));
    ring_init_shared_at((uint8_t *)m + SOCK_EVT_OFF, SOCK_EVT_SLOTS, UINT32_MAX - 3);
    struct sock_side app, stk;
    assert_true(sock_attach(&app, m, SOCK_REGION_MIN, SOCK_APP));
    assert_true(sock_attach(&stk, m, SOCK_REGION_MIN, SOCK_STACK));
    struct sock_msg e = {.op = SOCK_EV_DATA}, out;
    for (uint32_t i = 0; i < 10; i++) {
        e.len = i;
        assert_true(sock_ring_put(&stk.evt, &e));
        assert_true(sock_ring_get(&app.evt, &out));
        assert_int_equal(out.len, i);
    }
    assert_int_equal(sock_room(&stk.evt), SOCK_EVT_SLOTS);
    free(m);
}

static void t_format_keeps_gens(void **st)
{
    (void)st;
    void *m = region();
    struct sock_header *h = m;
    assert_true(sock_format(m, SOCK_REGION_MIN));
    atomic_store(&h->app_gen, 3);
    atomic_store(&h->ack_gen, 3);
    atomic_store(&h->stack_epoch, 2);
    assert_true(sock_format(m, SOCK_REGION_MIN)); // a restarted stack: nothing changes
    assert_int_equal(atomic_load(&h->app_gen), 3);
    assert_int_equal(atomic_load(&h->stack_epoch), 2);
    free(m);
}

static struct nssock_tab T;

static void t_handles(void **st)
{
    (void)st;
    uint32_t h, h2;
    nssock_tab_reset(&T, 1);
    assert_int_equal(nssock_tab_open(&T, SOCK_TCP, &h), SOCK_OK);
    assert_non_null(nssock_tab_get(&T, h));
    assert_null(nssock_tab_get(&T, h ^ 0x100)); // another generation
    assert_null(nssock_tab_get(&T, 0xdead01));
    assert_null(nssock_tab_get(&T, SOCK_MAX_SOCKS)); // slot out of range
    nssock_tab_close(&T, nssock_tab_get(&T, h));
    assert_null(nssock_tab_get(&T, h)); // stale after close
    assert_int_equal(nssock_tab_open(&T, SOCK_UDP, &h2), SOCK_OK);
    assert_int_not_equal(h, h2);
    assert_null(nssock_tab_get(&T, h));
    nssock_tab_reset(&T, 2); // a new stack epoch
    uint32_t h3;
    assert_int_equal(nssock_tab_open(&T, SOCK_UDP, &h3), SOCK_OK);
    assert_int_equal(h3 & 0xff, h2 & 0xff);
    assert_int_not_equal(h3, h2);
    for (uint32_t i = 1; i < SOCK_MAX_SOCKS; i++)
        assert_int_equal(nssock_tab_open(&T, SOCK_TCP, &h), SOCK_OK);
    assert_int_equal(nssock_tab_open(&T, SOCK_TCP, &h), SOCK_ENOMEM);
}

static void t_rx_ownership(void **st)
{
    (void)st;
    uint32_t h, o, len;
    struct nssock_sock *s, *back;
    nssock_tab_reset(&T, 1);
    nssock_tab_open(&T, SOCK_TCP, &h);
    nssock_tab_open(&T, SOCK_TCP, &o);
    s = nssock_tab_get(&T, h);
    int32_t b = nssock_tab_rx_take(&T, s);
    assert_true(sock_is_rx_buf(b));
    nssock_tab_rx_queue(&T, s, b, 100);
    uint64_t off = sock_buf_off((uint32_t)b);
    // Not lent yet: the app cannot return it.
    assert_int_equal(nssock_tab_rx_done(&T, h, off, &len, &back), SOCK_EBADBUF);
    assert_int_equal(nssock_tab_rx_pop(&T, s), b);
    assert_int_equal(nssock_tab_rx_done(&T, o, off, &len, &back), SOCK_EBADBUF); // other socket
    assert_int_equal(nssock_tab_rx_done(&T, h, off + 1, &len, &back), SOCK_EBADBUF);
    assert_int_equal(nssock_tab_rx_done(&T, h, off, &len, &back), SOCK_OK);
    assert_int_equal(len, 100); // the stack's length, for tcp_recved
    assert_ptr_equal(back, s);
    assert_int_equal(nssock_tab_rx_done(&T, h, off, &len, &back), SOCK_EBADBUF); // twice
    assert_int_equal(T.nfree_rx, SOCK_RX_BUFS);
}

static void t_rx_after_close_and_bounds(void **st)
{
    (void)st;
    uint32_t h, len;
    struct nssock_sock *s, *back;
    nssock_tab_reset(&T, 1);
    nssock_tab_open(&T, SOCK_TCP, &h);
    s = nssock_tab_get(&T, h);
    int32_t lent = nssock_tab_rx_take(&T, s), queued = nssock_tab_rx_take(&T, s);
    nssock_tab_rx_queue(&T, s, lent, 5);
    nssock_tab_rx_pop(&T, s);
    nssock_tab_rx_queue(&T, s, queued, 7);
    s->rx_open = nssock_tab_rx_take(&T, s);
    nssock_tab_close(&T, s);
    assert_int_equal(T.nfree_rx, SOCK_RX_BUFS - 1); // only the lent one is out
    assert_int_equal(nssock_tab_rx_done(&T, h, sock_buf_off((uint32_t)lent), &len, &back), SOCK_OK);
    assert_null(back); // the socket is gone: no window to open
    assert_int_equal(T.nfree_rx, SOCK_RX_BUFS);
    nssock_tab_open(&T, SOCK_TCP, &h);
    s = nssock_tab_get(&T, h);
    for (uint32_t i = 0; i < NSSOCK_RX_PER_SOCK; i++)
        assert_int_not_equal(nssock_tab_rx_take(&T, s), NSSOCK_NONE);
    assert_int_equal(nssock_tab_rx_take(&T, s), NSSOCK_NONE); // per-socket bound
    assert_false(nssock_tab_rx_room(&T, s, 1));
}

static void t_tx_ownership(void **st)
{
    (void)st;
    uint32_t h;
    nssock_tab_reset(&T, 1);
    nssock_tab_open(&T, SOCK_TCP, &h);
    struct nssock_sock *s = nssock_tab_get(&T, h);
    uint64_t a = sock_buf_off(SOCK_RX_BUFS), b = sock_buf_off(SOCK_RX_BUFS + 1);
    assert_int_equal(nssock_tab_tx_queue(&T, s, a, 10, 1), SOCK_OK);
    assert_int_equal(nssock_tab_tx_queue(&T, s, a, 10, 2), SOCK_EBADBUF); // already ours
    assert_int_equal(nssock_tab_tx_queue(&T, s, 0, 10, 3), SOCK_EBADBUF); // a receive buffer
    assert_int_equal(nssock_tab_tx_queue(&T, s, b, 20, 4), SOCK_OK);
    assert_int_equal(nssock_tab_tx_front(&T, s), SOCK_RX_BUFS);
    assert_int_equal(nssock_tab_tx_pop(&T, s), SOCK_RX_BUFS);
    assert_int_equal(T.id[SOCK_RX_BUFS + 1], 4);
    assert_int_equal(nssock_tab_tx_pop(&T, s), SOCK_RX_BUFS + 1);
    assert_int_equal(nssock_tab_tx_pop(&T, s), NSSOCK_NONE);
    assert_int_equal(nssock_tab_tx_queue(&T, s, a, 10, 5), SOCK_OK); // the app's again
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_layout),
        cmocka_unit_test(t_check_ops),
        cmocka_unit_test(t_check_buffers),
        cmocka_unit_test(t_rings),
        cmocka_unit_test(t_ring_wrap),
        cmocka_unit_test(t_format_keeps_gens),
        cmocka_unit_test(t_handles),
        cmocka_unit_test(t_rx_ownership),
        cmocka_unit_test(t_rx_after_close_and_bounds),
        cmocka_unit_test(t_tx_ownership),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
