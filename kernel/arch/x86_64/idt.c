// SPDX-License-Identifier: MIT
// The IDT: one gate per vector pointing at the stubs in isr.S. Double faults and
// NMIs run on a per-CPU IST stack so a blown kernel stack is still reported.
#include "kernel/arch/x86_64/arch.h"
#include "kernel/arch/x86_64/seg.h"
#include "kernel/arch/x86_64/trap.h"

struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct idt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_table[256];
static struct idt_gate idt[256];

static void idt_set(int vec, uint64_t handler, uint8_t ist, uint8_t dpl)
{
    idt[vec] = (struct idt_gate){
        .off_lo = handler & 0xffff,
        .sel = SEG_KCODE,
        .ist = ist,
        .type = 0x8e | (dpl << 5), // present, 64-bit interrupt gate
        .off_mid = (handler >> 16) & 0xffff,
        .off_hi = handler >> 32,
    };
}

void arch_idt_init(void)
{
    for (int v = 0; v < 256; v++)
        idt_set(v, isr_table[v], 0, 0);
    idt_set(TRAP_DOUBLE_FAULT, isr_table[TRAP_DOUBLE_FAULT], 1, 0);
    idt_set(TRAP_NMI, isr_table[TRAP_NMI], 1, 0);
}

void arch_idt_load(void)
{
    struct idt_ptr p = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(p));
}
