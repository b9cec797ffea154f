// SPDX-License-Identifier: MIT
// lwIP's raw API behind the socket regions (see nssock.h): pcbs for the
// client's sockets, and lwIP's callbacks turned into table updates and events.
// Received bytes are copied once, from lwIP's pbufs into the socket's current
// receive buffer (filled up before the next is taken, and lent to the app at
// the end of the pass); a TCP segment that does not fit the buffers the
// socket may still take is refused whole, so lwIP keeps it and the window
// stays shut until the app gives buffers back. tcp_recved runs only then.
// Sends are copied from the app's buffer into lwIP's memory as room appears.
// A pcb is never freed under its own callback: lwIP's errors only mark the
// socket, and the app closes it.
#include "servers/netstack/nssock.h"

#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

static int nssock_err_status(err_t err)
{
    switch (err) {
    case ERR_OK: return SOCK_OK;
    case ERR_MEM:
    case ERR_BUF: return SOCK_ENOMEM;
    case ERR_USE:
    case ERR_ISCONN: return SOCK_EADDRINUSE;
    case ERR_RTE: return SOCK_ENETUNREACH;
    case ERR_RST: return SOCK_ECONNRESET;
    case ERR_CLSD:
    case ERR_CONN: return SOCK_ECLOSED;
    case ERR_TIMEOUT: return SOCK_ETIMEDOUT;
    case ERR_ABRT: return SOCK_ECONNRESET;
    case ERR_VAL:
    case ERR_ARG: return SOCK_EINVAL;
    default: return SOCK_ESTATE;
    }
}

static void nssock_addr(ip_addr_t *a, uint32_t host_order)
{
    ip_addr_set_ip4_u32(a, lwip_htonl(host_order));
}

static struct nssock_client *client_of(struct nssock_sock *s)
{
    return (struct nssock_client *)s->client;
}

// Copies the whole chain into s's receive buffers (room checked by the caller).
static void nssock_copy_in(struct nssock_client *c, struct nssock_sock *s, struct pbuf *p)
{
    uint32_t done = 0, total = p->tot_len;
    while (done < total) {
        if (s->rx_open == NSSOCK_NONE) {
            s->rx_open = nssock_tab_rx_take(&c->tab, s);
            s->rx_open_len = 0;
        }
        uint32_t room = SOCK_BUF_SIZE - s->rx_open_len, n = total - done;
        if (n > room)
            n = room;
        uint8_t *dst = c->sd.pool + sock_buf_off((uint32_t)s->rx_open) + s->rx_open_len;
        pbuf_copy_partial(p, dst, (u16_t)n, (u16_t)done);
        s->rx_open_len += n;
        done += n;
        if (s->rx_open_len == SOCK_BUF_SIZE) {
            nssock_tab_rx_queue(&c->tab, s, s->rx_open, SOCK_BUF_SIZE);
            s->rx_open = NSSOCK_NONE;
        }
    }
}

static err_t nssock_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct nssock_sock *s = arg;
    struct nssock_client *c = client_of(s);
    (void)pcb;
    (void)err;
    if (!p) {
        s->eof = true;
        return ERR_OK;
    }
    uint32_t room = s->rx_open == NSSOCK_NONE ? 0 : SOCK_BUF_SIZE - s->rx_open_len;
    uint32_t need = p->tot_len > room ? (p->tot_len - room + SOCK_BUF_SIZE - 1) / SOCK_BUF_SIZE : 0;
    if (!nssock_tab_rx_room(&c->tab, s, need)) {
        s->refused = true; // lwIP keeps p and offers it again (nssock_lw_retry)
        c->cnt[SOCK_C_rx_waits]++;
        return ERR_MEM;
    }
    nssock_copy_in(c, s, p);
    pbuf_free(p);
    return ERR_OK;
}

static void nssock_on_err(void *arg, err_t err)
{
    struct nssock_sock *s = arg;
    int st = nssock_err_status(err);
    s->pcb = NULL; // lwIP has freed it
    s->reset = true;
    s->reset_status = s->connecting && st == SOCK_ECONNRESET ? SOCK_ECONNREFUSED : st;
}

static void nssock_tcp_callbacks(struct tcp_pcb *pcb, struct nssock_sock *s)
{
    tcp_arg(pcb, s);
    tcp_recv(pcb, nssock_on_recv);
    tcp_err(pcb, nssock_on_err);
}

