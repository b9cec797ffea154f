// SPDX-License-Identifier: MIT
// Local APIC (per CPU: IPIs, EOI, one-shot timer) and IOAPIC (legacy interrupt
// lines to vectors). xAPIC MMIO mode; the timer is calibrated against the PIT
// once at boot, together with the TSC.
#ifndef RW_ARCH_APIC_H
#define RW_ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define VEC_IRQ_BASE 0x30 // device interrupts: 0x30 .. VEC_IRQ_LAST
#define VEC_IRQ_LAST 0xdf
#define VEC_TIMER    0xef
#define VEC_RESCHED  0xf0
#define VEC_TLB      0xf1
#define VEC_STOP     0xf2
#define VEC_SPURIOUS 0xff

void apic_init_bsp(uint64_t lapic_phys);
void lapic_init_cpu(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_broadcast_ipi(uint8_t vector); // all but self
void lapic_start_ap(uint32_t apic_id, uint32_t trampoline_phys);
void lapic_timer_oneshot(uint64_t ns);
void lapic_timer_stop(void);
uint64_t apic_tsc_hz(void);
void udelay(uint64_t us);

void ioapic_add(uint64_t phys, uint32_t gsi_base);
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low);
void ioapic_mask(uint32_t gsi, bool masked);

#endif
