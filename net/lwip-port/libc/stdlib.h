// SPDX-License-Identifier: MIT
// The <stdlib.h> lwIP sees when built freestanding: only atoi, which lwIP's
// netif_find uses. No allocation (lwIP has its own pools and heap), no exit.
#ifndef LWPORT_LIBC_STDLIB_H
#define LWPORT_LIBC_STDLIB_H

#include <stddef.h>

int atoi(const char *s);

#endif
