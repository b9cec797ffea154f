// SPDX-License-Identifier: MIT
// The block service of the NVMe driver: per client, take requests from its
// request ring, check each private copy (blk_req_check: decode, no side
// effects), turn the good ones into NVMe commands on the I/O queue pair of the
// client's core (shared with the other clients of that core; each client may
// have at most its share of the queue in flight, so none starves another)
// with PRPs that point straight into the client's pool (zero copy),
// answer the bad ones at once with their error status, and turn device
// completions into block completions (device errors as BLK_S_EIO with the
// device's status). A request is taken only when its completion is sure to
// fit. Each command carries a deadline the tick checks (nvme_io_expired).
// Not here: queue mechanics (nvme_queue.c), controller set-up (nvme_ctrl.c).
#include "drivers/nvme/nvme_var.h"
#include "lib/comp.h"
#include "lib/rw.h"

static void post(struct nvme_client *c, uint64_t id, int status, uint16_t dev)
{
    struct blk_cpl e = {.id = id, .status = status, .dev_status = dev};
    if (blk_put(&c->side.cpl, &e)) // room was checked before the request was taken
        c->posted = true;
}

static int free_slot(struct nvme_ioq *q)
{
    for (int i = 0; i < (int)NVME_IOQ_DEPTH - 1; i++) {
        if (!q->slot[i].busy)
            return i;
    }
    return -1;
}

// Fills the data part of e (PRPs, LBA, count) for a read or write.
static int data_cmd(struct nvme *n, struct nvme_ioq *q, struct nvme_client *c,
                    const struct blk_req *r, int cid, struct nvme_sqe *e)
{
    struct nvme_prp p;
    uint32_t len = r->nblocks << n->lba_shift;
    uint64_t *list = q->prp + (size_t)cid * (NVME_PRP_LIST_BYTES / 8);
    uint64_t list_phys = q->prp_phys + (uint64_t)cid * NVME_PRP_LIST_BYTES;
    if (nvme_prp_build(c->pool_phys + r->offset, len, NVME_PAGE_SHIFT, list, list_phys, &p) !=
        NVME_PRP_OK)
        return BLK_S_EOFFSET;
    e->prp1 = p.prp1;
    e->prp2 = p.prp2;
    e->cdw10 = (uint32_t)r->lba;
    e->cdw11 = (uint32_t)(r->lba >> 32);
    e->cdw12 = r->nblocks - 1;
    bool fua = (r->flags & BLK_F_FUA) || !n->write_through;
    if (r->op == BLK_OP_WRITE && fua)
        e->cdw12 |= NVME_RW_FUA;
    return BLK_S_OK;
}

// Builds and queues the command for client ci's checked request; a status
// if it cannot.
static int submit(struct nvme *n, struct nvme_ioq *q, uint32_t ci, const struct blk_req *r)
{
    struct nvme_client *c = &n->cl[ci];
    int cid = free_slot(q);
    if (cid < 0)
        return BLK_S_ENODEV; // cannot happen: inflight was checked
    struct nvme_sqe e = {.cid = (uint16_t)cid, .nsid = NVME_NSID};
    int st = BLK_S_OK;
    switch (r->op) {
    case BLK_OP_READ: e.opcode = NVME_CMD_READ; break;
    case BLK_OP_WRITE: e.opcode = NVME_CMD_WRITE; break;
    case BLK_OP_FLUSH: e.opcode = NVME_CMD_FLUSH; break;
    default: e.opcode = NVME_CMD_TEST_BAD; break;
    }
    if (r->op != BLK_OP_FLUSH)
        st = data_cmd(n, q, c, r, cid, &e);
    if (st != BLK_S_OK)
        return st;
    q->slot[cid] =
        (struct nvme_slot){true, (uint8_t)ci, r->op, r->id, rw_now_ns() + NVME_CMD_TIMEOUT};
    c->inflight++;
    q->inflight++;
    q->commands++;
    n->writes_sent += r->op == BLK_OP_WRITE;
    nvme_q_push(&q->q, &e);
    return BLK_S_OK;
}

// The fault the kill/restart test injects (args crash=N): die with writes in
// flight, in the first life only.
static volatile uint32_t *volatile nowhere = (volatile uint32_t *)0xdead0000ull; // never mapped

static void maybe_crash(struct nvme *n, struct nvme_ioq *q)
{
    if (n->crash_after && n->ci->restarts == 0 && n->writes_sent >= n->crash_after) {
        rw_printf("%s: injected crash after %u writes, %u in flight on queue %u\n", n->ci->name,
                  n->writes_sent, q->inflight, q->q.qid);
        *nowhere = 0;
    }
}

