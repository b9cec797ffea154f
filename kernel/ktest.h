// SPDX-License-Identifier: MIT
// In-kernel test cases, compiled only into test builds (RINGWALL_TEST). A test
// is declared with KTEST(name) { ... } and checks with KEXPECT(cond); the boot
// test runner on the host reads the "KTEST PASS/FAIL" lines from the serial log.
#ifndef RW_KTEST_H
#define RW_KTEST_H

#include <stdbool.h>

struct ktest_ctx {
    const char *name;
    int failures;
};

struct ktest {
    const char *name;
    void (*fn)(struct ktest_ctx *t);
};

#define KTEST(id)                                                                                  \
    static void ktest_fn_##id(struct ktest_ctx *t);                                                \
    static const struct ktest ktest_desc_##id                                                      \
        __attribute__((section("ktests"), used, aligned(8))) = {#id, ktest_fn_##id};               \
    static void ktest_fn_##id(struct ktest_ctx *t)

#define KEXPECT(cond) ktest_check(t, (cond), #cond, __FILE__, __LINE__)

bool ktest_check(struct ktest_ctx *t, bool ok, const char *what, const char *file, int line);
// Runs every KTEST; returns the number that failed.
int ktest_run_all(void);

#endif
