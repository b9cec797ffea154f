// SPDX-License-Identifier: MIT
// The controller protocol of an NVMe 1.x device: disable (CC.EN = 0, wait for
// CSTS.RDY = 0, which also aborts every outstanding command), program the
// admin queue (AQA, ASQ, ACQ), enable and wait for ready (both bounded by
// CAP.TO), then Identify the controller and namespace 1, switch a volatile
// write cache off (write-through: an acknowledged write is on the medium), ask
// for the I/O queues and create one completion/submission pair per core
// that has clients.
// Admin commands run one at a time and are polled, with a deadline; while it
// waits the driver keeps answering init's heartbeat. Not here: I/O (nvme_io.c).
#include "drivers/nvme/nvme_var.h"
#include "lib/comp.h"
#include "lib/rw.h"
#include "lib/string.h"

static uint64_t rd_cap(struct nvme *n)
{
    return (uint64_t)nvme_rd32(n, NVME_REG_CAP) | (uint64_t)nvme_rd32(n, NVME_REG_CAP + 4) << 32;
}

// Waits until CSTS.RDY equals want, or the controller's own timeout passes.
static int wait_ready(struct nvme *n, uint32_t want)
{
    uint64_t deadline = rw_now_ns() + n->ready_timeout_ns;
    for (uint32_t i = 0;; i++) {
        uint32_t csts = nvme_rd32(n, NVME_REG_CSTS);
        if (csts == 0xffffffff)
            return RW_EDEAD; // the device is gone from the bus
        if ((csts & NVME_CSTS_RDY) == want)
            return RW_OK;
        if (want && (csts & NVME_CSTS_CFS))
            return RW_EDEAD;
        if (rw_now_ns() > deadline)
            return RW_ETIMEDOUT;
        if (i % 64 == 63)
            comp_service(n->ci);
        rw_sleep(100000);
    }
}

int nvme_ctrl_disable(struct nvme *n)
{
    n->cap = rd_cap(n);
    n->dstrd_bytes = 4u << NVME_CAP_DSTRD(n->cap);
    uint32_t to = NVME_CAP_TO(n->cap) ? NVME_CAP_TO(n->cap) : 1;
    n->ready_timeout_ns = (uint64_t)to * 500 * NVME_MS;
    uint32_t cc = nvme_rd32(n, NVME_REG_CC);
    if (cc & NVME_CC_EN)
        nvme_wr32(n, NVME_REG_CC, cc & ~NVME_CC_EN);
    return wait_ready(n, 0);
}

// Runs one admin command to completion; *cqe gets its completion.
static int admin(struct nvme *n, struct nvme_sqe *e, struct nvme_cqe *cqe)
{
    e->cid = ++n->admin_cid;
    nvme_q_push(&n->aq, e);
    nvme_q_doorbell(&n->aq);
    uint64_t deadline = rw_now_ns() + NVME_ADMIN_WAIT;
    for (uint32_t i = 0;; i++) {
        while (nvme_q_pop(&n->aq, cqe)) {
            nvme_q_done(&n->aq);
            if (cqe->cid == e->cid)
                return NVME_CQE_ERR(cqe->status) ? RW_EINVAL : RW_OK;
            n->aq.bad_cqes++;
        }
        if (rw_now_ns() > deadline)
            return RW_ETIMEDOUT;
        if (i % 256 == 255)
            comp_service(n->ci);
        rw_yield();
    }
}

static int admin_simple(struct nvme *n, uint8_t opc, uint32_t nsid, uint64_t prp1, uint32_t cdw10,
                        uint32_t cdw11, struct nvme_cqe *cqe)
{
    struct nvme_sqe e = {.opcode = opc, .nsid = nsid, .prp1 = prp1, .cdw10 = cdw10, .cdw11 = cdw11};
    int s = admin(n, &e, cqe);
    if (s != RW_OK)
        rw_printf("%s: admin opcode %x failed: %s (status %x)\n", n->ci->name, opc,
                  rw_status_name(s), NVME_CQE_ERR(cqe->status));
    return s;
}

static int enable(struct nvme *n)
{
    if (NVME_CAP_MPSMIN(n->cap) != 0 || !NVME_CAP_CSS_NVM(n->cap) ||
        NVME_CAP_MQES(n->cap) + 1u < NVME_IOQ_DEPTH)
        return RW_EINVAL; // needs 4 KiB pages, the NVM command set, deep enough queues
    uint8_t *m = n->qmem;
    nvme_q_init(n, &n->aq, 0, NVME_AQ_DEPTH, m + NVME_QM_ASQ, n->qmem_phys + NVME_QM_ASQ,
                m + NVME_QM_ACQ, n->qmem_phys + NVME_QM_ACQ);
    nvme_wr32(n, NVME_REG_AQA, NVME_AQA(NVME_AQ_DEPTH, NVME_AQ_DEPTH));
    nvme_wr64(n, NVME_REG_ASQ, n->aq.sq_phys);
    nvme_wr64(n, NVME_REG_ACQ, n->aq.cq_phys);
    nvme_wr32(n, NVME_REG_CC,
              NVME_CC_CSS_NVM | NVME_CC_MPS(NVME_PAGE_SHIFT) | NVME_CC_AMS_RR |
                  NVME_CC_IOSQES(NVME_SQES_LOG2) | NVME_CC_IOCQES(NVME_CQES_LOG2));
    nvme_wr32(n, NVME_REG_CC, nvme_rd32(n, NVME_REG_CC) | NVME_CC_EN);
    return wait_ready(n, NVME_CSTS_RDY);
}

