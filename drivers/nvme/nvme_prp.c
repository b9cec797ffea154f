// SPDX-License-Identifier: MIT
// PRP construction (see nvme_prp.h). The rules (NVMe Base, "Physical Region
// Page Entry and List"): PRP1 is the first byte and may have a dword-aligned
// offset into its page; every later entry is a page base. A transfer that
// ends within the first page uses PRP1 only; one that ends within the second
// page puts that page's base in PRP2; a longer one puts the address of a PRP
// list in PRP2, holding the bases of the second and following pages.
#include "drivers/nvme/nvme_prp.h"

int nvme_prp_build(uint64_t phys, uint32_t len, uint32_t shift, uint64_t *list, uint64_t list_phys,
                   struct nvme_prp *out)
{
    uint64_t page = 1ull << shift;
    *out = (struct nvme_prp){phys, 0, 0};
    if (phys & 3 || list_phys & (NVME_PRP_LIST_BYTES - 1))
        return NVME_PRP_EALIGN;
    if (len == 0)
        return NVME_PRP_ELEN;
    uint64_t first = page - (phys & (page - 1)); // bytes PRP1 covers
    if (len <= first)
        return NVME_PRP_OK;
    uint64_t next = phys + first; // page aligned from here on
    uint64_t rest = len - first;
    uint64_t pages = (rest + page - 1) >> shift;
    if (pages == 1) {
        out->prp2 = next;
        return NVME_PRP_OK;
    }
    if (pages > NVME_PRP_LIST_MAX)
        return NVME_PRP_ELEN;
    for (uint64_t i = 0; i < pages; i++)
        list[i] = next + (i << shift);
    out->prp2 = list_phys;
    out->nlist = (uint32_t)pages;
    return NVME_PRP_OK;
}
