// SPDX-License-Identifier: MIT
// Ring-3 kernel tests, second half: argument checking, rights, timers,
// interrupts (IOAPIC line and MSI), fault isolation and the fuzzer.
#include "lib/rw.h"
#include "lib/spawn.h"
#include "lib/string.h"
#include "tests/user/utest.h"

int test_bad_syscalls(void)
{
    static char buf[64];
    uint32_t n = 0, m = 0;
    CHECK(rw_syscall(9999, 0, 0, 0, 0, 0, 0).status == RW_ENOSYS, "unknown number");
    CHECK(rw_syscall(SYS_COUNT, 0, 0, 0, 0, 0, 0).status == RW_ENOSYS, "one past the end");
    CHECK(rw_close(0) == RW_EBADH && rw_close(300) == RW_EBADH && rw_close(77) == RW_EBADH,
          "closing nothing");
    CHECK(rw_ntfn_create(&n) == RW_OK && rw_mem_create(4096, 0, &m) == RW_OK, "create");
    uint64_t bits = 0;
    CHECK(rw_wait(m, 0, &bits) == RW_ETYPE, "wait on a memory object");
    CHECK(rw_wait(n, 1000, &bits) == RW_ETIMEDOUT, "nothing signalled");
    CHECK(rw_debug_write((const char *)0xffff800000001000ull, 8) == RW_EFAULT, "kernel pointer");
    CHECK(rw_debug_write((const char *)0x50000000, 8) == RW_EFAULT, "unmapped pointer");
    CHECK(rw_kstats((struct kstats *)USER_KINFO_VA) == RW_EFAULT, "read-only page");
    CHECK(rw_proc_create(buf, 0, &m) == RW_EINVAL, "empty name");
    CHECK(rw_map(HANDLE_SELF_PROC, m, 0xffff800000000000ull, PROT_READ) == RW_EINVAL, "kernel va");
    CHECK(rw_map(HANDLE_SELF_PROC, m, 0x22000001, PROT_READ) == RW_EINVAL, "unaligned va");
    CHECK(rw_map(HANDLE_SELF_PROC, m, 0x22000000, PROT_WRITE | PROT_EXEC | PROT_READ) == RW_EINVAL,
          "W+X");
    CHECK(rw_map(HANDLE_SELF_PROC, m, 0x400000, PROT_READ) == RW_EEXIST, "over our own code");
    CHECK(rw_unmap(HANDLE_SELF_PROC, 0x400000) == RW_EPERM, "loader mappings are pinned");
    CHECK(rw_mem_create(0, 0, &m) == RW_EINVAL && rw_mem_create(1ull << 40, 0, &m) == RW_EINVAL,
          "sizes");
    CHECK(rw_proc_load(HANDLE_SELF_PROC, self_image, 0) == RW_EPERM, "reload ourselves");
    CHECK(rw_sleep(1ull << 62) == RW_EINVAL, "absurd sleep");
    rw_close(n);
    return 0;
}