static err_t nssock_on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct nssock_sock *l = arg;
    struct nssock_client *c = client_of(l);
    uint32_t h;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    if (sock_room(&c->sd.evt) <= c->owed + 1 || nssock_tab_open(&c->tab, SOCK_TCP, &h) != SOCK_OK) {
        c->cnt[SOCK_C_accept_refused]++;
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    struct nssock_sock *s = nssock_tab_get(&c->tab, h);
    s->client = c;
    s->pcb = pcb;
    s->connected = true;
    nssock_tcp_callbacks(pcb, s);
    struct sock_msg m = {.op = SOCK_EV_ACCEPT, .sock = nssock_tab_handle(&c->tab, l), .child = h};
    m.addr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
    m.port = pcb->remote_port;
    m.laddr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)));
    m.lport = pcb->local_port;
    nssock_post(c, &m); // room checked above
    c->cnt[SOCK_C_accepted]++;
    return ERR_OK;
}

static err_t nssock_on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct nssock_sock *s = arg;
    struct nssock_client *c = client_of(s);
    struct sock_msg f = {.sock = nssock_tab_handle(&c->tab, s)};
    f.laddr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)));
    f.lport = pcb->local_port;
    s->connecting = false;
    s->connected = err == ERR_OK;
    nssock_complete(c, s->connect_id, SOCK_OP_CONNECT, nssock_err_status(err), &f);
    return ERR_OK;
}

static void nssock_on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                          u16_t port)
{
    struct nssock_sock *s = arg;
    struct nssock_client *c = client_of(s);
    (void)pcb;
    int32_t b = p->tot_len <= SOCK_BUF_SIZE ? nssock_tab_rx_take(&c->tab, s) : NSSOCK_NONE;
    if (b == NSSOCK_NONE) {
        c->cnt[SOCK_C_udp_drops]++; // no buffer (the app is not reading) or too long
    } else {
        pbuf_copy_partial(p, c->sd.pool + sock_buf_off((uint32_t)b), p->tot_len, 0);
        c->tab.addr[b] = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
        c->tab.port[b] = port;
        nssock_tab_rx_queue(&c->tab, s, b, p->tot_len);
    }
    pbuf_free(p);
}

int nssock_lw_open(struct nssock_client *c, struct nssock_sock *s)
{
    (void)c;
    if (s->proto == SOCK_UDP) {
        struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_V4);
        if (!u)
            return SOCK_ENOMEM;
        udp_recv(u, nssock_on_udp, s);
        s->pcb = u;
        return SOCK_OK;
    }
    struct tcp_pcb *t = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!t)
        return SOCK_ENOMEM;
    nssock_tcp_callbacks(t, s);
    s->pcb = t;
    return SOCK_OK;
}

int nssock_lw_bind(struct nssock_sock *s, uint32_t addr, uint16_t port)
{
    ip_addr_t a;
    nssock_addr(&a, addr);
    if (!s->pcb || s->listening || s->connected)
        return SOCK_ESTATE;
    err_t e = s->proto == SOCK_UDP ? udp_bind(s->pcb, &a, port) : tcp_bind(s->pcb, &a, port);
    return nssock_err_status(e);
}

int nssock_lw_listen(struct nssock_sock *s)
{
    struct tcp_pcb *t = s->pcb;
    if (s->proto != SOCK_TCP || !t || s->listening || s->connected || s->connecting ||
        t->local_port == 0)
        return SOCK_ESTATE;
    struct tcp_pcb *l = tcp_listen(t); // frees t on success
    if (!l)
        return SOCK_ENOMEM;
    s->pcb = l;
    s->listening = true;
    tcp_arg(l, s);
    tcp_accept(l, nssock_on_accept);
    return SOCK_OK;
}

int nssock_lw_connect(struct nssock_sock *s, uint32_t id, uint32_t addr, uint16_t port)
{
    ip_addr_t a;
    nssock_addr(&a, addr);
    if (!s->pcb || s->listening || s->connected || s->connecting)
        return SOCK_ESTATE;
    if (s->proto == SOCK_UDP) {
        err_t e = udp_connect(s->pcb, &a, port);
        s->connected = e == ERR_OK;
        return nssock_err_status(e);
    }
    if (tcp_connect(s->pcb, &a, port, nssock_on_connected) != ERR_OK)
        return SOCK_ESTATE;
    s->connecting = true;
    s->connect_id = id;
    return SOCK_OK;
}

