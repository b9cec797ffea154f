// SPDX-License-Identifier: MIT
// The application side of a socket region (shm/sock.h): what a component that
// uses the network stack's TCP and UDP links. It runs the start/restart
// handshake, numbers requests, keeps the free list of send buffers (a send's
// completion gives its buffer back here), validates every event's buffer
// before handing out a pointer, and signals the stack once per batch. It
// does not block on its own: the app's loop stays an event loop,
//   for (;;) { while (sock_app_next(a, &ev)) handle(&ev); sock_app_wait(a, t); }
// and every request helper returns the request's id (0: not queued, the ring
// is full or the stack is not attached), to be matched with its SOCK_EV_CPL.
#ifndef NET_SOCK_APP_H
#define NET_SOCK_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/comp.h"
#include "shm/sock.h"

// Library-local event, never on a ring: the rings are (again) usable after a
// start or a stack restart; every handle from before is gone.
#define SOCK_EV_UP 0xf0

struct sock_app {
    const struct comp_info *ci;
    const struct comp_region *r;
    const struct comp_channel *to_stack;
    struct sock_side sd;
    bool up;          // attached for gen under epoch
    bool asked;       // app_gen bumped, waiting for ack_gen
    uint32_t gen;     // our app_gen
    uint32_t epoch;   // stack_epoch we attached under
    uint32_t next_id; // request ids, never 0
    bool unsignalled; // requests published since the last signal
    uint32_t ntx;     // free send buffers
    uint32_t tx[SOCK_TX_BUFS];
    uint8_t tx_free[SOCK_TX_BUFS]; // 1 = on the free list (catches a duplicate give-back)
    uint64_t bad_events;           // events naming a buffer that is not a valid one
    uint32_t ups;                  // SOCK_EV_UP delivered
};

// Finds region and channel `name` (the same label); 0, or -1 if either is missing.
int sock_app_init(struct sock_app *a, const struct comp_info *ci, const char *name);
// The next event, or false. Drives the handshake and notices a restarted stack.
bool sock_app_next(struct sock_app *a, struct sock_msg *ev);
// Signals the stack if it asked (one signal per batch of requests).
void sock_app_flush(struct sock_app *a);
// Flushes, asks for a signal and sleeps in comp_wait unless an event is there.
void sock_app_wait(struct sock_app *a, uint64_t timeout_ns);

// Queues a request (m->id is set here); returns the id, or 0.
uint32_t sock_app_request(struct sock_app *a, struct sock_msg *m);
uint32_t sock_open(struct sock_app *a, uint8_t proto);
uint32_t sock_bind(struct sock_app *a, uint32_t sock, uint32_t addr, uint16_t port);
uint32_t sock_listen(struct sock_app *a, uint32_t sock);
uint32_t sock_connect(struct sock_app *a, uint32_t sock, uint32_t addr, uint16_t port);
// Sends len bytes of the send buffer at off (from sock_tx_get); it comes back
// to the free list with the completion.
uint32_t sock_send(struct sock_app *a, uint32_t sock, uint64_t off, uint32_t len);
uint32_t sock_sendto(struct sock_app *a, uint32_t sock, uint64_t off, uint32_t len, uint32_t addr,
                     uint16_t port);
uint32_t sock_recv_done(struct sock_app *a, uint32_t sock, uint64_t off);
uint32_t sock_shutdown(struct sock_app *a, uint32_t sock);
uint32_t sock_close(struct sock_app *a, uint32_t sock, uint8_t flags);

// A free send buffer (its offset in *off), or NULL.
uint8_t *sock_tx_get(struct sock_app *a, uint64_t *off);
// Gives back a send buffer taken but not sent.
void sock_tx_put(struct sock_app *a, uint64_t off);
// The data of a SOCK_EV_DATA event, or NULL if its buffer is not a receive buffer.
const uint8_t *sock_data(struct sock_app *a, const struct sock_msg *ev);
// One of the stack's counters for this app (enum sock_counter).
uint64_t sock_app_counter(const struct sock_app *a, uint32_t i);

#endif
