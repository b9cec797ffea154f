// SPDX-License-Identifier: MIT
// The init server: the first process. For now it announces itself and lists
// the boot modules it was handed; creating the components described by the
// appliance configuration comes with the system-composition work.
#include "lib/rw.h"

int main(const struct boot_modules *bm)
{
    rw_printf("init: running on CPU %u, %u boot modules\n", rw_cpu_id(), bm->count);
    for (uint32_t i = 0; i < bm->count; i++)
        rw_printf("init:   %s (%u bytes, handle %u)\n", bm->mod[i].name, bm->mod[i].size,
                  bm->mod[i].handle);
    for (;;) {
        uint32_t n = 0;
        uint64_t bits = 0;
        if (rw_ntfn_create(&n) != RW_OK)
            rw_panic("init: no notification\n");
        rw_wait(n, TIMEOUT_NEVER, &bits);
    }
}
