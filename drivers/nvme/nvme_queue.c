// SPDX-License-Identifier: MIT
// One NVMe submission/completion queue pair as the host sees it: write
// entries at the submission tail and ring its doorbell once per batch; take
// completions while their phase bit matches the expected phase (it flips on
// each wrap), then tell the device how far we read. The queues live in the
// private queue region; entries from the device are copied once and never
// re-read. Not here: what the commands mean (nvme_ctrl.c, nvme_io.c).
#include <stdatomic.h>

#include "drivers/nvme/nvme_var.h"
#include "lib/string.h"

void nvme_q_init(struct nvme *n, struct nvme_queue *q, uint16_t qid, uint16_t depth, void *sq,
                 uint64_t sq_phys, void *cq, uint64_t cq_phys)
{
    q->sq = sq;
    q->cq = cq;
    q->sq_phys = sq_phys;
    q->cq_phys = cq_phys;
    q->qid = qid;
    q->depth = depth;
    q->sq_tail = q->cq_head = 0;
    q->phase = 1; // a fresh (zeroed) queue: the device writes phase 1 first
    memset(sq, 0, (size_t)depth * sizeof(struct nvme_sqe));
    memset((void *)cq, 0, (size_t)depth * sizeof(struct nvme_cqe));
    q->sq_db = (volatile uint32_t *)(n->regs + NVME_REG_DBS + (2u * qid) * n->dstrd_bytes);
    q->cq_db = (volatile uint32_t *)(n->regs + NVME_REG_DBS + (2u * qid + 1) * n->dstrd_bytes);
}

// Writes one entry; the caller keeps fewer than depth commands outstanding.
void nvme_q_push(struct nvme_queue *q, const struct nvme_sqe *e)
{
    q->sq[q->sq_tail] = *e;
    q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->depth);
}

void nvme_q_doorbell(struct nvme_queue *q)
{
    // The entries must be in memory before the device hears of them: x86
    // keeps stores in order, the fence keeps the compiler from moving them.
    atomic_thread_fence(memory_order_seq_cst);
    *q->sq_db = q->sq_tail;
}

// Copies the next completion out if the device has written it.
bool nvme_q_pop(struct nvme_queue *q, struct nvme_cqe *out)
{
    volatile struct nvme_cqe *e = &q->cq[q->cq_head];
    if ((e->status & NVME_CQE_PHASE) != q->phase)
        return false;
    atomic_thread_fence(memory_order_acquire); // read the entry after its phase bit
    out->dw0 = e->dw0;
    out->dw1 = e->dw1;
    out->sqhd = e->sqhd;
    out->sqid = e->sqid;
    out->cid = e->cid;
    out->status = e->status;
    if (++q->cq_head == q->depth) {
        q->cq_head = 0;
        q->phase ^= 1;
    }
    return true;
}

// Tells the device the entries popped so far are consumed.
void nvme_q_done(struct nvme_queue *q)
{
    atomic_thread_fence(memory_order_seq_cst);
    *q->cq_db = q->cq_head;
}