int nssock_lw_udp_send(struct nssock_client *c, struct nssock_sock *s, const struct sock_msg *m)
{
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)m->len, PBUF_RAM);
    if (!p)
        return SOCK_ENOMEM;
    pbuf_take(p, c->sd.pool + m->buf, (u16_t)m->len);
    ip_addr_t a;
    nssock_addr(&a, m->addr);
    err_t e = m->op == SOCK_OP_SENDTO ? udp_sendto(s->pcb, p, &a, m->port) : udp_send(s->pcb, p);
    pbuf_free(p);
    if (e == ERR_OK)
        c->cnt[SOCK_C_tx_bytes] += m->len;
    return nssock_err_status(e);
}

int nssock_lw_shutdown(struct nssock_client *c, struct nssock_sock *s)
{
    if (s->proto != SOCK_TCP || !s->connected || s->shut_wr || !s->pcb)
        return SOCK_ESTATE;
    s->shut_wr = true;
    s->shut_queued = true; // the FIN follows the sends already queued
    nssock_lw_pump(c, s);
    return SOCK_OK;
}

void nssock_lw_close(struct nssock_sock *s, bool abort)
{
    if (!s->pcb)
        return;
    if (s->proto == SOCK_UDP) {
        udp_remove(s->pcb);
    } else {
        struct tcp_pcb *t = s->pcb;
        tcp_arg(t, NULL);
        if (!s->listening) {
            tcp_recv(t, NULL); // lwIP's default frees and acknowledges late data
            tcp_err(t, NULL);
        } else {
            tcp_accept(t, NULL);
        }
        if (abort && !s->listening)
            tcp_abort(t);
        else if (tcp_close(t) != ERR_OK)
            tcp_abort(t);
    }
    s->pcb = NULL;
}

void nssock_lw_recved(struct nssock_sock *s, uint32_t len)
{
    if (s->pcb && !s->listening && s->connected)
        tcp_recved(s->pcb, (u16_t)len);
}

void nssock_lw_retry(struct nssock_sock *s)
{
    struct tcp_pcb *t = s->pcb;
    if (t && !s->listening && t->refused_data)
        tcp_process_refused_data(t); // may call nssock_on_recv (or on_err) again
}

// Completes the first queued send of s with status st.
static void nssock_send_done(struct nssock_client *c, struct nssock_sock *s, int st)
{
    int32_t b = nssock_tab_tx_pop(&c->tab, s);
    struct sock_msg f = {.sock = nssock_tab_handle(&c->tab, s), .buf = sock_buf_off((uint32_t)b)};
    f.len = c->tab.len[b];
    nssock_complete(c, c->tab.id[b], SOCK_OP_SEND, st, &f);
}

void nssock_lw_pump(struct nssock_client *c, struct nssock_sock *s)
{
    struct tcp_pcb *t = s->pcb;
    int32_t b;
    bool wrote = false;
    while ((b = nssock_tab_tx_front(&c->tab, s)) != NSSOCK_NONE) {
        if (!t || s->reset)
            return; // nssock_deliver fails them with the reset status
        uint32_t left = c->tab.len[b] - s->tx_pos, n = tcp_sndbuf(t);
        if (n > left)
            n = left;
        if (n == 0 || tcp_sndqueuelen(t) + 4 >= TCP_SND_QUEUELEN)
            break; // more room when lwIP's sent callback frees some
        u8_t fl = TCP_WRITE_FLAG_COPY | (n < left ? TCP_WRITE_FLAG_MORE : 0);
        err_t e = tcp_write(t, c->sd.pool + sock_buf_off((uint32_t)b) + s->tx_pos, (u16_t)n, fl);
        if (e == ERR_MEM)
            break;
        if (e != ERR_OK) {
            nssock_send_done(c, s, nssock_err_status(e));
            continue;
        }
        wrote = true;
        s->tx_pos += n;
        c->cnt[SOCK_C_tx_bytes] += n;
        if (s->tx_pos == c->tab.len[b])
            nssock_send_done(c, s, SOCK_OK);
    }
    if (t && s->shut_queued && s->txq_head == NSSOCK_NONE) {
        s->shut_queued = false;
        tcp_shutdown(t, 0, 1);
        wrote = true;
    }
    if (wrote)
        tcp_output(t);
}
