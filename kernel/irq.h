// SPDX-License-Identifier: MIT
// Interrupts as notifications. An IRQ object owns one vector (a legacy line
// through the IOAPIC, or an MSI/MSI-X message) and, once bound, signals bits of
// a notification when it fires. A level-triggered line stays masked from the
// interrupt until the holder acknowledges it (SYS_IRQ_ACK).
#ifndef RW_IRQ_H
#define RW_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/object.h"
#include "kernel/spinlock.h"

struct ntfn;

struct irq {
    struct kobj obj;
    uint32_t vector; // [I]
    uint32_t gsi;    // [I] legacy only
    uint32_t cpu;    // [I] CPU the interrupt is delivered to
    bool msi;        // [I]
    bool level;      // [I]
    struct spinlock lock;
    struct ntfn *ntfn; // [lock]
    uint64_t bits;     // [lock]
    uint64_t count;    // [lock] interrupts taken
};

int irq_create_legacy(uint32_t isa_or_gsi, uint32_t cpu, struct irq **out);
int irq_create_msi(uint32_t cpu, struct irq **out);
int irq_bind(struct irq *irq, struct ntfn *n, uint64_t bits);
int irq_ack(struct irq *irq);
// MSI address and data the device must be programmed with.
void irq_msi_message(const struct irq *irq, uint32_t *addr, uint32_t *data);
// Called from trap dispatch for device vectors.
void irq_dispatch(uint32_t vector);

#endif
