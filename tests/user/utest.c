// SPDX-License-Identifier: MIT
// Ring-3 kernel tests, run as the first process of a test ISO (init=utest.elf).
// Each case prints "UTEST PASS name" or "UTEST FAIL name: why"; the verdict
// goes to QEMU through SYS_TEST_EXIT. Child processes are this same image
// started with a role (roles.c, fuzz.c).
#include "lib/rw.h"
#include "lib/spawn.h"
#include "lib/string.h"
#include "tests/user/utest.h"

#define PINGPONG_CROSS 1000000
#define PINGPONG_SAME  100000

static const struct boot_modules *boot;
uint32_t self_image;
uint32_t ncpus;
uint32_t platform;
static int failures;

static uint32_t module(const char *name)
{
    for (uint32_t i = 0; i < boot->count; i++) {
        if (strcmp(boot->mod[i].name, name) == 0)
            return boot->mod[i].handle;
    }
    return 0;
}

// Starts a child playing a role; grant[] handles are granted first and their
// numbers in the child replace p1/p2 when the matching flag is set.
int child(uint32_t cpu, uint32_t role, uint32_t p1, uint32_t p2, uint32_t p3, int grant1,
          int grant2, struct spawn *sp)
{
    int s = spawn_prepare(self_image, "utest-child", sp);
    if (s != RW_OK)
        return s;
    uint32_t theirs = 0;
    if (grant1 && (s = rw_grant(sp->proc, p1, RIGHTS_ALL, &theirs)) == RW_OK)
        p1 = theirs;
    if (s == RW_OK && grant2 && (s = rw_grant(sp->proc, p2, RIGHTS_ALL, &theirs)) == RW_OK)
        p2 = theirs;
    if (s == RW_OK)
        s = spawn_start(sp, cpu, 16, utest_arg(role, p1, p2, p3));
    return s;
}

// Waits until the child's process has ended and returns its status.
int reap(struct spawn *sp, struct proc_status *st)
{
    uint32_t n = 0;
    uint64_t bits = 0;
    int s = rw_ntfn_create(&n);
    if (s == RW_OK)
        s = rw_proc_watch(sp->proc, n, 1);
    if (s == RW_OK)
        s = rw_wait(n, 20 * SEC, &bits);
    if (s == RW_OK)
        s = rw_proc_status(sp->proc, st);
    rw_close(n);
    rw_close(sp->thread);
    rw_close(sp->proc);
    return s;
}

static int test_processes_on_every_cpu(void)
{
    uint32_t n = 0;
    CHECK(rw_ntfn_create(&n) == RW_OK, "ntfn");
    struct spawn sp[16];
    for (uint32_t c = 0; c < ncpus; c++)
        CHECK(child(c, ROLE_CPU, c, n, 0, 0, 1, &sp[c]) == RW_OK, "spawn on cpu %u", c);
    uint64_t want = (1ull << ncpus) - 1, got = 0, bits = 0;
    while (got != want && rw_wait(n, 10 * SEC, &bits) == RW_OK)
        got |= bits;
    CHECK(got == want, "CPUs reported %lx, wanted %lx", (unsigned long)got, (unsigned long)want);
    for (uint32_t c = 0; c < ncpus; c++) {
        struct proc_status st;
        CHECK(reap(&sp[c], &st) == RW_OK && st.state == PROC_EXITED && st.exit_code == 0,
              "child %u state %u", c, st.state);
    }
    rw_close(n);
    return 0;
}

// Ping-pong between this thread (CPU 0) and a child on `cpu`; no wait may
// time out, so a lost wake-up fails the test.
static int pingpong(uint32_t cpu, uint32_t rounds, const char *what)
{
    uint32_t ping = 0, pong = 0;
    CHECK(rw_ntfn_create(&ping) == RW_OK && rw_ntfn_create(&pong) == RW_OK, "ntfn");
    struct spawn sp;
    CHECK(child(cpu, ROLE_PONG, ping, pong, rounds, 1, 1, &sp) == RW_OK, "spawn");
    struct kstats k0, k1;
    rw_kstats(&k0);
    uint64_t bits = 0, t0 = rw_now_ns();
    for (uint32_t i = 0; i < rounds; i++) {
        rw_signal(ping, 1);
        CHECK(rw_wait(pong, 5 * SEC, &bits) == RW_OK, "round %u: lost wake-up", i);
    }
    uint64_t ns = rw_now_ns() - t0;
    rw_kstats(&k1);
    uint64_t loads = k1.root_loads - k0.root_loads;
    rw_printf("utest: notification ping-pong %s: %u round trips, %lu ns/rt, %lu CR3 loads\n", what,
              rounds, (unsigned long)(ns / rounds), (unsigned long)loads);
    // Across cores each side sleeps in its idle loop between rounds and wakes
    // to the same process: the idle loop keeps its address space, so almost
    // no round trip loads a CR3 (on one core each one loads two).
    if (cpu != 0)
        CHECK(loads < rounds / 100, "%lu CR3 loads in %u cross-core round trips",
              (unsigned long)loads, rounds);
    struct proc_status st;
    CHECK(reap(&sp, &st) == RW_OK && st.state == PROC_EXITED && st.exit_code == 0,
          "ponger ended in state %u code %ld", st.state, (long)st.exit_code);
    rw_close(ping);
    rw_close(pong);
    return 0;
}

