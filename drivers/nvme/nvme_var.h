// SPDX-License-Identifier: MIT
// State of one NVMe driver instance (OpenBSD's _var.h: driver state, kept
// apart from the hardware layouts in nvme_reg.h) and the functions the
// driver's files share. One process drives one controller and serves up to
// NVME_MAX_CLIENTS clients, each over its own block region (shm/blk.h), with
// one I/O queue pair per core that has clients: clients on the same core share
// their core's queue pair, each command slot naming the client it serves.
// Everything here is private to the process.
// Lock legend: none needed, one thread. [I] set at start-up, [d] device
// memory (MMIO), [q] queue memory the device reads or writes (DMA), [s] a
// client's shared region.
#ifndef RW_NVME_VAR_H
#define RW_NVME_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/nvme_prp.h"
#include "drivers/nvme/nvme_reg.h"
#include "lib/component.h"
#include "shm/blk.h"

#define NVME_MAX_CLIENTS 8u               // two channels each: COMP_MAX_CHANNELS / 2
#define NVME_MAX_QUEUES  NVME_MAX_CLIENTS // one per client core at most
#define NVME_AQ_DEPTH    32u
#define NVME_IOQ_DEPTH   64u // per queue pair; at most depth - 1 commands in flight
#define NVME_BAR_VA      0x5000000000ull
#define NVME_MS          1000000ull
#define NVME_TICK_NS     (50 * NVME_MS)    // timeout scan
#define NVME_POLL_NS     (1 * NVME_MS)     // without MSI-X: poll this often
#define NVME_CMD_TIMEOUT (10000 * NVME_MS) // an I/O command this old is lost
#define NVME_ADMIN_WAIT  (5000 * NVME_MS)  // an admin command this old is lost
#define NVME_NSID        1u

// The private queue region (args q=NAME): admin queues, Identify data, then
// per I/O queue pair its SQ, CQ and one PRP list slot per command.
#define NVME_QM_ASQ       0u
#define NVME_QM_ACQ       4096u
#define NVME_QM_IDENT     8192u
#define NVME_QM_IOQS      16384u
#define NVME_QM_SQ        0u
#define NVME_QM_CQ        4096u
#define NVME_QM_PRP       8192u
#define NVME_QM_STRIDE    (NVME_QM_PRP + NVME_IOQ_DEPTH * NVME_PRP_LIST_BYTES)
#define NVME_QM_BYTES(nq) (NVME_QM_IOQS + (nq)*NVME_QM_STRIDE)
_Static_assert(NVME_IOQ_DEPTH * sizeof(struct nvme_sqe) <= 4096, "SQ fits a page");
_Static_assert(NVME_AQ_DEPTH * sizeof(struct nvme_sqe) <= 4096, "admin SQ fits a page");

struct nvme_queue {
    struct nvme_sqe *sq;          // [q]
    volatile struct nvme_cqe *cq; // [q]
    uint64_t sq_phys, cq_phys;    // [I]
    volatile uint32_t *sq_db;     // [d] submission tail doorbell
    volatile uint32_t *cq_db;     // [d] completion head doorbell
    uint16_t qid, depth;          // [I]
    uint16_t sq_tail, cq_head;    // own indexes
    uint16_t phase;               // the phase bit a new completion carries
    uint16_t vector;              // [I] MSI-X entry
    uint64_t bit;                 // [I] notification bit of its interrupt, 0 = none
    uint64_t bad_cqes;            // completions naming no outstanding command
};

// One command slot of an I/O queue pair; the command id is the slot index.
struct nvme_slot {
    bool busy;
    uint8_t client; // index into nvme.cl: whose request this is
    uint16_t op;    // enum blk_op
    uint64_t req_id;
    uint64_t deadline_ns;
};

// One I/O queue pair: the clients of one core submit through it.
struct nvme_ioq {
    struct nvme_queue q;
    struct nvme_slot slot[NVME_IOQ_DEPTH];
    uint64_t *prp;     // [q] PRP list slots, NVME_PRP_LIST_BYTES each
    uint64_t prp_phys; // [I]
    uint32_t core;     // [I] the core its clients run on
    uint32_t nclients; // [I] clients sharing it
    uint32_t inflight; // commands in flight, all clients
    uint64_t commands; // commands submitted through it, for the report
};

