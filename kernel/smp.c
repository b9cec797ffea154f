// SPDX-License-Identifier: MIT
// Bringing up the application processors found in the MADT: each gets its
// per-CPU block, an idle thread whose stack the trampoline switches to, and
// INIT-SIPI-SIPI; the boot CPU waits for each to report online in turn.
#include "kernel/smp.h"

#include "kernel/acpi.h"
#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/vm.h"
#include "lib/string.h"

#define TRAMP_PHYS 0x8000

extern char tramp_start[], tramp_end[], tramp_params[];

struct tramp_params {
    uint64_t cr3, stack, entry, arg;
};

static void __attribute__((noreturn)) ap_entry(struct cpu *c)
{
    percpu_init(c, c->id, c->apic_id);
    arch_cpu_setup();
    lapic_init_cpu();
    c->current_root = vm_kernel_root;
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    sched_idle_loop();
}

static bool start_one(uint32_t apic_id)
{
    uint32_t id = cpu_count;
    struct cpu *c = &cpus[id];
    c->id = id;
    c->apic_id = apic_id;
    sched_init_cpu(c);
    struct tramp_params *tp = phys_to_virt(TRAMP_PHYS + (tramp_params - tramp_start));
    tp->cr3 = vm_kernel_root;
    tp->stack = c->idle->kstack + THREAD_KSTACK_PAGES * PAGE_SIZE;
    tp->entry = (uint64_t)ap_entry;
    tp->arg = (uint64_t)c;
    lapic_start_ap(apic_id, TRAMP_PHYS);
    for (int i = 0; i < 1000 && !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE); i++)
        udelay(1000);
    if (!c->online)
        return false;
    cpu_count++;
    return true;
}

void smp_start(void)
{
    memcpy(phys_to_virt(TRAMP_PHYS), tramp_start, tramp_end - tramp_start);
    vm_identity_map(TRAMP_PHYS, true);
    uint32_t self = lapic_id();
    for (uint32_t i = 0; i < acpi.ncpus && cpu_count < CPU_MAX; i++) {
        if (acpi.apic_ids[i] == self)
            continue;
        if (!start_one(acpi.apic_ids[i]))
            kwarn("smp: CPU with APIC id %u did not start", acpi.apic_ids[i]);
    }
    vm_identity_map(TRAMP_PHYS, false);
    kinfo("smp: %u CPUs online", cpu_count);
}
