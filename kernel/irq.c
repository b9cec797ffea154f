// SPDX-License-Identifier: MIT
// IRQ objects (see irq.h). Each vector has its own slot lock, so the interrupt
// path and a concurrent destroy never share a lock with other vectors.
#include "kernel/irq.h"

#include "kernel/acpi.h"
#include "kernel/arch/x86_64/apic.h"
#include "kernel/heap.h"
#include "kernel/ntfn.h"
#include "kernel/percpu.h"
#include "kernel/uapi/status.h"

struct vector_slot {
    struct spinlock lock;
    struct irq *irq; // [lock]
    bool used;       // [lock] allocated to an IRQ object
};

static struct vector_slot vectors[256];
static uint32_t gsi_owner[256]; // [vectors lock of the owner] 0 = free, else vector

static int vector_alloc(void)
{
    for (int v = VEC_IRQ_BASE; v <= VEC_IRQ_LAST; v++) {
        uint64_t f = spin_lock_irq(&vectors[v].lock);
        bool free = !vectors[v].used;
        vectors[v].used = true;
        spin_unlock_irq(&vectors[v].lock, f);
        if (free)
            return v;
    }
    return -1;
}

static int irq_new(uint32_t cpu, struct irq **out)
{
    if (cpu >= cpu_count)
        return RW_EINVAL;
    int v = vector_alloc();
    if (v < 0)
        return RW_ENOMEM;
    struct irq *irq = kmalloc(sizeof(*irq));
    if (!irq) {
        vectors[v].used = false;
        return RW_ENOMEM;
    }
    kobj_init(&irq->obj, OBJ_IRQ);
    irq->vector = v;
    irq->cpu = cpu;
    irq->gsi = UINT32_MAX;
    uint64_t f = spin_lock_irq(&vectors[v].lock);
    vectors[v].irq = irq;
    spin_unlock_irq(&vectors[v].lock, f);
    *out = irq;
    return RW_OK;
}

int irq_create_legacy(uint32_t isa_or_gsi, uint32_t cpu, struct irq **out)
{
    bool level = false, low = false;
    uint32_t gsi = isa_or_gsi < 16 ? acpi_isa_gsi(isa_or_gsi, &level, &low) : isa_or_gsi;
    if (isa_or_gsi >= 16)
        level = low = true; // PCI INTx lines are level, active low
    if (gsi >= 256 || __atomic_load_n(&gsi_owner[gsi], __ATOMIC_ACQUIRE))
        return gsi >= 256 ? RW_EINVAL : RW_EBUSY;
    struct irq *irq;
    int s = irq_new(cpu, &irq);
    if (s != RW_OK)
        return s;
    uint32_t expected = 0;
    if (!__atomic_compare_exchange_n(&gsi_owner[gsi], &expected, irq->vector, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        kobj_put(&irq->obj);
        return RW_EBUSY;
    }
    irq->gsi = gsi;
    irq->level = level;
    if (ioapic_route(gsi, irq->vector, cpus[cpu].apic_id, level, low) != 0) {
        kobj_put(&irq->obj);
        return RW_EINVAL;
    }
    *out = irq;
    return RW_OK;
}

int irq_create_msi(uint32_t cpu, struct irq **out)
{
    int s = irq_new(cpu, out);
    if (s == RW_OK)
        (*out)->msi = true;
    return s;
}

int irq_bind(struct irq *irq, struct ntfn *n, uint64_t bits)
{
    if (!bits)
        return RW_EINVAL;
    kobj_get(&n->obj);
    uint64_t f = spin_lock_irq(&irq->lock);
    struct ntfn *old = irq->ntfn;
    irq->ntfn = n;
    irq->bits = bits;
    spin_unlock_irq(&irq->lock, f);
    if (old)
        kobj_put(&old->obj);
    if (!irq->msi)
        ioapic_mask(irq->gsi, false);
    return RW_OK;
}

int irq_ack(struct irq *irq)
{
    if (!irq->msi && irq->ntfn)
        ioapic_mask(irq->gsi, false);
    return RW_OK;
}

void irq_msi_message(const struct irq *irq, uint32_t *addr, uint32_t *data)
{
    *addr = 0xfee00000u | (cpus[irq->cpu].apic_id << 12);
    *data = irq->vector; // fixed delivery, edge
}

void irq_dispatch(uint32_t vector)
{
    struct vector_slot *slot = &vectors[vector & 0xff];
    spin_lock(&slot->lock);
    struct irq *irq = slot->irq;
    struct ntfn *n = 0;
    uint64_t bits = 0;
    if (irq) {
        spin_lock(&irq->lock);
        irq->count++;
        n = irq->ntfn;
        bits = irq->bits;
        if (n)
            kobj_get(&n->obj);
        spin_unlock(&irq->lock);
        if (irq->level)
            ioapic_mask(irq->gsi, true); // until the holder acknowledges
    }
    spin_unlock(&slot->lock);
    lapic_eoi();
    if (n) {
        ntfn_signal(n, bits);
        kobj_put(&n->obj);
    }
}

void irq_destroy(struct kobj *o)
{
    struct irq *irq = (struct irq *)o;
    if (!irq->msi && irq->gsi < 256 && gsi_owner[irq->gsi] == irq->vector) {
        ioapic_mask(irq->gsi, true);
        __atomic_store_n(&gsi_owner[irq->gsi], 0, __ATOMIC_RELEASE);
    }
    struct vector_slot *slot = &vectors[irq->vector];
    uint64_t f = spin_lock_irq(&slot->lock);
    slot->irq = 0;
    slot->used = false;
    spin_unlock_irq(&slot->lock, f);
    if (irq->ntfn)
        kobj_put(&irq->ntfn->obj);
    kfree(irq);
}
