// SPDX-License-Identifier: MIT
// Hardware layouts of an NVMe 1.x controller on PCI (NVM Express Base
// Specification: "Controller Registers", "Submission Queue Entry",
// "Completion Queue Entry", "Admin Command Set", "NVM Command Set"): BAR0
// registers and their fields, the 64-byte submission and 16-byte completion
// entries, opcodes, Identify data offsets and status codes. Layouts only, with
// size checks; no state and no code (that is nvme_var.h and the .c files).
// NVMe is little-endian, as is x86-64: no byte swapping.
#ifndef RW_NVME_REG_H
#define RW_NVME_REG_H

#include <stddef.h>
#include <stdint.h>

// ---- PCI --------------------------------------------------------------------------
#define NVME_PCI_CLASS           0x010802 // mass storage, NVM, NVMe I/O controller
#define PCI_CAP_PTR              0x34
#define PCI_CAP_ID_MSIX          0x11
#define PCI_COMMAND              0x04
#define PCI_COMMAND_MEMORY       (1u << 1)
#define PCI_COMMAND_MASTER       (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

// MSI-X capability and table (PCI Local Bus 3.0).
#define MSIX_CTRL            2
#define MSIX_CTRL_ENABLE     (1u << 15)
#define MSIX_CTRL_MASKALL    (1u << 14)
#define MSIX_CTRL_SIZE(c)    (((c)&0x7ffu) + 1)
#define MSIX_TABLE           4
#define MSIX_ENTRY_CTRL_MASK 1u
struct nvme_msix_entry {
    uint32_t addr_lo;
    uint32_t addr_hi;
    uint32_t data;
    uint32_t ctrl;
};
_Static_assert(sizeof(struct nvme_msix_entry) == 16, "msix entry");

// ---- controller registers (BAR0) --------------------------------------------------
#define NVME_REG_CAP   0x00 // 64 bits
#define NVME_REG_VS    0x08
#define NVME_REG_INTMS 0x0c
#define NVME_REG_INTMC 0x10
#define NVME_REG_CC    0x14
#define NVME_REG_CSTS  0x1c
#define NVME_REG_AQA   0x24
#define NVME_REG_ASQ   0x28 // 64 bits
#define NVME_REG_ACQ   0x30 // 64 bits
#define NVME_REG_DBS   0x1000

#define NVME_CAP_MQES(c)    ((uint32_t)((c)&0xffff))         // max entries per queue, 0-based
#define NVME_CAP_CQR(c)     (((c) >> 16) & 1)                // queues must be contiguous
#define NVME_CAP_TO(c)      ((uint32_t)(((c) >> 24) & 0xff)) // ready timeout, 500 ms units
#define NVME_CAP_DSTRD(c)   ((uint32_t)(((c) >> 32) & 0xf))  // doorbell stride 4 << DSTRD
#define NVME_CAP_CSS_NVM(c) (((c) >> 37) & 1)
#define NVME_CAP_MPSMIN(c)  ((uint32_t)(((c) >> 48) & 0xf)) // 4 KiB << MPSMIN
#define NVME_CAP_MPSMAX(c)  ((uint32_t)(((c) >> 52) & 0xf))

#define NVME_CC_EN          (1u << 0)
#define NVME_CC_CSS_NVM     (0u << 4)
#define NVME_CC_MPS(shift)  ((uint32_t)((shift)-12) << 7)
#define NVME_CC_AMS_RR      (0u << 11)
#define NVME_CC_SHN_NORMAL  (1u << 14)
#define NVME_CC_SHN_MASK    (3u << 14)
#define NVME_CC_IOSQES(l2)  ((uint32_t)(l2) << 16)
#define NVME_CC_IOCQES(l2)  ((uint32_t)(l2) << 20)
#define NVME_CSTS_RDY       (1u << 0)
#define NVME_CSTS_CFS       (1u << 1)
#define NVME_CSTS_SHST_MASK (3u << 2)
#define NVME_CSTS_SHST_DONE (2u << 2)
#define NVME_AQA(sq, cq)    ((uint32_t)((sq)-1) | ((uint32_t)((cq)-1) << 16))

