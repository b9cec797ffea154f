// SPDX-License-Identifier: MIT
// The Ringwall system-call ABI, shared by the kernel and lib/rw.h.
//
// Calling convention: `syscall` with the number in rax and up to six arguments
// in rdi, rsi, rdx, r10, r8, r9. The kernel returns a status (uapi/status.h)
// in rax and, for calls that produce a value, that value in rdx. Every argument
// is checked: numbers, handles, rights, user pointers and sizes.
//
// Handles are small integers naming a slot in the calling process's handle
// table; each slot holds a reference to a kernel object and a rights mask.
// Handle 0 is never valid.
#ifndef RW_UAPI_SYSCALL_H
#define RW_UAPI_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

enum sys_number {
    SYS_DEBUG_WRITE,   // (buf, len): console output
    SYS_HANDLE_CLOSE,  // (h)
    SYS_HANDLE_DUP,    // (h, rights) -> new handle with rights & old rights
    SYS_HANDLE_INFO,   // (h) -> type | rights << 32
    SYS_HANDLE_GRANT,  // (proc, h, rights) -> handle number in proc's table
    SYS_NTFN_CREATE,   // () -> h
    SYS_NTFN_SIGNAL,   // (h, bits): OR bits into the word, never blocks
    SYS_NTFN_WAIT,     // (h, timeout_ns) -> bits (cleared); RW_ETIMEDOUT
    SYS_NTFN_POLL,     // (h) -> bits (cleared), 0 if none
    SYS_MEM_CREATE,    // (size, flags) -> h
    SYS_MEM_PHYS,      // (h) -> physical address (MEM_CONTIG objects, RIGHT_PHYS)
    SYS_VM_MAP,        // (proc, h, va, prot): map a memory object or MMIO range
    SYS_VM_UNMAP,      // (proc, va)
    SYS_IOPORT_READ,   // (h, port, width) -> value
    SYS_IOPORT_WRITE,  // (h, port, width, value)
    SYS_IRQ_BIND,      // (irq, ntfn, bit)
    SYS_IRQ_ACK,       // (irq): re-enable a level-triggered line
    SYS_PCI_READ,      // (pci, offset, width) -> value
    SYS_PCI_WRITE,     // (pci, offset, width, value)
    SYS_PCI_BAR,       // (pci, bar) -> MMIO handle for that BAR
    SYS_PCI_MSI,       // (pci, cpu) -> IRQ handle; MSI address/data via SYS_IRQ_MSG
    SYS_IRQ_MSG,       // (irq) -> MSI data | address << 32 (address low 32 bits)
    SYS_PLAT_IRQ,      // (platform, gsi) -> IRQ handle for a legacy interrupt line
    SYS_PLAT_IOPORT,   // (platform, base, count) -> I/O port range handle
    SYS_PLAT_MMIO,     // (platform, phys, size) -> MMIO handle (never RAM)
    SYS_PLAT_PCI,      // (platform, bdf) -> PCI device handle
    SYS_PROC_CREATE,   // (name, len) -> process handle
    SYS_PROC_LOAD,     // (proc, elf mem handle) -> entry point
    SYS_PROC_KILL,     // (proc)
    SYS_PROC_WATCH,    // (proc, ntfn, bit): signalled when proc faults or exits
    SYS_PROC_STATUS,   // (proc, struct proc_status *)
    SYS_THREAD_CREATE, // (proc, struct thread_args *) -> thread handle (started)
    SYS_THREAD_EXIT,   // (code): ends the calling thread
    SYS_CHAN_CREATE,   // () -> end0 | end1 << 32
    SYS_CHAN_SEND,     // (h, const struct chan_msg *)
    SYS_CHAN_RECV,     // (h, struct chan_msg *, timeout_ns)
    SYS_CHAN_BIND,     // (h, ntfn, bit): signal when a message arrives
    SYS_CHAN_CALL,     // (h, struct chan_msg *, timeout_ns): send, await reply
    SYS_TIMER_CREATE,  // (ntfn, bit) -> timer handle
    SYS_TIMER_SET,     // (h, deadline_ns, period_ns): 0 deadline cancels
    SYS_SLEEP,         // (ns)
    SYS_YIELD,         // ()
    SYS_CPU_ID,        // () -> id of the CPU the caller runs on
    SYS_KSTATS,        // (struct kstats *): kernel counters
    SYS_TEST_EXIT,     // (code): test builds only, ends QEMU with a verdict
    SYS_COUNT,
};

// Object types (SYS_HANDLE_INFO).
enum obj_type {
    OBJ_NONE,
    OBJ_PROCESS,
    OBJ_THREAD,
    OBJ_NTFN,
    OBJ_MEM,
    OBJ_MMIO,
    OBJ_IOPORT,
    OBJ_IRQ,
    OBJ_PCI,
    OBJ_CHAN,
    OBJ_TIMER,
    OBJ_PLATFORM,
    OBJ_TYPES,
};