int test_rights_enforced(void)
{
    uint32_t mem = 0, ro = 0, n = 0, sig = 0, io = 0, dev = 0;
    CHECK(rw_mem_create(4096, 0, &mem) == RW_OK, "mem");
    CHECK(rw_dup(mem, RIGHT_READ, &ro) == RW_OK, "dup");
    CHECK(rw_map(HANDLE_SELF_PROC, ro, 0x23000000, PROT_READ | PROT_WRITE) == RW_EPERM,
          "writable map of a read-only handle");
    CHECK(rw_map(HANDLE_SELF_PROC, ro, 0x23000000, PROT_READ) == RW_OK, "read-only map");
    CHECK(rw_dup(ro, RIGHTS_ALL, &mem) == RW_EPERM, "no DUP right left");
    CHECK(rw_ntfn_create(&n) == RW_OK && rw_dup(n, RIGHT_SIGNAL, &sig) == RW_OK, "ntfn dup");
    uint64_t bits = 0;
    CHECK(rw_wait(sig, 0, &bits) == RW_EPERM, "signal-only handle cannot wait");
    CHECK(rw_signal(sig, 1) == RW_OK && rw_wait(n, 0, &bits) == RW_OK && bits == 1, "signal");
    CHECK(rw_plat_mmio(platform, 0x100000, 4096, &dev) == RW_EPERM, "RAM is not MMIO");
    CHECK(rw_plat_mmio(platform, 0xfee00000, 4096, &dev) == RW_EPERM, "the LAPIC is the kernel's");
    CHECK(rw_plat_ioport(platform, 0xcf8, 8, &io) == RW_EPERM, "PCI config ports");
    CHECK(rw_plat_ioport(platform, 0x70, 2, &io) == RW_OK, "RTC ports");
    uint32_t v;
    CHECK(rw_io_read(io, 0x71, 1, &v) == RW_OK && rw_io_read(io, 0x72, 1, &v) == RW_EPERM,
          "port outside the range");
    CHECK(rw_plat_mmio(platform, 0xfeb00000, 4096, &dev) == RW_OK, "device MMIO");
    CHECK(rw_map(HANDLE_SELF_PROC, dev, 0x24000000, PROT_READ | PROT_EXEC) == RW_EPERM,
          "MMIO is never executable");
    struct spawn sp;
    CHECK(child(0, ROLE_RIGHTS, dev, 0, 0, 0, 0, &sp) == RW_OK, "spawn");
    struct proc_status st;
    CHECK(reap(&sp, &st) == RW_OK, "reap");
    CHECK(st.state == PROC_FAULTED && st.fault_addr == 0xfee00000ull,
          "child without the handle: state %u code %ld addr %lx", st.state, (long)st.exit_code,
          (unsigned long)st.fault_addr);
    rw_unmap(HANDLE_SELF_PROC, 0x23000000);
    rw_close(ro);
    rw_close(n);
    rw_close(sig);
    rw_close(io);
    rw_close(dev);
    return 0;
}

int test_timers(void)
{
    uint64_t t0 = rw_now_ns();
    CHECK(rw_sleep(20000000) == RW_OK, "sleep");
    uint64_t slept = rw_now_ns() - t0;
    CHECK(slept >= 20000000 && slept < 2 * SEC, "slept %lu ns", (unsigned long)slept);
    uint32_t n = 0, tm = 0;
    CHECK(rw_ntfn_create(&n) == RW_OK && rw_timer_create(n, 4, &tm) == RW_OK, "timer");
    CHECK(rw_timer_set(tm, rw_now_ns() + 1000000, 1000000) == RW_OK, "periodic 1 ms");
    uint64_t bits = 0;
    t0 = rw_now_ns();
    for (int i = 0; i < 10; i++)
        CHECK(rw_wait(n, SEC, &bits) == RW_OK && bits == 4, "tick %d", i);
    uint64_t took = rw_now_ns() - t0;
    CHECK(took >= 8000000, "10 ticks of 1 ms took %lu ns", (unsigned long)took);
    CHECK(rw_timer_set(tm, 0, 0) == RW_OK, "cancel");
    rw_wait(n, 0, &bits);
    t0 = rw_now_ns();
    CHECK(rw_wait(n, 30000000, &bits) == RW_ETIMEDOUT, "cancelled timer is silent");
    CHECK(rw_now_ns() - t0 >= 30000000, "the wait lasted until its deadline");
    rw_close(tm);
    rw_close(n);
    return 0;
}

