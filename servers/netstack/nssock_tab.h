// SPDX-License-Identifier: MIT
// The network stack's private book-keeping for one socket client (shm/sock.h):
// its socket slots and handles, and who holds each buffer of its pool. Kept
// apart from lwIP (a pcb is an opaque pointer here) so host unit tests check
// every rule the stack applies to an app's requests: stale handles refused,
// a receive buffer returned only by the app that holds it and only once, a
// send buffer taken only from the app, per-socket bounds. Nothing here is in
// shared memory, so nothing here can be scribbled on by the app.
#ifndef NETSTACK_NSSOCK_TAB_H
#define NETSTACK_NSSOCK_TAB_H

#include <stdbool.h>
#include <stdint.h>

#include "shm/sock.h"

#define NSSOCK_RX_PER_SOCK 40 // receive buffers one TCP socket may hold (> TCP_WND / 16 KiB)
#define NSSOCK_RX_PER_UDP  16 // ... one UDP socket (datagrams beyond are dropped)
#define NSSOCK_NONE        (-1)

// Who holds a buffer (index into the pool).
enum nssock_buf_state {
    NSSOCK_B_FREE = 0, // receive buffer on the stack's free list
    NSSOCK_B_FILL,     // receive buffer being filled for a socket
    NSSOCK_B_QUEUED,   // receive buffer filled, its SOCK_EV_DATA not yet posted
    NSSOCK_B_APP,      // lent to (receive) or owned by (send) the app
    NSSOCK_B_SENDING,  // send buffer queued in the stack, bytes not all in lwIP yet
};

// One socket slot. Handle = slot | gen << 8.
struct nssock_sock {
    bool used;
    uint8_t proto; // SOCK_TCP or SOCK_UDP
    bool listening, connecting, connected, shut_wr;
    uint32_t gen;        // of the current handle (24 bits, never 0)
    void *pcb;           // lwIP's tcp_pcb or udp_pcb; NULL once lwIP freed it
    void *client;        // the glue's client this socket belongs to
    uint32_t connect_id; // the CONNECT waiting for its completion
    int32_t rx_open;     // buffer being filled, or NSSOCK_NONE
    uint32_t rx_open_len;
    int32_t rxq_head, rxq_tail; // filled buffers waiting for event room
    uint32_t rx_held;           // receive buffers this socket has out of the free list
    int32_t txq_head, txq_tail; // SEND requests waiting for room in lwIP
    uint32_t tx_pos;            // bytes of the first one already handed to lwIP
    bool eof, eof_posted;       // the peer's FIN (posted after its data)
    bool reset, reset_posted;   // lwIP freed the pcb (tcp_err)
    int32_t reset_status;
    bool refused;     // lwIP holds data we had no buffer for
    bool shut_queued; // SHUTDOWN waits for the queued sends
};

struct nssock_tab {
    uint32_t gen_seed; // start of the generations (from the stack epoch)
    struct nssock_sock s[SOCK_MAX_SOCKS];
    uint8_t state[SOCK_NBUFS];  // enum nssock_buf_state
    uint32_t owner[SOCK_NBUFS]; // handle of the socket the buffer belongs to
    uint32_t len[SOCK_NBUFS];   // bytes of data in it
    int32_t next[SOCK_NBUFS];   // rxq / txq link
    uint32_t id[SOCK_NBUFS];    // send buffer: the request to complete
    uint32_t addr[SOCK_NBUFS];  // UDP receive: sender; UDP send: destination
    uint16_t port[SOCK_NBUFS];
    uint8_t is_sendto[SOCK_NBUFS];
    int32_t free_rx[SOCK_RX_BUFS];
    uint32_t nfree_rx;
    uint32_t nsocks;
};

// Forgets every socket; receive buffers free, send buffers the app's.
void nssock_tab_reset(struct nssock_tab *t, uint32_t epoch);
// A new socket of proto; SOCK_OK and *handle, or SOCK_ENOMEM (table full).
int nssock_tab_open(struct nssock_tab *t, uint8_t proto, uint32_t *handle);
// The socket a handle names, or NULL (unknown slot, stale generation).
struct nssock_sock *nssock_tab_get(struct nssock_tab *t, uint32_t handle);
uint32_t nssock_tab_handle(const struct nssock_tab *t, const struct nssock_sock *s);
// Frees a slot: queued and half-filled receive buffers go back to the free
// list; buffers the app holds stay with it (it may still return them).
void nssock_tab_close(struct nssock_tab *t, struct nssock_sock *s);

// Receive: true if s may take n more buffers now.
bool nssock_tab_rx_room(const struct nssock_tab *t, const struct nssock_sock *s, uint32_t n);
// Takes a free receive buffer for s (its state FILL), or NSSOCK_NONE.
int32_t nssock_tab_rx_take(struct nssock_tab *t, struct nssock_sock *s);
// Queues a filled buffer (len bytes) for its SOCK_EV_DATA.
void nssock_tab_rx_queue(struct nssock_tab *t, struct nssock_sock *s, int32_t b, uint32_t len);
// The next queued buffer of s, now lent to the app, or NSSOCK_NONE.
int32_t nssock_tab_rx_pop(struct nssock_tab *t, struct nssock_sock *s);
// RECV_DONE: the app gives back the buffer at off for handle. SOCK_OK with
// *len (the length the stack lent, not the app's word) and *s (NULL if the
// socket is closed), or SOCK_EBADBUF.
int nssock_tab_rx_done(struct nssock_tab *t, uint32_t handle, uint64_t off, uint32_t *len,
                       struct nssock_sock **s);

// SEND: takes the app's send buffer at off for s; SOCK_OK or SOCK_EBADBUF
// (not a send buffer, or one the stack holds already).
int nssock_tab_tx_queue(struct nssock_tab *t, struct nssock_sock *s, uint64_t off, uint32_t len,
                        uint32_t id);
// The first queued send buffer of s, or NSSOCK_NONE.
int32_t nssock_tab_tx_front(const struct nssock_tab *t, const struct nssock_sock *s);
// Takes the first queued send buffer off the queue and gives it back to the app.
int32_t nssock_tab_tx_pop(struct nssock_tab *t, struct nssock_sock *s);

#endif
