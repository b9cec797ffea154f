// SPDX-License-Identifier: MIT
// System-call entry from arch/x86_64/entry.S (see syscall.c).
#ifndef RW_SYSCALL_H
#define RW_SYSCALL_H

#include <stdint.h>

struct trap_frame;

void syscall_init_cpu(void);
void syscall_dispatch(struct trap_frame *tf);
uint64_t syscall_total(void);

#endif
