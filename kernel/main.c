// SPDX-License-Identifier: MIT
// Kernel entry after boot.S: bring up the console, this CPU, memory, ACPI and
// the interrupt controllers, the other CPUs, and then the first process (init,
// or the process named by "init=" on the command line), which receives the
// platform capability and the boot modules. Test builds may instead run the
// in-kernel test named by "test=".
#include "kernel/acpi.h"
#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/boot.h"
#include "kernel/device.h"
#include "kernel/elf.h"
#include "kernel/heap.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/memobj.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/uapi/status.h"
#include "kernel/vm.h"
#include "lib/string.h"

#include "version.h" // generated: RW_VERSION

#define INIT_STACK_SIZE  (64 * 1024)
#define INIT_BOOTINFO_VA 0x10000000ull
#define INIT_PRIORITY    31 // the supervisor must run even when a component on its core spins

struct memobj *kinfo_obj;
void thread_fpu_init(void);

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
    if (strcmp(name, "user") == 0)
        return; // the process named by init= reports the verdict
    kerr("test: unknown test '%s'", name);
    test_verdict(1);
}
#endif

static void platform_init(void)
{
    if (!acpi_init())
        panic("acpi: no usable MADT (RSDP missing from multiboot2?)");
    apic_init_bsp(acpi.lapic_phys);
    cpus[0].apic_id = lapic_id();
    for (uint32_t i = 0; i < acpi.nioapics; i++)
        ioapic_add(acpi.ioapics[i].phys, acpi.ioapics[i].gsi_base);
    clock_init(apic_tsc_hz());
    if (memobj_create(PAGE_SIZE, 0, &kinfo_obj) != RW_OK)
        panic("boot: no memory for the kinfo page");
}

// Gives init the platform root and every boot module, listed at INIT_BOOTINFO_VA.
static uint64_t grant_boot_caps(struct process *p)
{
    struct memobj *page;
    if (memobj_create(PAGE_SIZE, 0, &page) != RW_OK)
        panic("boot: no memory for init's start-up block");
    struct boot_modules *bm = phys_to_virt(page->base ? page->base : memobj_page(page, 0));
    struct device *plat = device_create(OBJ_PLATFORM, 0, 0);
    if (!plat)
        panic("boot: no memory for the platform capability");
    bm->platform = cap_install(&p->caps, &plat->obj, RIGHTS_ALL);
    memcpy(bm->cmdline, boot_info.cmdline, sizeof(bm->cmdline));
    kobj_put(&plat->obj);
    for (uint32_t i = 0; i < boot_info.nmodules && i < BOOT_MODULES_MAX; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        struct memobj *mo = memobj_borrow(m->start, m->end - m->start);
        if (!mo)
            panic("boot: no memory for module objects");
        memcpy(bm->mod[i].name, m->name, sizeof(bm->mod[i].name) - 1);
        bm->mod[i].handle = cap_install(&p->caps, &mo->obj, RIGHT_READ | RIGHT_DUP | RIGHT_GRANT);
        bm->mod[i].size = (uint32_t)(m->end - m->start);
        kobj_put(&mo->obj);
        bm->count++;
    }
    if (as_map(p, &page->obj, INIT_BOOTINFO_VA, PROT_READ, true) != RW_OK)
        panic("boot: cannot map init's start-up block");
    kobj_put(&page->obj);
    return INIT_BOOTINFO_VA;
}

static void start_init(void)
{
    char name[BOOT_NAME_MAX] = "init.elf";
    boot_cmdline_value("init", name, sizeof(name));
    const struct boot_module *m = boot_find_module(name);
    if (!m) {
        kwarn("boot: no '%s' module; nothing to run", name);
        return;
    }
    struct process *p;
    struct memobj *img = memobj_borrow(m->start, m->end - m->start), *stack;
    uint64_t entry;
    if (!img || process_create(name, &p) != RW_OK || elf_load(p, img, &entry) != RW_OK)
        panic("boot: cannot load '%s'", name);
    kobj_put(&img->obj);
    if (memobj_create(INIT_STACK_SIZE, 0, &stack) != RW_OK ||
        as_map(p, &stack->obj, USER_STACK_TOP - INIT_STACK_SIZE, PROT_READ | PROT_WRITE, true))
        panic("boot: cannot give '%s' a stack", name);
    kobj_put(&stack->obj);
    uint64_t arg = grant_boot_caps(p);
    struct thread *t;
    if (thread_create_user(p, entry, USER_STACK_TOP, arg, 0, INIT_PRIORITY, &t) != RW_OK)
        panic("boot: cannot create the first thread");
    kobj_put(&p->obj); // the thread keeps it alive
    kinfo("boot: started '%s' (pid %u)", name, p->pid);
    sched_wake(t);
}

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
    arch_cpu_setup();
    thread_fpu_init();
    platform_init();
    pci_init(); // before the other CPUs start: see device.c
    sched_init_cpu(&cpus[0]);
    cpus[0].online = true;
    smp_start();
    clock_fill_kinfo(phys_to_virt(memobj_page(kinfo_obj, 0)));
    log_modules();
#ifdef RINGWALL_TEST
    run_boot_test();
#endif
    start_init();
    kinfo("ringwall: kernel ready, %u CPUs", cpu_count);
    sched_idle_loop();
}