// The CMOS RTC's periodic interrupt on ISA IRQ 8, through the IOAPIC.
int test_irq_rtc(void)
{
    uint32_t io = 0, irq = 0, n = 0, v;
    CHECK(rw_plat_ioport(platform, 0x70, 2, &io) == RW_OK, "RTC ports");
    CHECK(rw_plat_irq(platform, 8, &irq) == RW_OK, "IRQ 8");
    uint32_t again = 0;
    CHECK(rw_plat_irq(platform, 8, &again) == RW_EBUSY, "one owner per line");
    CHECK(rw_ntfn_create(&n) == RW_OK && rw_irq_bind(irq, n, 1 << 5) == RW_OK, "bind");
    rw_io_write(io, 0x70, 1, 0x8a);
    rw_io_read(io, 0x71, 1, &v);
    rw_io_write(io, 0x70, 1, 0x8a);
    rw_io_write(io, 0x71, 1, (v & 0xf0) | 6); // 1024 Hz
    rw_io_write(io, 0x70, 1, 0x8b);
    rw_io_read(io, 0x71, 1, &v);
    rw_io_write(io, 0x70, 1, 0x8b);
    rw_io_write(io, 0x71, 1, v | 0x40); // periodic interrupt enable
    uint64_t bits = 0;
    int got = 0;
    for (int i = 0; i < 8; i++) {
        if (rw_wait(n, 2 * SEC, &bits) != RW_OK || bits != (1 << 5))
            break;
        rw_io_write(io, 0x70, 1, 0x0c); // reading C re-arms the RTC
        rw_io_read(io, 0x71, 1, &v);
        rw_irq_ack(irq);
        got++;
    }
    rw_io_write(io, 0x70, 1, 0x8b);
    rw_io_read(io, 0x71, 1, &v);
    rw_io_write(io, 0x70, 1, 0x8b);
    rw_io_write(io, 0x71, 1, v & ~0x40u);
    rw_close(irq);
    rw_close(io);
    rw_close(n);
    CHECK(got == 8, "received %d of 8 RTC interrupts", got);
    return 0;
}

// Finds QEMU's edu device (1234:11e8) on bus 0.
static uint32_t find_edu(void)
{
    for (uint32_t dev = 0; dev < 32; dev++) {
        uint32_t h = 0, id = 0;
        if (rw_plat_pci(platform, dev << 3, &h) != RW_OK)
            continue;
        if (rw_pci_read(h, 0, 4, &id) == RW_OK && id == 0x11e81234)
            return h;
        rw_close(h);
    }
    return 0;
}

static uint32_t find_cap(uint32_t pci, uint32_t id)
{
    uint32_t p = 0, v = 0;
    rw_pci_read(pci, 0x34, 1, &p);
    for (int i = 0; i < 48 && p; i++) {
        rw_pci_read(pci, p, 2, &v);
        if ((v & 0xff) == id)
            return p;
        p = v >> 8;
    }
    return 0;
}

// An MSI from the edu device: program its MSI capability with the message
// the kernel allocated, raise the interrupt through the device's BAR.
int test_irq_msi(void)
{
    uint32_t pci = find_edu(), bar = 0, irq = 0, n = 0, addr, data, ctl = 0;
    CHECK(pci != 0, "no edu device (QEMU -device edu)");
    uint32_t cap = find_cap(pci, 5);
    CHECK(cap != 0, "edu has no MSI capability");
    CHECK(rw_pci_write(pci, 0x10, 4, 0) == RW_EPERM, "BARs are the kernel's");
    CHECK(rw_pci_bar(pci, 0, &bar) == RW_OK, "BAR0");
    CHECK(rw_map(HANDLE_SELF_PROC, bar, 0x25000000, PROT_READ | PROT_WRITE) == RW_OK, "map BAR0");
    volatile uint32_t *regs = (volatile uint32_t *)0x25000000;
    CHECK((regs[0] & 0xff) == 0xed || regs[0] >> 16 == 0x0100, "edu id %x", regs[0]);
    CHECK(rw_pci_msi(pci, 0, &irq) == RW_OK && rw_irq_msg(irq, &addr, &data) == RW_OK, "msi");
    CHECK(rw_ntfn_create(&n) == RW_OK && rw_irq_bind(irq, n, 1 << 9) == RW_OK, "bind");
    uint32_t cmd = 0;
    rw_pci_read(pci, 4, 2, &cmd);
    rw_pci_write(pci, 4, 2, cmd | 0x6); // memory decode, bus master (MSI is a DMA write)
    rw_pci_read(pci, cap + 2, 2, &ctl);
    rw_pci_write(pci, cap + 4, 4, addr);
    uint32_t data_off = (ctl & 0x80) ? 12 : 8;
    if (ctl & 0x80)
        rw_pci_write(pci, cap + 8, 4, 0);
    rw_pci_write(pci, cap + data_off, 2, data);
    rw_pci_write(pci, cap + 2, 2, (ctl & ~0x70u) | 1); // one vector, enabled
    uint64_t bits = 0;
    int got = 0;
    for (int i = 0; i < 5; i++) {
        regs[0x60 / 4] = 1u << i; // raise
        if (rw_wait(n, 2 * SEC, &bits) != RW_OK || bits != (1 << 9))
            break;
        regs[0x64 / 4] = 1u << i; // acknowledge
        got++;
    }
    rw_pci_write(pci, cap + 2, 2, ctl & ~1u);
    rw_unmap(HANDLE_SELF_PROC, 0x25000000);
    rw_close(irq);
    rw_close(bar);
    rw_close(pci);
    rw_close(n);
    CHECK(got == 5, "received %d of 5 MSIs", got);
    return 0;
}