static void copy_ascii(char *dst, const uint8_t *src, uint32_t len)
{
    memcpy(dst, src, len);
    dst[len] = 0;
    for (uint32_t i = 0; i < len; i++)
        if (dst[i] < 0x20 || dst[i] > 0x7e)
            dst[i] = '?';
    while (len && dst[len - 1] == ' ')
        dst[--len] = 0;
}

static int identify(struct nvme *n)
{
    struct nvme_cqe c;
    uint8_t *id = n->qmem + NVME_QM_IDENT;
    uint64_t pa = n->qmem_phys + NVME_QM_IDENT;
    int s = admin_simple(n, NVME_ADM_IDENTIFY, 0, pa, NVME_IDENTIFY_CTRL, 0, &c);
    if (s != RW_OK)
        return s;
    copy_ascii(n->model, id + NVME_IDC_MN, 40);
    copy_ascii(n->serial, id + NVME_IDC_SN, 20);
    uint32_t mdts = id[NVME_IDC_MDTS], nn = 0;
    memcpy(&nn, id + NVME_IDC_NN, 4);
    n->vwc = id[NVME_IDC_VWC] & 1;
    n->max_bytes = BLK_MAX_BYTES;
    if (mdts && mdts < 20 && (NVME_PAGE_SIZE << mdts) < n->max_bytes)
        n->max_bytes = NVME_PAGE_SIZE << mdts;
    if (nn < NVME_NSID)
        return RW_ENOENT;
    memset(id, 0, NVME_IDENTIFY_BYTES);
    s = admin_simple(n, NVME_ADM_IDENTIFY, NVME_NSID, pa, NVME_IDENTIFY_NS, 0, &c);
    if (s != RW_OK)
        return s;
    uint32_t lbaf = 0;
    memcpy(&n->nsze, id + NVME_IDN_NSZE, 8);
    memcpy(&lbaf, id + NVME_IDN_LBAF + 4 * (id[NVME_IDN_FLBAS] & 0xf), 4);
    n->lba_shift = (lbaf >> 16) & 0xff;
    if ((lbaf & 0xffff) || n->lba_shift < 9 || n->lba_shift > 12 || n->nsze == 0)
        return RW_EINVAL; // metadata, or a block size the pool layout does not expect
    return RW_OK;
}

// Write-through: with a volatile cache on, an acknowledged write could still
// be lost at power-off. If the cache cannot be switched off, writes use FUA.
static void cache_off(struct nvme *n)
{
    struct nvme_cqe c;
    n->write_through = !n->vwc;
    if (n->vwc && admin_simple(n, NVME_ADM_SET_FEATURES, 0, 0, NVME_FEAT_VWC, 0, &c) == RW_OK)
        n->write_through = true;
}

// Asks for n->nq queue pairs (Number of Queues) and creates them.
static int create_queues(struct nvme *n)
{
    struct nvme_cqe c;
    uint32_t nq = n->nq - 1; // 0-based
    int s = admin_simple(n, NVME_ADM_SET_FEATURES, 0, 0, NVME_FEAT_NQUEUES, nq | nq << 16, &c);
    if (s != RW_OK)
        return s;
    uint32_t nsq = (c.dw0 & 0xffff) + 1, ncq = (c.dw0 >> 16) + 1;
    n->nq_ctrl = nsq < ncq ? nsq : ncq;
    if (n->nq_ctrl < n->nq)
        return RW_ENOMEM; // fewer queue pairs than cores with clients
    for (uint32_t i = 0; i < n->nq && s == RW_OK; i++) {
        struct nvme_ioq *q = &n->ioq[i];
        uint8_t *m = n->qmem + NVME_QM_IOQS + i * NVME_QM_STRIDE;
        uint64_t pa = n->qmem_phys + NVME_QM_IOQS + i * NVME_QM_STRIDE;
        uint16_t qid = (uint16_t)(i + 1), vec = q->q.vector;
        uint64_t bit = q->q.bit;
        nvme_q_init(n, &q->q, qid, NVME_IOQ_DEPTH, m + NVME_QM_SQ, pa + NVME_QM_SQ, m + NVME_QM_CQ,
                    pa + NVME_QM_CQ);
        q->q.vector = vec;
        q->q.bit = bit;
        q->prp = (uint64_t *)(m + NVME_QM_PRP);
        q->prp_phys = pa + NVME_QM_PRP;
        uint32_t size = (uint32_t)(NVME_IOQ_DEPTH - 1) << 16;
        uint32_t ien = n->polled ? 0 : NVME_CQ_IEN | NVME_CQ_IV(vec);
        s = admin_simple(n, NVME_ADM_CREATE_CQ, 0, q->q.cq_phys, qid | size, NVME_CQ_PC | ien, &c);
        if (s == RW_OK)
            s = admin_simple(n, NVME_ADM_CREATE_SQ, 0, q->q.sq_phys, qid | size,
                             NVME_SQ_PC | NVME_SQ_CQID(qid), &c);
    }
    return s;
}

int nvme_ctrl_init(struct nvme *n)
{
    int s = nvme_ctrl_disable(n);
    if (s == RW_OK)
        s = enable(n);
    if (s == RW_OK)
        s = identify(n);
    if (s != RW_OK)
        return s;
    cache_off(n);
    return create_queues(n);
}
