// SPDX-License-Identifier: MIT
// What the child processes of the ring-3 kernel tests do (see utest.h). Each
// role is a few lines; the parent checks the outcome through notifications,
// channels and the kernel's process status.
#include "lib/rw.h"
#include "tests/user/utest.h"

static int role_cpu(uint32_t expected, uint32_t ntfn)
{
    uint32_t id = rw_cpu_id();
    rw_signal(ntfn, id == expected ? 1ull << id : 1ull << 63);
    return 0;
}

static int role_pong(uint32_t ping, uint32_t pong, uint32_t n)
{
    uint64_t bits;
    for (uint32_t i = 0; i < n; i++) {
        if (rw_wait(ping, 5000000000ull, &bits) != RW_OK)
            return 1;
        rw_signal(pong, 1);
    }
    return 0;
}

static void role_fault(uint32_t kind)
{
    switch (kind) {
    case FAULT_PAGE: *(volatile uint64_t *)UTEST_FAULT_ADDR = 1; break;
    case FAULT_GP: __asm__ volatile("hlt"); break;
    case FAULT_UD: __asm__ volatile("ud2"); break;
    default: // an explicit div: the compiler may fold a C division by zero
        __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx; div %%ecx" ::
                             : "eax", "ecx", "edx");
    }
}

// Holds no MMIO handle: mapping by someone else's handle number must fail,
// and touching the device address directly must fault.
static int role_rights(uint32_t foreign)
{
    if (rw_map(HANDLE_SELF_PROC, foreign, 0x30000000, PROT_READ | PROT_WRITE) != RW_EBADH)
        return 1;
    uint32_t plat = 0;
    if (rw_plat_mmio(foreign, 0xfeb00000, 4096, &plat) != RW_EBADH)
        return 2;
    return (int)*(volatile uint32_t *)0xfee00000ull; // LAPIC address: must fault
}

static int role_chan(uint32_t end)
{
    struct chan_msg m;
    if (rw_chan_recv(end, &m, 5000000000ull) != RW_OK || m.words[0] != UTEST_CHAN_MAGIC)
        return 1;
    if (m.nhandles != 1 ||
        rw_map(HANDLE_SELF_PROC, m.handles[0], 0x20000000, PROT_READ | PROT_WRITE) != RW_OK)
        return 2;
    *(volatile uint64_t *)0x20000000 = m.words[1] ^ 0xffff;
    struct chan_msg reply = {.words = {UTEST_CHAN_MAGIC + 1}};
    return rw_chan_send(end, &reply) == RW_OK ? 0 : 3;
}

static int role_count(uint32_t mem, uint32_t slot)
{
    if (rw_map(HANDLE_SELF_PROC, mem, UTEST_SHARED_VA, PROT_READ | PROT_WRITE) != RW_OK)
        return 1;
    volatile uint64_t *counter = (volatile uint64_t *)UTEST_SHARED_VA + slot;
    for (;;)
        (*counter)++;
}

// Asks for a BAR capability `times` times, as every starting driver does.
static int role_bars(uint32_t pci, uint32_t times)
{
    for (uint32_t i = 0; i < times; i++) {
        uint32_t h = 0;
        if (rw_pci_bar(pci, 0, &h) != RW_OK)
            return 1;
        rw_close(h);
    }
    return 0;
}

int utest_child(uint64_t arg)
{
    uint32_t role = arg & 0xff, p1 = (arg >> 8) & 0xff, p2 = (arg >> 16) & 0xff;
    uint32_t p3 = (uint32_t)(arg >> 24);
    switch (role) {
    case ROLE_CPU: return role_cpu(p1, p2);
    case ROLE_PONG: return role_pong(p1, p2, p3);
    case ROLE_FAULT: role_fault(p1); return 1;
    case ROLE_RIGHTS: return role_rights(p1);
    case ROLE_CHAN: return role_chan(p1);
    case ROLE_FUZZ: utest_fuzz(p1, p3); return 0;
    case ROLE_COUNT: return role_count(p1, p2);
    case ROLE_BARS: return role_bars(p1, p3);
    case ROLE_SPIN:
        for (;;)
            __asm__ volatile("pause");
    default: return 99;
    }
}