// Handing out a BAR must not disturb the device: BARs are sized at boot, not
// by turning decoding off when a driver asks (kernel/device.c). A child on
// another CPU asks for the edu BAR over and over while we use the device's
// liveness register (it returns the complement of what was written); with
// decoding toggled underneath, reads come back all-ones or QEMU crashes.
int test_bar_lookup_quiet(void)
{
    uint32_t pci = find_edu(), bar = 0, bad = 0, n = 0, cmd = 0;
    CHECK(pci != 0, "no edu device (QEMU -device edu)");
    CHECK(rw_pci_bar(pci, 0, &bar) == RW_OK, "BAR0");
    CHECK(rw_map(HANDLE_SELF_PROC, bar, 0x25000000, PROT_READ | PROT_WRITE) == RW_OK, "map BAR0");
    rw_pci_read(pci, 4, 2, &cmd);
    rw_pci_write(pci, 4, 2, cmd | 0x2); // memory decode
    volatile uint32_t *regs = (volatile uint32_t *)0x25000000;
    struct spawn sp;
    CHECK(child(ncpus > 1 ? 1 : 0, ROLE_BARS, pci, 0, 20000, 1, 0, &sp) == RW_OK, "spawn");
    struct proc_status st = {0};
    for (uint32_t v = 1; rw_proc_status(sp.proc, &st) == RW_OK && st.state == PROC_RUNNING; v++) {
        regs[0x04 / 4] = v;
        bad += regs[0x04 / 4] != ~v;
        n++;
    }
    CHECK(reap(&sp, &st) == RW_OK && st.state == PROC_EXITED && st.exit_code == 0,
          "child: state %u code %ld", st.state, (long)st.exit_code);
    rw_unmap(HANDLE_SELF_PROC, 0x25000000);
    rw_close(bar);
    rw_close(pci);
    CHECK(bad == 0, "%u of %u liveness checks failed", bad, n);
    return 0;
}

int test_fault_isolated(void)
{
    static const uint64_t vectors[FAULT_KINDS] = {14, 13, 6, 0};
    struct spawn spin, sp;
    CHECK(child(ncpus > 1 ? 1 : 0, ROLE_SPIN, 0, 0, 0, 0, 0, &spin) == RW_OK, "spinner");
    for (uint32_t k = 0; k < FAULT_KINDS; k++) {
        CHECK(child(ncpus - 1, ROLE_FAULT, k, 0, 0, 0, 0, &sp) == RW_OK, "spawn");
        struct proc_status st;
        CHECK(reap(&sp, &st) == RW_OK, "reap");
        CHECK(st.state == PROC_FAULTED && st.fault_vector == vectors[k],
              "kind %u: state %u vector %lu", k, st.state, (unsigned long)st.fault_vector);
        if (k == FAULT_PAGE)
            CHECK(st.fault_addr == UTEST_FAULT_ADDR, "addr %lx", (unsigned long)st.fault_addr);
    }
    struct proc_status st;
    CHECK(rw_proc_status(spin.proc, &st) == RW_OK && st.state == PROC_RUNNING,
          "a sibling kept running");
    CHECK(rw_proc_kill(spin.proc) == RW_OK, "kill");
    CHECK(reap(&spin, &st) == RW_OK && st.state == PROC_KILLED, "killed: %u", st.state);
    return 0;
}

