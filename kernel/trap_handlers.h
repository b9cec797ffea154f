// SPDX-License-Identifier: MIT
// Registration of per-vector handlers (interrupt controllers, scheduler, user
// fault handling). A vector with no handler is a fatal error.
#ifndef RW_TRAP_HANDLERS_H
#define RW_TRAP_HANDLERS_H

#include "kernel/arch/x86_64/trap.h"

typedef void (*trap_handler_fn)(struct trap_frame *tf);

void trap_set_handler(unsigned vector, trap_handler_fn fn);
void trap_report(const struct trap_frame *tf);

#endif