#define NVME_PAGE_SHIFT 12
#define NVME_PAGE_SIZE  4096u

// ---- queue entries ----------------------------------------------------------------
struct nvme_sqe {
    uint8_t opcode;
    uint8_t flags; // FUSE 1:0, PSDT 7:6 (0: PRPs)
    uint16_t cid;
    uint32_t nsid;
    uint32_t cdw2, cdw3;
    uint64_t mptr;
    uint64_t prp1, prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "submission entry");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "sqe layout");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "sqe layout");

struct nvme_cqe {
    uint32_t dw0; // command specific
    uint32_t dw1;
    uint16_t sqhd; // submission queue head
    uint16_t sqid;
    uint16_t cid;
    uint16_t status; // bit 0 phase, 8:1 SC, 11:9 SCT, 13:12 CRD, 14 M, 15 DNR
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "completion entry");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "cqe layout");

#define NVME_CQE_PHASE      1u
#define NVME_CQE_SC(s)      (((s) >> 1) & 0xffu)
#define NVME_CQE_SCT(s)     (((s) >> 9) & 0x7u)
#define NVME_CQE_DNR(s)     (((s) >> 15) & 1u)
#define NVME_CQE_ERR(s)     (((s) >> 1) & 0x7ffu) // SCT << 8 | SC, 0 = success
#define NVME_SQES_LOG2      6
#define NVME_CQES_LOG2      4
#define NVME_SC_INVALID_OPC 0x01 // generic: invalid command opcode

// ---- opcodes ----------------------------------------------------------------------
enum nvme_admin_opc {
    NVME_ADM_DELETE_SQ = 0x00,
    NVME_ADM_CREATE_SQ = 0x01,
    NVME_ADM_DELETE_CQ = 0x04,
    NVME_ADM_CREATE_CQ = 0x05,
    NVME_ADM_IDENTIFY = 0x06,
    NVME_ADM_SET_FEATURES = 0x09,
    NVME_ADM_GET_FEATURES = 0x0a,
};
enum nvme_nvm_opc {
    NVME_CMD_FLUSH = 0x00,
    NVME_CMD_WRITE = 0x01,
    NVME_CMD_READ = 0x02,
    NVME_CMD_TEST_BAD = 0x7f, // reserved in the NVM command set: the device must reject it
};

// Create I/O queue fields (cdw10: QID | QSIZE-1 << 16; cdw11 below).
#define NVME_CQ_PC          (1u << 0)
#define NVME_CQ_IEN         (1u << 1)
#define NVME_CQ_IV(v)       ((uint32_t)(v) << 16)
#define NVME_SQ_PC          (1u << 0)
#define NVME_SQ_CQID(q)     ((uint32_t)(q) << 16)
#define NVME_IDENTIFY_NS    0x00
#define NVME_IDENTIFY_CTRL  0x01
#define NVME_FEAT_VWC       0x06       // volatile write cache: cdw11 bit 0 = enable
#define NVME_FEAT_NQUEUES   0x07       // cdw11: NSQR-1 | NCQR-1 << 16
#define NVME_RW_FUA         (1u << 30) // cdw12
#define NVME_IDENTIFY_BYTES 4096u

// ---- Identify data offsets -----------------------------------------------------------
#define NVME_IDC_SN    4   // 20 bytes ASCII
#define NVME_IDC_MN    24  // 40 bytes ASCII
#define NVME_IDC_MDTS  77  // max transfer: 2^MDTS minimum pages, 0 = no limit
#define NVME_IDC_NN    516 // number of namespaces (u32)
#define NVME_IDC_VWC   525 // bit 0: volatile write cache present
#define NVME_IDN_NSZE  0   // namespace size in blocks (u64)
#define NVME_IDN_FLBAS 26  // bits 3:0 the LBA format in use
#define NVME_IDN_LBAF  128 // 16 formats of 4 bytes: MS 15:0, LBADS 23:16

#endif