// Kernel memory and object counts, waiting briefly for deferred reaping.
static int stats_equal(const struct kstats *a)
{
    struct kstats b;
    for (int i = 0; i < 100; i++) {
        rw_kstats(&b);
        if (a->free_pages == b.free_pages && a->live_objects == b.live_objects &&
            a->kobjects == b.kobjects && a->table_pages == b.table_pages)
            return 1;
        rw_sleep(10000000);
    }
    rw_printf("utest: heap pages %lu before, %lu after\n", (unsigned long)a->heap_pages,
              (unsigned long)b.heap_pages);
    rw_printf("utest: kstats before: free %lu heap %lu objs %lu tables %lu\n",
              (unsigned long)a->free_pages, (unsigned long)a->live_objects,
              (unsigned long)a->kobjects, (unsigned long)a->table_pages);
    rw_printf("utest: kstats after:  free %lu heap %lu objs %lu tables %lu\n",
              (unsigned long)b.free_pages, (unsigned long)b.live_objects, (unsigned long)b.kobjects,
              (unsigned long)b.table_pages);
    for (int t = 1; t < OBJ_TYPES; t++) {
        if (a->objects[t] != b.objects[t])
            rw_printf("utest: objects of type %d: %lu before, %lu after\n", t,
                      (unsigned long)a->objects[t], (unsigned long)b.objects[t]);
    }
    return 0;
}

int test_fuzz_every_cpu(void)
{
    struct spawn sp[16];
    uint32_t n = 0;
    CHECK(rw_ntfn_create(&n) == RW_OK, "ntfn");
    struct kstats before, after;
    rw_kstats(&before);
    for (uint32_t c = 0; c < ncpus; c++) {
        CHECK(child(c, ROLE_FUZZ, 0x40 + c, 0, FUZZ_CALLS, 0, 0, &sp[c]) == RW_OK, "spawn");
        CHECK(rw_proc_watch(sp[c].proc, n, 1ull << c) == RW_OK, "watch");
    }
    uint64_t want = (1ull << ncpus) - 1, got = 0, bits = 0;
    while (got != want && rw_wait(n, 300 * SEC, &bits) == RW_OK)
        got |= bits;
    CHECK(got == want, "fuzzers ended: %lx of %lx", (unsigned long)got, (unsigned long)want);
    for (uint32_t c = 0; c < ncpus; c++) {
        struct proc_status st;
        CHECK(rw_proc_status(sp[c].proc, &st) == RW_OK && st.state == PROC_EXITED,
              "fuzzer %u ended in state %u (vector %lu rip %lx)", c, st.state,
              (unsigned long)st.fault_vector, (unsigned long)st.fault_rip);
        rw_close(sp[c].thread);
        rw_close(sp[c].proc);
    }
    rw_kstats(&after);
    rw_printf("utest: fuzzers made %lu system calls\n",
              (unsigned long)(after.syscalls - before.syscalls));
    CHECK(after.syscalls - before.syscalls >= (uint64_t)ncpus * FUZZ_CALLS * 3 / 4, "calls made");
    CHECK(stats_equal(&before), "free pages and objects returned to their starting values");
    rw_close(n);
    return 0;
}

