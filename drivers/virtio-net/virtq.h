// SPDX-License-Identifier: MIT
// The driver side of one virtio split virtqueue (virtio 1.1, "Split
// Virtqueues"), with VIRTIO_F_EVENT_IDX or the flag-based suppression. It
// places chains of buffers, publishes them, decides whether the device must
// be notified, takes completed chains back and arms or disarms interrupts.
// Everything the device writes is input: a used entry is accepted only if its
// id is the head of a chain we have outstanding and its length is at most what
// that chain offered the device; otherwise the call fails, the error is counted
// and the caller resets the device. Chain links and tokens live in private
// arrays, never read back from the descriptor table.
// It does not touch device registers (the caller notifies and resets), does
// not allocate, and is not thread-safe: one owner per queue. Freestanding, so
// the host unit tests compile it unchanged.
#ifndef RW_VIRTQ_H
#define RW_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio-net/virtio_reg.h"

#define VIRTQ_MAX_SIZE 1024u
#define VIRTQ_MAX_SEGS 64u // descriptors in one chain
#define VIRTQ_NONE     0xffffu

enum virtq_status {
    VIRTQ_OK = 0,
    VIRTQ_EMPTY,   // nothing used
    VIRTQ_ENOSPC,  // not enough free descriptors
    VIRTQ_EINVAL,  // bad argument (size, segments)
    VIRTQ_EBADIDX, // the device's used index jumped past what is outstanding
    VIRTQ_EBADID,  // used id out of range or not an outstanding head
    VIRTQ_EBADLEN, // used length larger than the chain's device-writable bytes
};

// One buffer of a chain: device address, length, and who writes it.
struct virtq_seg {
    uint64_t addr;
    uint32_t len;
    bool device_writes;
};

// Where the three parts of a queue of `size` go in one block of memory.
struct virtq_layout {
    uint32_t desc_off, avail_off, used_off, bytes;
};

struct virtq {
    struct virtq_desc *desc;        // [I] shared with the device (it reads)
    struct virtq_avail *avail;      // [I] shared (device reads)
    struct virtq_used *used;        // [I] shared (device writes): input
    _Atomic uint16_t *used_event;   // [I] avail->ring[size]
    _Atomic uint16_t *avail_event;  // [I] used->ring[size]: input
    uint16_t size, mask;            // [I]
    bool event_idx;                 // [I]
    uint16_t avail_idx;             // [h] next avail index to fill
    uint16_t kicked_idx;            // [h] avail index at the last publish
    uint16_t last_used;             // [h] next used index to take
    uint16_t free_head;             // [h] first free descriptor, VIRTQ_NONE if none
    uint16_t nfree;                 // [h]
    uint16_t outstanding;           // [h] chains the device holds
    uint16_t next[VIRTQ_MAX_SIZE];  // [h] private chain and free-list links
    uint16_t chain[VIRTQ_MAX_SIZE]; // [h] per head: descriptors, 0 = not a live head
    uint32_t wlen[VIRTQ_MAX_SIZE];  // [h] per head: device-writable bytes offered
    uint32_t token[VIRTQ_MAX_SIZE]; // [h] per descriptor: the caller's cookie
    uint64_t errors;                // [h] device protocol violations seen
};

// Size must be a power of two, 1..VIRTQ_MAX_SIZE.
bool virtq_layout(uint32_t size, struct virtq_layout *l);
// Zeroes the queue memory at mem (laid out by virtq_layout) and resets state.
int virtq_init(struct virtq *vq, void *mem, uint32_t size, bool event_idx);
// Places a chain (not yet visible to the device); tokens[i] goes with segs[i].
int virtq_add(struct virtq *vq, const struct virtq_seg *segs, const uint32_t *tokens, uint32_t n);
// Makes every added chain visible; true if the device must be notified.
bool virtq_publish(struct virtq *vq);
// Takes one used chain: its tokens (in chain order) and the length written.
int virtq_pop(struct virtq *vq, uint32_t *tokens, uint32_t max, uint32_t *ntokens, uint32_t *len);
// True if the device has used chains we have not taken.
bool virtq_pending(struct virtq *vq);
// Asks for an interrupt once `ahead`+1 more chains are used (0: the next one),
// then re-checks: true means work already arrived (do not sleep).
bool virtq_intr_enable(struct virtq *vq, uint16_t ahead);
// Asks for no interrupts until the next virtq_intr_enable.
void virtq_intr_disable(struct virtq *vq);
// After a device reset: returns each outstanding chain's tokens through fn and
// frees every descriptor. The device must already be stopped.
void virtq_reclaim(struct virtq *vq, void (*fn)(void *ctx, uint32_t token), void *ctx);

#endif
