// SPDX-License-Identifier: MIT
// Shared by the system-call handler files (syscall*.c), nothing else: the
// argument block and the handle helpers every handler decodes with.
#ifndef RW_SYSCALL_IMPL_H
#define RW_SYSCALL_IMPL_H

#include <stdint.h>

#include "kernel/object.h"

struct process;

struct sys_args {
    uint64_t a[6];
    uint64_t out; // value returned in rdx
};

struct process *cur(void);
// Resolves handle h with type (OBJ_NONE = any) and rights need; *out gets a
// referenced object. HANDLE_SELF_PROC names the calling process.
int get(uint64_t h, uint32_t type, uint32_t need, void *out);
void put(void *o);
// Installs o in the caller's table and drops the creation reference.
int install(struct kobj *o, uint32_t rights, uint64_t *out);

int sys_pci_read(struct sys_args *s);
int sys_pci_write(struct sys_args *s);
int sys_pci_bar(struct sys_args *s);
int sys_pci_msi(struct sys_args *s);
int sys_plat_irq(struct sys_args *s);
int sys_plat_ioport(struct sys_args *s);
int sys_plat_mmio(struct sys_args *s);
int sys_plat_pci(struct sys_args *s);
int sys_proc_create(struct sys_args *s);
int sys_proc_load(struct sys_args *s);
int sys_proc_kill(struct sys_args *s);
int sys_proc_watch(struct sys_args *s);
int sys_proc_status(struct sys_args *s);
int sys_thread_create(struct sys_args *s);
int sys_thread_exit(struct sys_args *s);
int sys_chan_create(struct sys_args *s);
int sys_chan_send(struct sys_args *s);
int sys_chan_recv(struct sys_args *s);
int sys_chan_bind(struct sys_args *s);
int sys_chan_call(struct sys_args *s);
int sys_timer_create(struct sys_args *s);
int sys_timer_set(struct sys_args *s);
int sys_sleep(struct sys_args *s);
int sys_yield(struct sys_args *s);
int sys_cpu_id(struct sys_args *s);
int sys_kstats(struct sys_args *s);
int sys_test_exit(struct sys_args *s);

#endif
