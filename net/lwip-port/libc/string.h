// SPDX-License-Identifier: MIT
// The <string.h> lwIP sees when built freestanding for a Ringwall component: it
// forwards to the runtime's own routines (lib/string.h). It exists only so lwIP
// never reaches for the host C library's headers.
#ifndef LWPORT_LIBC_STRING_H
#define LWPORT_LIBC_STRING_H

#include "lib/string.h"

#endif