static int test_pingpong_cross_core(void)
{
    return pingpong(ncpus > 1 ? 1 : 0, PINGPONG_CROSS, ncpus > 1 ? "cross-core" : "same-core");
}

static int test_pingpong_same_core(void)
{
    return pingpong(0, PINGPONG_SAME, "same-core");
}

static int test_channel_passes_handles(void)
{
    uint32_t a = 0, b = 0, mem = 0;
    CHECK(rw_chan_create(&a, &b) == RW_OK, "chan");
    CHECK(rw_mem_create(4096, 0, &mem) == RW_OK, "mem");
    CHECK(rw_map(HANDLE_SELF_PROC, mem, 0x21000000, PROT_READ | PROT_WRITE) == RW_OK, "map");
    struct chan_msg m = {.words = {UTEST_CHAN_MAGIC, 0x1234}, .handles = {b}, .nhandles = 1};
    CHECK(rw_chan_send(a, &m) == RW_EPERM, "a channel end must not travel over a channel");
    struct chan_msg none;
    CHECK(rw_chan_recv(a, &none, 1000000) == RW_ETIMEDOUT, "empty channel");
    struct spawn sp;
    CHECK(child(ncpus - 1, ROLE_CHAN, b, 0, 0, 1, 0, &sp) == RW_OK, "spawn");
    rw_close(b); // the child holds the only copy of its end now
    m.handles[0] = mem;
    CHECK(rw_chan_send(a, &m) == RW_OK, "send");
    uint64_t info;
    CHECK(rw_handle_info(mem, &info) == RW_EBADH, "the handle moved to the child");
    struct chan_msg r;
    CHECK(rw_chan_recv(a, &r, 10 * SEC) == RW_OK && r.words[0] == UTEST_CHAN_MAGIC + 1, "reply");
    CHECK(*(volatile uint64_t *)0x21000000 == (0x1234 ^ 0xffff), "child wrote through the handle");
    struct proc_status st;
    CHECK(reap(&sp, &st) == RW_OK && st.state == PROC_EXITED && st.exit_code == 0, "child");
    CHECK(rw_chan_recv(a, &r, 1000000) == RW_EDEAD, "peer gone");
    CHECK(rw_unmap(HANDLE_SELF_PROC, 0x21000000) == RW_OK, "unmap");
    rw_close(a);
    return 0;
}

struct utest_case {
    const char *name;
    int (*fn)(void);
};

static const struct utest_case cases[] = {
    {"processes_on_every_cpu", test_processes_on_every_cpu},
    {"bad_syscalls_named_errors", test_bad_syscalls},
    {"rights_enforced", test_rights_enforced},
    {"channel_passes_handles", test_channel_passes_handles},
    {"timers_and_timeouts", test_timers},
    {"irq_ioapic_rtc", test_irq_rtc},
    {"irq_msi_edu", test_irq_msi},
    {"bar_lookup_leaves_device_alone", test_bar_lookup_quiet},
    {"fault_isolated", test_fault_isolated},
    {"preemption_and_shootdown", test_preemption_and_shootdown},
    {"cpu_time_accounted", test_cpu_time_accounted},
    {"pingpong_same_core", test_pingpong_same_core},
    {"pingpong_cross_core_1M", test_pingpong_cross_core},
    {"fuzz_every_cpu_no_leak", test_fuzz_every_cpu},
};

int main(uint64_t arg)
{
    if (arg != UTEST_BOOTINFO_VA)
        return utest_child(arg);
    boot = (const struct boot_modules *)arg;
    platform = boot->platform;
    self_image = module("utest.elf");
    ncpus = ((const struct kinfo *)USER_KINFO_VA)->ncpus;
    rw_printf("utest: %u CPUs, image handle %u\n", ncpus, self_image);
    // "utest.only=NAME" on the kernel command line runs the cases containing NAME
    const char *only = strstr(boot->cmdline, "utest.only=");
    char want[32] = {0};
    for (int i = 0; only && only[11 + i] && only[11 + i] != ' ' && i < 31; i++)
        want[i] = only[11 + i];
    int ran = 0;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (want[0] && !strstr(cases[i].name, want))
            continue;
        ran++;
        uint64_t t0 = rw_now_ns();
        int bad = cases[i].fn();
        failures += bad != 0;
        rw_printf("UTEST %s %s (%lu ms)\n", bad ? "FAIL" : "PASS", cases[i].name,
                  (unsigned long)((rw_now_ns() - t0) / 1000000));
    }
    rw_printf("utest summary: pass=%d fail=%d\n", ran - failures, failures);
    rw_test_exit(failures != 0);
}