// Takes client ci's requests while its share of the queue and its
// completion ring have room; the number of commands queued.
static uint32_t take(struct nvme *n, struct nvme_ioq *q, uint32_t ci, uint32_t *took)
{
    struct nvme_client *c = &n->cl[ci];
    uint32_t queued = 0;
    struct blk_req r;
    while (c->inflight < c->share && blk_room(&c->side.cpl) > c->inflight &&
           blk_get(&c->side.req, &r)) {
        (*took)++;
        int st = blk_req_check(&r, &c->geom, n->test_ops);
        if (st == BLK_S_OK)
            st = submit(n, q, ci, &r);
        if (st == BLK_S_OK) {
            queued++;
            continue;
        }
        c->side.hdr->cnt.rejected++;
        post(c, r.id, st, 0);
    }
    return queued;
}

static void count_done(struct nvme_client *c, uint16_t op, int st)
{
    struct blk_counters *k = &c->side.hdr->cnt;
    if (st != BLK_S_OK)
        k->dev_errors++;
    else if (op == BLK_OP_READ)
        k->reads++;
    else if (op == BLK_OP_WRITE)
        k->writes++;
    else if (op == BLK_OP_FLUSH)
        k->flushes++;
}

// Completions of queue q back to the clients whose commands they end.
static uint32_t reap(struct nvme *n, struct nvme_ioq *q)
{
    uint32_t got = 0;
    struct nvme_cqe e;
    while (nvme_q_pop(&q->q, &e)) {
        got++;
        struct nvme_slot *s = e.cid < NVME_IOQ_DEPTH ? &q->slot[e.cid] : 0;
        if (!s || !s->busy || s->client >= n->ncl) {
            q->q.bad_cqes++; // the device named no command of ours: drop it
            continue;
        }
        struct nvme_client *c = &n->cl[s->client];
        uint16_t err = (uint16_t)NVME_CQE_ERR(e.status);
        int st = err ? BLK_S_EIO : BLK_S_OK;
        count_done(c, s->op, st);
        post(c, s->req_id, st, err);
        s->busy = false;
        c->inflight--;
        q->inflight--;
    }
    if (got)
        nvme_q_done(&q->q);
    return got;
}

// One round on queue pair q: its completions, then its clients' requests
// (one doorbell for all of them), then the completion rings published.
uint32_t nvme_io_round(struct nvme *n, struct nvme_ioq *q)
{
    uint32_t work = reap(n, q), queued = 0;
    uint32_t qi = (uint32_t)(q - n->ioq);
    for (uint32_t i = 0; i < n->ncl; i++) {
        if (n->cl[i].qi == qi)
            queued += take(n, q, i, &work);
    }
    if (queued) {
        nvme_q_doorbell(&q->q);
        maybe_crash(n, q);
    }
    for (uint32_t i = 0; i < n->ncl; i++) {
        if (n->cl[i].qi == qi && n->cl[i].posted)
            blk_publish(&n->cl[i].side.cpl);
    }
    return work;
}

void nvme_io_signal(struct nvme_client *c)
{
    if (c->posted && blk_should_signal(&c->side.cpl))
        comp_signal(c->chan);
    c->posted = false;
}

// Before sleeping: ask the client for a signal and re-check. True if a
// request arrived meanwhile. A client at its share of the queue waits for the
// device's completion interrupt (or the tick), not for its own signal.
bool nvme_io_arm(struct nvme *n, struct nvme_client *c)
{
    (void)n;
    if (c->inflight >= c->share || blk_room(&c->side.cpl) <= c->inflight)
        return false;
    return !blk_request_signal(&c->side.req);
}

bool nvme_io_expired(struct nvme *n, uint64_t now)
{
    for (uint32_t i = 0; i < n->nq; i++) {
        for (uint32_t s = 0; s < NVME_IOQ_DEPTH; s++) {
            if (n->ioq[i].slot[s].busy && now > n->ioq[i].slot[s].deadline_ns)
                return true;
        }
    }
    return false;
}

// After a controller reset: every command in flight ends with status.
void nvme_io_fail_all(struct nvme *n, int status)
{
    for (uint32_t i = 0; i < n->nq; i++) {
        struct nvme_ioq *q = &n->ioq[i];
        for (uint32_t s = 0; s < NVME_IOQ_DEPTH; s++) {
            if (!q->slot[s].busy || q->slot[s].client >= n->ncl)
                continue;
            struct nvme_client *c = &n->cl[q->slot[s].client];
            post(c, q->slot[s].req_id, status, 0);
            q->slot[s].busy = false;
            c->side.hdr->cnt.timeouts += status == BLK_S_ETIMEDOUT;
        }
        q->inflight = 0;
    }
    for (uint32_t i = 0; i < n->ncl; i++) {
        struct nvme_client *c = &n->cl[i];
        c->inflight = 0;
        if (c->posted)
            blk_publish(&c->side.cpl);
        nvme_io_signal(c);
    }
}
