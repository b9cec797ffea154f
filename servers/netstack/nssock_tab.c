// SPDX-License-Identifier: MIT
// Socket slots and buffer ownership of one socket client (see nssock_tab.h).
// Every check of an app's handle or buffer is made here against private state.
#include "servers/netstack/nssock_tab.h"

#define NSSOCK_GEN_MASK 0xffffffu

void nssock_tab_reset(struct nssock_tab *t, uint32_t epoch)
{
    *t = (struct nssock_tab){.gen_seed = (epoch << 12) & NSSOCK_GEN_MASK};
    for (uint32_t i = 0; i < SOCK_MAX_SOCKS; i++)
        t->s[i].gen = t->gen_seed;
    for (uint32_t b = 0; b < SOCK_NBUFS; b++) {
        t->state[b] = b < SOCK_RX_BUFS ? NSSOCK_B_FREE : NSSOCK_B_APP;
        t->next[b] = NSSOCK_NONE;
    }
    for (uint32_t b = 0; b < SOCK_RX_BUFS; b++)
        t->free_rx[b] = (int32_t)(SOCK_RX_BUFS - 1 - b);
    t->nfree_rx = SOCK_RX_BUFS;
}

uint32_t nssock_tab_handle(const struct nssock_tab *t, const struct nssock_sock *s)
{
    return (uint32_t)(s - t->s) | s->gen << 8;
}

int nssock_tab_open(struct nssock_tab *t, uint8_t proto, uint32_t *handle)
{
    for (uint32_t i = 0; i < SOCK_MAX_SOCKS; i++) {
        struct nssock_sock *s = &t->s[i];
        if (s->used)
            continue;
        uint32_t gen = (s->gen + 1) & NSSOCK_GEN_MASK;
        *s = (struct nssock_sock){.used = true, .proto = proto, .gen = gen ? gen : 1};
        s->rx_open = s->rxq_head = s->rxq_tail = NSSOCK_NONE;
        s->txq_head = s->txq_tail = NSSOCK_NONE;
        t->nsocks++;
        *handle = nssock_tab_handle(t, s);
        return SOCK_OK;
    }
    return SOCK_ENOMEM;
}

struct nssock_sock *nssock_tab_get(struct nssock_tab *t, uint32_t handle)
{
    uint32_t slot = handle & 0xff;
    if (slot >= SOCK_MAX_SOCKS)
        return 0;
    struct nssock_sock *s = &t->s[slot];
    return s->used && s->gen == handle >> 8 ? s : 0;
}

static void rx_free(struct nssock_tab *t, int32_t b)
{
    t->state[b] = NSSOCK_B_FREE;
    t->next[b] = NSSOCK_NONE;
    t->free_rx[t->nfree_rx++] = b;
}

void nssock_tab_close(struct nssock_tab *t, struct nssock_sock *s)
{
    if (s->rx_open != NSSOCK_NONE)
        rx_free(t, s->rx_open);
    for (int32_t b = s->rxq_head, n; b != NSSOCK_NONE; b = n) {
        n = t->next[b];
        rx_free(t, b);
    }
    while (nssock_tab_tx_pop(t, s) != NSSOCK_NONE) {
    }
    uint32_t gen = s->gen;
    *s = (struct nssock_sock){.gen = gen}; // the next open bumps it: old handles die
    t->nsocks--;
}

bool nssock_tab_rx_room(const struct nssock_tab *t, const struct nssock_sock *s, uint32_t n)
{
    uint32_t cap = s->proto == SOCK_UDP ? NSSOCK_RX_PER_UDP : NSSOCK_RX_PER_SOCK;
    return t->nfree_rx >= n && s->rx_held + n <= cap;
}

int32_t nssock_tab_rx_take(struct nssock_tab *t, struct nssock_sock *s)
{
    if (!nssock_tab_rx_room(t, s, 1))
        return NSSOCK_NONE;
    int32_t b = t->free_rx[--t->nfree_rx];
    t->state[b] = NSSOCK_B_FILL;
    t->owner[b] = nssock_tab_handle(t, s);
    t->len[b] = 0;
    t->next[b] = NSSOCK_NONE;
    s->rx_held++;
    return b;
}

void nssock_tab_rx_queue(struct nssock_tab *t, struct nssock_sock *s, int32_t b, uint32_t len)
{
    t->state[b] = NSSOCK_B_QUEUED;
    t->len[b] = len;
    t->next[b] = NSSOCK_NONE;
    if (s->rxq_tail == NSSOCK_NONE)
        s->rxq_head = b;
    else
        t->next[s->rxq_tail] = b;
    s->rxq_tail = b;
}

int32_t nssock_tab_rx_pop(struct nssock_tab *t, struct nssock_sock *s)
{
    int32_t b = s->rxq_head;
    if (b == NSSOCK_NONE)
        return b;
    s->rxq_head = t->next[b];
    if (s->rxq_head == NSSOCK_NONE)
        s->rxq_tail = NSSOCK_NONE;
    t->next[b] = NSSOCK_NONE;
    t->state[b] = NSSOCK_B_APP;
    return b;
}

int nssock_tab_rx_done(struct nssock_tab *t, uint32_t handle, uint64_t off, uint32_t *len,
                       struct nssock_sock **s)
{
    int32_t b = sock_buf_index(off);
    if (!sock_is_rx_buf(b) || t->state[b] != NSSOCK_B_APP || t->owner[b] != handle)
        return SOCK_EBADBUF;
    *len = t->len[b];
    *s = nssock_tab_get(t, handle);
    if (*s)
        (*s)->rx_held--;
    rx_free(t, b);
    return SOCK_OK;
}

int nssock_tab_tx_queue(struct nssock_tab *t, struct nssock_sock *s, uint64_t off, uint32_t len,
                        uint32_t id)
{
    int32_t b = sock_buf_index(off);
    if (!sock_is_tx_buf(b) || t->state[b] != NSSOCK_B_APP)
        return SOCK_EBADBUF;
    t->state[b] = NSSOCK_B_SENDING;
    t->owner[b] = nssock_tab_handle(t, s);
    t->len[b] = len;
    t->id[b] = id;
    t->next[b] = NSSOCK_NONE;
    if (s->txq_tail == NSSOCK_NONE) {
        s->txq_head = b;
        s->tx_pos = 0;
    } else {
        t->next[s->txq_tail] = b;
    }
    s->txq_tail = b;
    return SOCK_OK;
}

int32_t nssock_tab_tx_front(const struct nssock_tab *t, const struct nssock_sock *s)
{
    (void)t;
    return s->txq_head;
}

int32_t nssock_tab_tx_pop(struct nssock_tab *t, struct nssock_sock *s)
{
    int32_t b = s->txq_head;
    if (b == NSSOCK_NONE)
        return b;
    s->txq_head = t->next[b];
    if (s->txq_head == NSSOCK_NONE)
        s->txq_tail = NSSOCK_NONE;
    t->next[b] = NSSOCK_NONE;
    t->state[b] = NSSOCK_B_APP;
    s->tx_pos = 0;
    return b;
}
