// SPDX-License-Identifier: MIT
// System-call fuzzer: random numbers (valid and not), random handles, pointers
// and sizes, from a seeded generator. The kernel must answer every call with a
// status and keep running; the parent then checks that every page and object
// came back. The fuzzer only avoids what would end itself: exiting, killing or
// starting threads in its own process, unmapping its own stack, unbounded
// waits (timeouts are capped at 1 ms) and console output.
#include "lib/rw.h"
#include "lib/string.h"
#include "tests/user/utest.h"

#define FUZZ_PROCS 8
// Room behind a scratch pointer for the largest structure the kernel writes
// through one, so that it never lands on the fuzzer's own variables.
#define FUZZ_ROOM  1024
_Static_assert(sizeof(struct kstats) <= FUZZ_ROOM && sizeof(struct proc_status) <= FUZZ_ROOM &&
                   sizeof(struct chan_msg) <= FUZZ_ROOM,
               "kernel-written structures fit behind a scratch pointer");

static uint64_t rng;
static uint8_t scratch[8192] __attribute__((aligned(4096)));
static uint32_t procs[FUZZ_PROCS]; // process handles this fuzzer created
static uint32_t last_handle;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t rnd_handle(void)
{
    switch (rnd() % 6) {
    case 0: return 0;
    case 1: return rnd();
    case 2: return last_handle;
    case 3: return 256 + rnd() % 1000;
    default: return rnd() % 40;
    }
}

// A process handle that is never this process itself.
static uint64_t rnd_proc(void)
{
    uint64_t h = rnd() % 3 ? procs[rnd() % FUZZ_PROCS] : rnd_handle();
    return h == HANDLE_SELF_PROC ? 0 : h;
}

static uint64_t rnd_ptr(void)
{
    switch (rnd() % 7) {
    case 0: return 0;
    case 1: return 0xffff800000000000ull + (rnd() & 0xffffffff); // kernel
    case 2: return USER_KINFO_VA + rnd() % 64;                   // read-only
    case 3: return 0x50000000 + (rnd() & 0xfffff);               // unmapped
    case 4: return rnd();
    default: return (uint64_t)scratch + rnd() % (sizeof(scratch) - FUZZ_ROOM);
    }
}

static uint64_t rnd_size(void)
{
    switch (rnd() % 5) {
    case 0: return 0;
    case 1: return rnd();
    case 2: return (rnd() % 64) * 4096;
    case 3: return 1 + rnd() % 5000;
    default: return 1ull << (rnd() % 40);
    }
}

static uint64_t rnd_any(void)
{
    switch (rnd() % 4) {
    case 0: return rnd_handle();
    case 1: return rnd_ptr();
    case 2: return rnd_size();
    default: return rnd();
    }
}

// Picks arguments shaped like what the call expects, most of the time.
static void shape_args(uint64_t n, uint64_t a[6])
{
    for (int i = 0; i < 6; i++)
        a[i] = rnd() % 4 ? rnd_any() : rnd_handle();
    switch (n) {
    case SYS_NTFN_WAIT:
    case SYS_CHAN_RECV:
    case SYS_CHAN_CALL:
        a[0] = rnd_handle();
        a[1] = n == SYS_NTFN_WAIT ? rnd() % 1000000 : rnd_ptr();
        a[2] = rnd() % 1000000;
        break;
    case SYS_SLEEP: a[0] = rnd() % 1000000; break;
    case SYS_HANDLE_DUP:
        if (a[0] == HANDLE_SELF_PROC)
            a[0] = 0;
        break;
    case SYS_HANDLE_GRANT:
    case SYS_VM_MAP:
    case SYS_VM_UNMAP:
    case SYS_PROC_LOAD:
    case SYS_PROC_KILL:
    case SYS_PROC_WATCH:
    case SYS_PROC_STATUS:
    case SYS_THREAD_CREATE:
        a[0] = rnd_proc();
        if (n == SYS_VM_MAP)
            a[2] = (rnd() & 0x7ffffffff000ull);
        if (n == SYS_THREAD_CREATE)
            a[1] = rnd_ptr();
        break;
    case SYS_MEM_CREATE: a[0] = rnd() % 3 ? rnd() % (1 << 20) : rnd_size(); break;
    case SYS_TIMER_SET: a[1] = rnd() % 2 ? rw_now_ns() + rnd() % 2000000 : rnd(); break;
    default: break;
    }
}

static void remember(uint64_t n, struct rw_result r)
{
    if (r.status != RW_OK)
        return;
    if (n == SYS_PROC_CREATE)
        procs[rnd() % FUZZ_PROCS] = (uint32_t)r.value;
    if (n == SYS_NTFN_CREATE || n == SYS_MEM_CREATE || n == SYS_PROC_CREATE ||
        n == SYS_TIMER_CREATE || n == SYS_CHAN_CREATE || n == SYS_HANDLE_DUP)
        last_handle = (uint32_t)r.value;
}

void utest_fuzz(uint32_t seed, uint32_t calls)
{
    rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 32 | seed);
    for (uint32_t i = 0; i < calls; i++) {
        uint64_t n = rnd() % (SYS_COUNT + 4);
        if (n == SYS_THREAD_EXIT || n == SYS_TEST_EXIT || n == SYS_DEBUG_WRITE)
            continue;
        uint64_t a[6];
        shape_args(n, a);
        if (rnd() % 4 == 0) // fill the scratch area the pointers may name
            memset(scratch + rnd() % 4096, (int)rnd(), 64);
        remember(n, rw_syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]));
        if ((i + 1) % 25000 == 0)
            rw_printf("fuzz %u: %u calls\n", seed, i + 1);
    }
}