// Rights. A duplicate or a grant can only narrow them.
#define RIGHT_READ   (1u << 0) // map readable, read ports/config, recv
#define RIGHT_WRITE  (1u << 1) // map writable, write ports/config, send
#define RIGHT_EXEC   (1u << 2) // map executable
#define RIGHT_SIGNAL (1u << 3) // signal a notification
#define RIGHT_WAIT   (1u << 4) // wait on / bind a notification
#define RIGHT_MANAGE (1u << 5) // kill, load, create threads, set timers, bind
#define RIGHT_DUP    (1u << 6) // duplicate
#define RIGHT_GRANT  (1u << 7) // pass to another process
#define RIGHT_PHYS   (1u << 8) // learn physical addresses (DMA)
#define RIGHT_DERIVE (1u << 9) // derive device capabilities (platform, PCI)
#define RIGHTS_ALL   0x3ffu

// SYS_MEM_CREATE flags
#define MEM_CONTIG (1u << 0) // physically contiguous (for DMA)

// SYS_VM_MAP prot
#define PROT_READ  (1u << 0)
#define PROT_WRITE (1u << 1)
#define PROT_EXEC  (1u << 2)

#define HANDLE_SELF_PROC 1 // every process starts with itself here
#define TIMEOUT_NEVER    UINT64_MAX
#define CHAN_WORDS       6
#define CHAN_HANDLES     4
#define PROC_NAME_MAX    24
#define USER_STACK_TOP   0x00007fffffff0000ull
#define USER_KINFO_VA    0x00007ffffffff000ull // read-only kernel info page

struct chan_msg {
    uint64_t words[CHAN_WORDS];
    uint32_t handles[CHAN_HANDLES]; // 0 = empty slot; moved on send
    uint32_t nhandles;
    uint32_t reserved;
};
_Static_assert(sizeof(struct chan_msg) == 72, "chan_msg ABI");

struct thread_args {
    uint64_t entry;
    uint64_t stack;    // initial rsp (16-byte aligned minus 8 is applied by the kernel)
    uint64_t arg;      // passed in rdi
    uint32_t cpu;      // affinity
    uint32_t priority; // 0 (lowest) .. SCHED_PRIORITIES-1
};
_Static_assert(sizeof(struct thread_args) == 32, "thread_args ABI");

#define SCHED_PRIORITIES 32

enum proc_state { PROC_RUNNING = 1, PROC_EXITED = 2, PROC_FAULTED = 3, PROC_KILLED = 4 };

struct proc_status {
    uint32_t state;
    uint32_t threads; // live threads
    uint64_t fault_vector;
    uint64_t fault_error;
    uint64_t fault_rip;
    uint64_t fault_addr; // CR2 for page faults
    int64_t exit_code;
    uint64_t cpu_ns; // time its threads ran on any core, kernel work on their behalf included
};
_Static_assert(sizeof(struct proc_status) == 56, "proc_status ABI");

// CPU time of one core since it started: busy (running a thread, the kernel
// or an interrupt) and idle (halted with nothing to run). busy + idle is the
// core's uptime.
#define KSTATS_CPUS 16
struct kstats_cpu {
    uint64_t busy_ns;
    uint64_t idle_ns;
};
_Static_assert(sizeof(struct kstats_cpu) == 16, "kstats_cpu ABI");

struct kstats {
    uint64_t free_pages;   // page allocator free + heap-cached pages
    uint64_t live_objects; // kernel heap objects
    uint64_t table_pages;  // page-table pages
    uint64_t kobjects;     // live kernel objects (all types)
    uint64_t syscalls;
    uint64_t ipis;
    uint64_t cpus;
    uint64_t objects[OBJ_TYPES];        // live kernel objects by type
    uint64_t heap_pages;                // of free_pages: pages the kernel heap holds
    uint64_t uptime_ns;                 // the monotonic clock when these were read
    uint64_t root_loads;                // CR3 loads by the scheduler (address-space switches)
    struct kstats_cpu cpu[KSTATS_CPUS]; // the first `cpus` entries are used
};
_Static_assert(sizeof(struct kstats) == 80 + 8 * OBJ_TYPES + 16 * KSTATS_CPUS, "kstats ABI");
_Static_assert(offsetof(struct kstats, cpu) == 80 + 8 * OBJ_TYPES, "kstats ABI");

// Read-only page at USER_KINFO_VA in every process: the clock and the machine.
// now_ns = ((rdtsc() - tsc_base) * tsc_mult) >> tsc_shift.
struct kinfo {
    uint64_t magic; // KINFO_MAGIC
    uint64_t tsc_base;
    uint64_t tsc_mult;
    uint32_t tsc_shift;
    uint32_t ncpus;
    uint64_t tsc_hz;
};
#define KINFO_MAGIC 0x52696e6757616c6cull // "RingWall"

// Start-up block the kernel hands init (address in rdi): boot modules as
// read-only memory object handles, and the platform capability.
#define BOOT_MODULES_MAX 32
struct boot_modules {
    uint32_t platform; // handle: OBJ_PLATFORM, all rights
    uint32_t count;
    char cmdline[256]; // the kernel command line
    struct {
        char name[48];
        uint32_t handle; // OBJ_MEM, read-only
        uint32_t size;
    } mod[BOOT_MODULES_MAX];
};

#endif
