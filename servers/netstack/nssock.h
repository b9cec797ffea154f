// SPDX-License-Identifier: MIT
// The network stack's side of the socket regions (shm/sock.h): other
// components use TCP and UDP through request and event rings instead of
// living inside the stack. nssock.c runs the rings, the restart handshake and
// the request checks; nssock_lw.c does what a request asks with lwIP's raw
// API and turns lwIP's callbacks into events. A client is every region of
// ours whose name starts with "sock-", with our channel to the app labelled
// by the same name (e.g. region sock-echo, channel netstack.sock-echo -> echo).
// Without such a region none of this runs.
#ifndef NETSTACK_NSSOCK_H
#define NETSTACK_NSSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/comp.h"
#include "servers/netstack/nssock_tab.h"
#include "shm/sock.h"

#define NSSOCK_MAX_CLIENTS 4
#define NSSOCK_PREFIX      "sock-"

// One application component.
struct nssock_client {
    const struct comp_region *r;
    const struct comp_channel *to_app;
    struct sock_side sd;
    bool up;           // the rings are ours: we reset them for app_gen == gen
    uint32_t gen;      // the app_gen this instance reset the rings for, 0 = none
    uint32_t owed;     // completions owed for requests taken (room kept for them)
    bool blocked;      // events wait for room in the event ring
    bool posted;       // events published since the last signal
    uint32_t refusals; // refused requests (the first few are logged)
    struct nssock_tab tab;
    uint64_t cnt[SOCK_C_N];
};

// netstack.c: finds the clients in our regions and starts a new epoch in
// each; returns how many, or -1 on a region without its channel.
int nssock_bind(const struct comp_info *ci);
// One pass over every client: handshake, requests, events; returns work done.
uint32_t nssock_poll(void);
// Before sleeping: asks the apps for signals; true if work arrived meanwhile.
bool nssock_arm(void);

// nssock.c for nssock_lw.c.
// Posts an event that is not a completion; false (and blocked) if no room.
bool nssock_post(struct nssock_client *c, struct sock_msg *m);
// Posts the completion of request id (room was kept when it was taken).
void nssock_complete(struct nssock_client *c, uint32_t id, uint16_t op, int status,
                     const struct sock_msg *fill);

// nssock_lw.c: lwIP work for one socket. Each returns a sock_status.
int nssock_lw_open(struct nssock_client *c, struct nssock_sock *s);
int nssock_lw_bind(struct nssock_sock *s, uint32_t addr, uint16_t port);
int nssock_lw_listen(struct nssock_sock *s);
// SOCK_OK: the completion comes later (connected, refused); else at once.
int nssock_lw_connect(struct nssock_sock *s, uint32_t id, uint32_t addr, uint16_t port);
int nssock_lw_udp_send(struct nssock_client *c, struct nssock_sock *s, const struct sock_msg *m);
int nssock_lw_shutdown(struct nssock_client *c, struct nssock_sock *s);
// Releases lwIP's side (callbacks off first); abort sends a RST.
void nssock_lw_close(struct nssock_sock *s, bool abort);
void nssock_lw_recved(struct nssock_sock *s, uint32_t len);
// Hands queued sends to lwIP and completes those done (or failed).
void nssock_lw_pump(struct nssock_client *c, struct nssock_sock *s);
// Lets lwIP retry data it kept for want of a receive buffer.
void nssock_lw_retry(struct nssock_sock *s);

#endif
