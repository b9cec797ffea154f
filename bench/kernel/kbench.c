// SPDX-License-Identifier: MIT
// Kernel IPC round-trip benchmark, run as the first process of the bench ISO
// (init=kbench.elf). It measures notification ping-pong and control-channel
// calls between two threads of one process and between two processes, on one
// core and across cores, and prints one line per figure:
//   ringwall ntfn-thread same-core: 1234 ns/rt (n=100000)
// bench/kernel/run.sh sets these beside the Linux peer (bench/linux-ipc).
#include "lib/rw.h"
#include "lib/spawn.h"
#include "lib/string.h"

#define ROUNDS      100000
#define BATCHES     5
#define STACK_VA    0x30000000ull
#define STACK_SIZE  (64 * 1024)
#define BOOTINFO_VA 0x10000000ull

enum { ROLE_NTFN = 1, ROLE_CHAN = 2 };

static uint32_t image;

// The echo side: answer `rounds` pings (notification or channel call).
static int echo(uint32_t role, uint32_t a, uint32_t b, uint32_t rounds)
{
    uint64_t bits;
    struct chan_msg m;
    for (uint32_t i = 0; i < rounds; i++) {
        if (role == ROLE_NTFN) {
            if (rw_wait(a, TIMEOUT_NEVER, &bits) != RW_OK)
                return 1;
            rw_signal(b, 1);
        } else {
            if (rw_chan_recv(a, &m, TIMEOUT_NEVER) != RW_OK)
                return 1;
            m.words[0]++;
            rw_chan_send(a, &m);
        }
    }
    return 0;
}

static uint64_t pack(uint32_t role, uint32_t a, uint32_t b, uint32_t rounds)
{
    return role | (uint64_t)a << 8 | (uint64_t)b << 16 | (uint64_t)rounds << 24;
}

static void thread_main(uint64_t arg)
{
    rw_exit(echo(arg & 0xff, (arg >> 8) & 0xff, (arg >> 16) & 0xff, (uint32_t)(arg >> 24)));
}

// Starts the echo side: a thread of this process, or a separate process.
static int start_echo(int as_process, uint32_t cpu, uint32_t role, uint32_t a, uint32_t b,
                      uint32_t rounds, uint32_t *proc)
{
    *proc = 0;
    if (!as_process) {
        struct thread_args ta = {(uint64_t)thread_main, STACK_VA + STACK_SIZE,
                                 pack(role, a, b, rounds), cpu, 16};
        uint32_t t = 0;
        int s = rw_thread_create(HANDLE_SELF_PROC, &ta, &t);
        rw_close(t);
        return s;
    }
    struct spawn sp;
    int s = spawn_prepare(image, "kbench-echo", &sp);
    uint32_t ta = 0, tb = 0;
    if (s == RW_OK)
        s = rw_grant(sp.proc, a, RIGHTS_ALL, &ta);
    if (s == RW_OK && role == ROLE_NTFN)
        s = rw_grant(sp.proc, b, RIGHTS_ALL, &tb);
    if (s == RW_OK)
        s = spawn_start(&sp, cpu, 16, pack(role, ta, tb, rounds));
    rw_close(sp.thread);
    *proc = sp.proc;
    return s;
}

// One ping: returns false if the echo side stopped answering.
static int ping(uint32_t role, uint32_t a, uint32_t b)
{
    uint64_t bits;
    if (role == ROLE_NTFN) {
        rw_signal(a, 1);
        return rw_wait(b, 5000000000ull, &bits) == RW_OK;
    }
    struct chan_msg m = {.words = {1}};
    return rw_chan_call(a, &m, 5000000000ull) == RW_OK && m.words[0] == 2;
}

static void sort(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static void measure(const char *name, uint32_t role, int as_process, uint32_t cpu)
{
    uint32_t a = 0, b = 0, proc = 0;
    int s = role == ROLE_NTFN ? (rw_ntfn_create(&a) | rw_ntfn_create(&b)) : rw_chan_create(&a, &b);
    uint32_t echo_end = role == ROLE_NTFN ? a : b, my_end = a;
    if (s == RW_OK)
        s = start_echo(as_process, cpu, role, echo_end, b, ROUNDS + ROUNDS / 10, &proc);
    uint64_t per[BATCHES];
    for (uint32_t i = 0; s == RW_OK && i < ROUNDS / 10; i++) // warm up
        s = ping(role, my_end, b) ? RW_OK : RW_ETIMEDOUT;
    for (int k = 0; s == RW_OK && k < BATCHES; k++) {
        uint64_t t0 = rw_now_ns();
        for (uint32_t i = 0; s == RW_OK && i < ROUNDS / BATCHES; i++)
            s = ping(role, my_end, b) ? RW_OK : RW_ETIMEDOUT;
        per[k] = (rw_now_ns() - t0) / (ROUNDS / BATCHES);
    }
    if (s == RW_OK) {
        sort(per, BATCHES);
        rw_printf("ringwall %s: %lu ns/rt (n=%u)\n", name, (unsigned long)per[BATCHES / 2], ROUNDS);
    } else {
        rw_printf("kbench: %s failed: %s\n", name, rw_status_name(s));
    }
    if (proc) {
        rw_proc_kill(proc);
        rw_close(proc);
    }
    rw_close(a);
    rw_close(b);
}

int main(uint64_t arg)
{
    if (arg != BOOTINFO_VA)
        return echo(arg & 0xff, (arg >> 8) & 0xff, (arg >> 16) & 0xff, (uint32_t)(arg >> 24));
    const struct boot_modules *bm = (const struct boot_modules *)arg;
    for (uint32_t i = 0; i < bm->count; i++) {
        if (strcmp(bm->mod[i].name, "kbench.elf") == 0)
            image = bm->mod[i].handle;
    }
    uint32_t stack = 0;
    rw_mem_create(STACK_SIZE, 0, &stack);
    rw_map(HANDLE_SELF_PROC, stack, STACK_VA, PROT_READ | PROT_WRITE);
    uint32_t other = ((const struct kinfo *)USER_KINFO_VA)->ncpus > 1 ? 1 : 0;
    rw_printf("kbench: begin\n");
    measure("ntfn-thread same-core", ROLE_NTFN, 0, 0);
    measure("ntfn-thread cross-core", ROLE_NTFN, 0, other);
    measure("ntfn-process same-core", ROLE_NTFN, 1, 0);
    measure("ntfn-process cross-core", ROLE_NTFN, 1, other);
    measure("chan-process same-core", ROLE_CHAN, 1, 0);
    measure("chan-process cross-core", ROLE_CHAN, 1, other);
    rw_printf("kbench: end\n");
    rw_test_exit(0);
}
