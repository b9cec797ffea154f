// SPDX-License-Identifier: MIT
// Kernel entry after boot.S: bring up the console, this CPU's descriptors, the
// memory layer, then record the boot modules for the loader. Test builds run
// the test named by "test=" on the command line and report a verdict to QEMU.
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/boot.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/vm.h"
#include "kernel/ktest.h"
#include "lib/string.h"

#ifndef RW_VERSION
#define RW_VERSION "unknown"
#endif

static void log_modules(void)
{
    for (uint32_t i = 0; i < boot_info.nmodules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        kinfo("module %u: %s at %lx, %lu bytes", i, m->name, (unsigned long)m->start,
              (unsigned long)(m->end - m->start));
    }
    if (!boot_find_module("ringwall.conf"))
        kwarn("boot: no appliance configuration module (ringwall.conf)");
}

#ifdef RINGWALL_TEST
static void __attribute__((noreturn)) test_verdict(int failures)
{
    kprintf("RINGWALL-TEST-VERDICT: %s\n", failures ? "FAIL" : "PASS");
    arch_qemu_exit(failures ? 1 : 0);
    cpu_stop();
}

static void run_boot_test(void)
{
    char name[32];
    if (!boot_cmdline_value("test", name, sizeof(name)))
        return;
    kinfo("test: running '%s'", name);
    if (strcmp(name, "ktest") == 0)
        test_verdict(ktest_run_all());
    if (strcmp(name, "fault") == 0) {
        // A deliberate kernel page fault: the exception report must appear
        // and the runner must see a failing verdict.
        volatile uint64_t *bad = (volatile uint64_t *)0xdead0000ull;
        *bad = 1;
    }
    kerr("test: unknown test '%s'", name);
    test_verdict(1);
}
#endif

void kmain(uint64_t mb2_phys)
{
    log_init();
    arch_idt_init();
    percpu_init(&cpus[0], 0, 0);
    if (!boot_parse(mb2_phys))
        panic("boot: malformed multiboot2 information");
    kprintf("\nRingwall %s (x86-64) booting, %lu MiB RAM\n", RW_VERSION,
            (unsigned long)(boot_info.ram_bytes >> 20));
    kinfo("cmdline: '%s'", boot_info.cmdline);
    pmm_init();
    vm_init();
    heap_init();
    kinfo("vm: kernel page tables active (%lu table pages)", (unsigned long)vm_table_pages());
    log_modules();
#ifdef RINGWALL_TEST
    run_boot_test();
#endif
    kinfo("ringwall: kernel ready");
    for (;;)
        cpu_halt();
}
