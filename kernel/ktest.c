// SPDX-License-Identifier: MIT
// Runner for in-kernel test cases (see ktest.h). Only linked into test builds.
#include "kernel/ktest.h"

#include "kernel/log.h"

extern const struct ktest __ktests_start[], __ktests_end[];

bool ktest_check(struct ktest_ctx *t, bool ok, const char *what, const char *file, int line)
{
    if (!ok) {
        t->failures++;
        kprintf("KTEST CHECK %s: %s:%d: %s\n", t->name, file, line, what);
    }
    return ok;
}

int ktest_run_all(void)
{
    int passed = 0, failed = 0;
    for (const struct ktest *k = __ktests_start; k < __ktests_end; k++) {
        struct ktest_ctx t = {k->name, 0};
        k->fn(&t);
        if (t.failures) {
            failed++;
            kprintf("KTEST FAIL %s\n", k->name);
        } else {
            passed++;
            kprintf("KTEST PASS %s\n", k->name);
        }
    }
    kprintf("ktest summary: pass=%d fail=%d\n", passed, failed);
    return failed;
}
