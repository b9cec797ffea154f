// SPDX-License-Identifier: MIT
// Shared by the ring-3 kernel tests: the roles a child process can play and
// how a role and its parameters are packed into the start-up argument.
#ifndef RW_UTEST_H
#define RW_UTEST_H

#include <stdint.h>

enum utest_role {
    ROLE_CPU = 1, // p1 expected CPU, p2 notification: report where it runs
    ROLE_PONG,    // p1 ping ntfn, p2 pong ntfn, p3 round trips
    ROLE_FAULT,   // p1 kind of fault
    ROLE_RIGHTS,  // p1 a handle number that is not ours
    ROLE_CHAN,    // p1 channel end
    ROLE_FUZZ,    // p1 seed, p3 number of system calls
    ROLE_SPIN,    // loop forever
    ROLE_COUNT,   // p1 memory object, p2 slot: map it, count in the slot forever
    ROLE_BARS,    // p1 PCI function, p3 times: ask the kernel for its BAR 0 again and again
};

enum utest_fault { FAULT_PAGE, FAULT_GP, FAULT_UD, FAULT_DIV, FAULT_KINDS };

#define UTEST_FAULT_ADDR  0xdeadbeefull
#define UTEST_CHAN_MAGIC  0x43484e4cull
#define UTEST_BOOTINFO_VA 0x10000000ull
#define UTEST_SHARED_VA   0x26000000ull

// role (8 bits) | p1 (8) | p2 (8) | p3 (32)
static inline uint64_t utest_arg(uint32_t role, uint32_t p1, uint32_t p2, uint32_t p3)
{
    return role | (p1 & 0xff) << 8 | (p2 & 0xff) << 16 | (uint64_t)p3 << 24;
}

struct spawn;
struct proc_status;

int utest_child(uint64_t arg);
void utest_fuzz(uint32_t seed, uint32_t calls);

// The test driver (utest.c, utest_hw.c).
extern uint32_t self_image, ncpus, platform;
int child(uint32_t cpu, uint32_t role, uint32_t p1, uint32_t p2, uint32_t p3, int grant1,
          int grant2, struct spawn *sp);
int reap(struct spawn *sp, struct proc_status *st);
int test_bad_syscalls(void);
int test_rights_enforced(void);
int test_timers(void);
int test_irq_rtc(void);
int test_irq_msi(void);
int test_bar_lookup_quiet(void);
int test_fault_isolated(void);
int test_fuzz_every_cpu(void);
int test_preemption_and_shootdown(void);
int test_cpu_time_accounted(void);

#define SEC        1000000000ull
#define FUZZ_CALLS 100000

// Fails the current test case with a message naming the line.
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rw_printf("UTEST CHECK %s:%d: %s: ", __func__, __LINE__, #cond);                       \
            rw_printf(__VA_ARGS__);                                                                \
            rw_printf("\n");                                                                       \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#endif
