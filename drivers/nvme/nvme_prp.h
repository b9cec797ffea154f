// SPDX-License-Identifier: MIT
// PRP construction: turns one physically contiguous buffer into the two PRP
// fields of an NVMe command and, for transfers over two memory pages, a PRP
// list. Pure arithmetic on addresses, no device access, so host unit tests
// compile it unchanged (tests/unit/nvme_prp_test.c). It does not handle
// scattered buffers or chained list pages: one list holds at most
// NVME_PRP_LIST_MAX entries, which covers the largest transfer the block
// contract allows (shm/blk.h BLK_MAX_BYTES) from any dword-aligned start.
#ifndef RW_NVME_PRP_H
#define RW_NVME_PRP_H

#include <stdint.h>

#define NVME_PRP_LIST_MAX   63u  // entries; never the last qword of a page (no chaining)
#define NVME_PRP_LIST_BYTES 512u // per command slot; 512-aligned in a page

struct nvme_prp {
    uint64_t prp1, prp2;
    uint32_t nlist; // entries written into the list (0: PRP2 is data or unused)
};

enum nvme_prp_status {
    NVME_PRP_OK = 0,
    NVME_PRP_EALIGN = -1, // buffer not dword aligned, or list not 512-aligned
    NVME_PRP_ELEN = -2,   // zero bytes, or more pages than one list holds
};

// Fills *out for len bytes at physical address phys, in pages of 1 << shift
// bytes; list (virtual) / list_phys is the command's PRP list slot.
int nvme_prp_build(uint64_t phys, uint32_t len, uint32_t shift, uint64_t *list, uint64_t list_phys,
                   struct nvme_prp *out);

#endif