// Two counters on one core at one priority must both advance (the LAPIC timer
// preempts); then the page is unmapped from one of them while it runs on
// another CPU, and its very next write must fault (TLB shootdown by IPI).
int test_preemption_and_shootdown(void)
{
    uint32_t mem = 0, cpu = ncpus > 1 ? 1 : 0;
    CHECK(rw_mem_create(4096, 0, &mem) == RW_OK, "mem");
    CHECK(rw_map(HANDLE_SELF_PROC, mem, UTEST_SHARED_VA, PROT_READ | PROT_WRITE) == RW_OK, "map");
    volatile uint64_t *count = (volatile uint64_t *)UTEST_SHARED_VA;
    struct spawn a, b;
    CHECK(child(cpu, ROLE_COUNT, mem, 0, 0, 1, 0, &a) == RW_OK, "counter 0");
    CHECK(child(cpu, ROLE_COUNT, mem, 1, 0, 1, 0, &b) == RW_OK, "counter 1");
    rw_sleep(300000000);
    uint64_t a0 = count[0], b0 = count[1];
    rw_sleep(300000000);
    CHECK(a0 > 0 && b0 > 0 && count[0] > a0 && count[1] > b0,
          "round robin: counters %lu then %lu, %lu then %lu", (unsigned long)a0,
          (unsigned long)count[0], (unsigned long)b0, (unsigned long)count[1]);
    // alone on its CPU, A is never switched out, so only an IPI flushes its TLB
    struct proc_status st;
    rw_proc_kill(b.proc);
    CHECK(reap(&b, &st) == RW_OK && st.state == PROC_KILLED, "kill");
    uint64_t a1 = count[0];
    rw_sleep(50000000);
    CHECK(count[0] > a1, "the counter runs alone");
    CHECK(rw_unmap(a.proc, UTEST_SHARED_VA) == RW_OK, "unmap from the running child");
    CHECK(reap(&a, &st) == RW_OK && st.state == PROC_FAULTED && st.fault_addr == UTEST_SHARED_VA,
          "after shootdown: state %u addr %lx", st.state, (unsigned long)st.fault_addr);
    rw_unmap(HANDLE_SELF_PROC, UTEST_SHARED_VA);
    rw_close(mem);
    return 0;
}

// Two spinners sharing one core round robin: each is charged about half the
// wall time, together all of it, and the core counts as busy throughout,
// while a core nothing runs on counts as idle.
int test_cpu_time_accounted(void)
{
    uint32_t cpu = ncpus > 1 ? 1 : 0, quiet = ncpus > 2 ? ncpus - 1 : cpu;
    struct spawn a, b;
    CHECK(child(cpu, ROLE_SPIN, 0, 0, 0, 0, 0, &a) == RW_OK, "spinner a");
    CHECK(child(cpu, ROLE_SPIN, 0, 0, 0, 0, 0, &b) == RW_OK, "spinner b");
    rw_sleep(100000000);
    struct proc_status a0, b0, a1, b1;
    struct kstats k0, k1;
    CHECK(rw_kstats(&k0) == RW_OK && rw_proc_status(a.proc, &a0) == RW_OK &&
              rw_proc_status(b.proc, &b0) == RW_OK,
          "first sample");
    rw_sleep(500000000);
    CHECK(rw_kstats(&k1) == RW_OK && rw_proc_status(a.proc, &a1) == RW_OK &&
              rw_proc_status(b.proc, &b1) == RW_OK,
          "second sample");
    uint64_t wall = k1.uptime_ns - k0.uptime_ns, da = a1.cpu_ns - a0.cpu_ns,
             db = b1.cpu_ns - b0.cpu_ns, busy = k1.cpu[cpu].busy_ns - k0.cpu[cpu].busy_ns;
    rw_printf("utest: cpu time over %lu us: spinners %lu + %lu us, core %u busy %lu us\n",
              (unsigned long)(wall / 1000), (unsigned long)(da / 1000), (unsigned long)(db / 1000),
              cpu, (unsigned long)(busy / 1000));
    CHECK(da > wall * 3 / 10 && db > wall * 3 / 10, "each spinner gets a share");
    CHECK(da + db > wall * 9 / 10 && da + db < wall * 11 / 10, "together: %lu of %lu ns",
          (unsigned long)(da + db), (unsigned long)wall);
    CHECK(busy > wall * 95 / 100 && busy < wall * 105 / 100, "core busy %lu of %lu ns",
          (unsigned long)busy, (unsigned long)wall);
    if (quiet != cpu)
        CHECK(k1.cpu[quiet].idle_ns - k0.cpu[quiet].idle_ns > wall * 9 / 10, "quiet core idle");
    struct proc_status st;
    rw_proc_kill(a.proc);
    rw_proc_kill(b.proc);
    CHECK(reap(&a, &st) == RW_OK && st.cpu_ns >= a1.cpu_ns, "a's time kept after it ended");
    CHECK(reap(&b, &st) == RW_OK && st.cpu_ns >= b1.cpu_ns, "b's time kept after it ended");
    return 0;
}
