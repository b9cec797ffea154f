// SPDX-License-Identifier: MIT
// LAPIC and IOAPIC (see apic.h). Register offsets from the Intel SDM vol. 3,
// "Advanced Programmable Interrupt Controller", and the 82093AA IOAPIC sheet.
#include "kernel/arch/x86_64/apic.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "kernel/vm.h"

#define LAPIC_ID       0x020
#define LAPIC_TPR      0x080
#define LAPIC_EOI      0x0b0
#define LAPIC_SVR      0x0f0
#define LAPIC_ICR_LO   0x300
#define LAPIC_ICR_HI   0x310
#define LAPIC_LVT_TMR  0x320
#define LAPIC_TMR_INIT 0x380
#define LAPIC_TMR_CUR  0x390
#define LAPIC_TMR_DIV  0x3e0
#define LVT_MASKED     (1u << 16)

#define IOAPIC_MAX 4

struct ioapic {
    volatile uint32_t *regs;
    uint32_t gsi_base;
    uint32_t count;
    struct spinlock lock;
};

static volatile uint32_t *lapic; // [I]
static uint64_t tsc_hz;          // [I]
static uint64_t lapic_hz;        // [I] timer ticks per second at divide 16
static struct ioapic ioapics[IOAPIC_MAX];
static uint32_t nioapics;

static inline uint32_t lapic_read(uint32_t reg)
{
    return lapic[reg / 4];
}
static inline void lapic_write(uint32_t reg, uint32_t v)
{
    lapic[reg / 4] = v;
}

// Counts TSC and LAPIC ticks over 10 ms of PIT channel 2 (gated by port 0x61).
static void calibrate(void)
{
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);       // channel 2, lobyte/hibyte, mode 0
    uint16_t count = 11932; // 1193182 Hz / 100
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    lapic_write(LAPIC_TMR_DIV, 0x3); // divide by 16
    lapic_write(LAPIC_TMR_INIT, 0xffffffff);
    uint64_t t0 = rdtsc();
    outb(0x61, inb(0x61) & ~0x01); // restart the gate
    outb(0x61, inb(0x61) | 0x01);
    while (!(inb(0x61) & 0x20))
        cpu_relax();
    uint64_t t1 = rdtsc();
    uint32_t ticks = 0xffffffff - lapic_read(LAPIC_TMR_CUR);
    lapic_write(LAPIC_TMR_INIT, 0);
    tsc_hz = (t1 - t0) * 100;
    lapic_hz = (uint64_t)ticks * 100;
}

void apic_init_bsp(uint64_t lapic_phys)
{
    // the legacy PICs: remap away from exception vectors, then mask everything
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    lapic = vm_map_mmio(lapic_phys, 0x1000);
    if (!lapic)
        panic("apic: cannot map the local APIC");
    lapic_init_cpu();
    calibrate();
    kinfo("apic: TSC %lu MHz, LAPIC timer %lu kHz (div 16)", (unsigned long)(tsc_hz / 1000000),
          (unsigned long)(lapic_hz / 1000));
}

void lapic_init_cpu(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lapic_write(LAPIC_TMR_DIV, 0x3);
    lapic_write(LAPIC_LVT_TMR, LVT_MASKED | VEC_TIMER);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}
void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}
uint64_t apic_tsc_hz(void)
{
    return tsc_hz;
}

static void icr_send(uint32_t apic_id, uint32_t lo)
{
    uint64_t f = irq_save();
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, lo);
    while (lapic_read(LAPIC_ICR_LO) & (1u << 12)) // delivery pending
        cpu_relax();
    irq_restore(f);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    icr_send(apic_id, vector);
}

void lapic_broadcast_ipi(uint8_t vector)
{
    icr_send(0, (3u << 18) | vector); // shorthand: all excluding self
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + tsc_hz / 1000000 * us;
    while (rdtsc() < end)
        cpu_relax();
}

void lapic_start_ap(uint32_t apic_id, uint32_t trampoline_phys)
{
    icr_send(apic_id, 0x4500); // INIT, assert
    udelay(10000);
    for (int i = 0; i < 2; i++) { // STARTUP twice, vector = page number
        icr_send(apic_id, 0x4600 | (trampoline_phys >> 12));
        udelay(200);
    }
}

void lapic_timer_oneshot(uint64_t ns)
{
    uint64_t ticks = ns * lapic_hz / 1000000000ull;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffull)
        ticks = 0xffffffffull;
    lapic_write(LAPIC_LVT_TMR, VEC_TIMER); // one-shot, unmasked
    lapic_write(LAPIC_TMR_INIT, (uint32_t)ticks);
}

void lapic_timer_stop(void)
{
    lapic_write(LAPIC_TMR_INIT, 0);
}

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
    io->regs[0] = reg;
    return io->regs[4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
    io->regs[0] = reg;
    io->regs[4] = v;
}

void ioapic_add(uint64_t phys, uint32_t gsi_base)
{
    if (nioapics == IOAPIC_MAX)
        return;
    struct ioapic *io = &ioapics[nioapics];
    io->regs = vm_map_mmio(phys, 0x20);
    if (!io->regs)
        return;
    io->gsi_base = gsi_base;
    io->count = ((ioapic_read(io, 1) >> 16) & 0xff) + 1;
    for (uint32_t i = 0; i < io->count; i++) {
        ioapic_write(io, 0x10 + 2 * i, LVT_MASKED);
        ioapic_write(io, 0x11 + 2 * i, 0);
    }
    nioapics++;
}

static struct ioapic *ioapic_for(uint32_t gsi)
{
    for (uint32_t i = 0; i < nioapics; i++) {
        if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].count)
            return &ioapics[i];
    }
    return 0;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low)
{
    struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return -1;
    uint32_t pin = gsi - io->gsi_base;
    uint32_t lo = vector | (level ? 1u << 15 : 0) | (active_low ? 1u << 13 : 0) | LVT_MASKED;
    uint64_t f = spin_lock_irq(&io->lock);
    ioapic_write(io, 0x11 + 2 * pin, apic_id << 24);
    ioapic_write(io, 0x10 + 2 * pin, lo);
    spin_unlock_irq(&io->lock, f);
    return 0;
}

void ioapic_mask(uint32_t gsi, bool masked)
{
    struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return;
    uint32_t pin = gsi - io->gsi_base;
    uint64_t f = spin_lock_irq(&io->lock);
    uint32_t lo = ioapic_read(io, 0x10 + 2 * pin);
    ioapic_write(io, 0x10 + 2 * pin, masked ? lo | LVT_MASKED : lo & ~LVT_MASKED);
    spin_unlock_irq(&io->lock, f);
}