struct nvme_client {
    const struct comp_region *reg;   // [I]
    const struct comp_channel *chan; // [I] OUT channel to the client
    struct blk_side side;            // [s] rings and pool
    struct blk_geom geom;            // [I] private copy: requests are checked against it
    uint64_t pool_phys;              // [I]
    uint32_t core;                   // [I] the client's core (from its channel)
    uint32_t qi;                     // [I] index into nvme.ioq
    uint32_t share;                  // [I] most commands it may have in flight
    uint32_t inflight;
    bool posted; // completions published this round
};

struct nvme {
    const struct comp_info *ci;            // [I]
    uint32_t pci, bdf, devid;              // [I]
    volatile uint8_t *regs;                // [d] BAR0
    uint64_t cap;                          // [I]
    uint32_t dstrd_bytes;                  // [I] doorbell stride
    uint64_t ready_timeout_ns;             // [I] from CAP.TO
    uint32_t msix_cap;                     // [I] config offset, 0 = none
    volatile struct nvme_msix_entry *msix; // [d]
    uint32_t msix_count;                   // [I]
    uint32_t bars_mapped;                  // [I]
    uint8_t *qmem;                         // [q] the private queue region
    uint64_t qmem_phys;                    // [I]
    struct nvme_queue aq;                  // admin queue pair
    uint16_t admin_cid;
    // namespace and controller facts (Identify)
    uint32_t lba_shift;         // [I]
    uint64_t nsze;              // [I] blocks
    uint32_t max_bytes;         // [I] largest transfer (MDTS and BLK_MAX_BYTES)
    bool vwc, write_through;    // [I] volatile cache present / switched off
    char model[41], serial[21]; // [I]
    struct nvme_client cl[NVME_MAX_CLIENTS];
    uint32_t ncl; // [I]
    struct nvme_ioq ioq[NVME_MAX_QUEUES];
    uint32_t nq;       // [I] I/O queue pairs: one per core with clients
    uint32_t nq_ctrl;  // [I] I/O queue pairs the controller allows (Number of Queues)
    uint64_t tick_bit; // [I] timer: timeouts (and polling without MSI-X)
    bool polled;       // [I] no MSI-X
    // test hooks (args): crash=N faults after the Nth write of the first
    // life; test=1 lets BLK_OP_TEST_BADCMD through
    uint32_t crash_after, writes_sent;
    bool test_ops;
};

// nvme_pci.c: identify the function, BAR0, MSI-X vectors.
int nvme_pci_probe(struct nvme *n);
int nvme_msix_setup(struct nvme *n);
// nvme_queue.c: one SQ/CQ pair.
void nvme_q_init(struct nvme *n, struct nvme_queue *q, uint16_t qid, uint16_t depth, void *sq,
                 uint64_t sq_phys, void *cq, uint64_t cq_phys);
void nvme_q_push(struct nvme_queue *q, const struct nvme_sqe *e);
void nvme_q_doorbell(struct nvme_queue *q);
bool nvme_q_pop(struct nvme_queue *q, struct nvme_cqe *out);
void nvme_q_done(struct nvme_queue *q);
// nvme_ctrl.c: reset, enable, admin commands, Identify, I/O queues.
int nvme_ctrl_disable(struct nvme *n);
int nvme_ctrl_init(struct nvme *n);
// nvme_io.c: the block service.
uint32_t nvme_io_round(struct nvme *n, struct nvme_ioq *q);
bool nvme_io_arm(struct nvme *n, struct nvme_client *c);
bool nvme_io_expired(struct nvme *n, uint64_t now);
void nvme_io_fail_all(struct nvme *n, int status);
void nvme_io_signal(struct nvme_client *c);

static inline uint32_t nvme_rd32(struct nvme *n, uint32_t off)
{
    return *(volatile uint32_t *)(n->regs + off);
}
static inline void nvme_wr32(struct nvme *n, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(n->regs + off) = v;
}
static inline void nvme_wr64(struct nvme *n, uint32_t off, uint64_t v)
{
    nvme_wr32(n, off, (uint32_t)v);
    nvme_wr32(n, off + 4, (uint32_t)(v >> 32));
}

#endif
