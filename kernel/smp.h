// SPDX-License-Identifier: MIT
// Application processor start-up (see smp.c).
#ifndef RW_SMP_H
#define RW_SMP_H

void smp_start(void);

#endif
