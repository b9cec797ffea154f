// SPDX-License-Identifier: MIT
// Compiler and platform glue for lwIP (its "arch/cc.h"): byte order, the
// assertion and diagnostic hooks, the random source and, when built
// freestanding for a Ringwall component (LWPORT_FREESTANDING), the switches that
// keep lwIP away from the host C library. It is not the place for stack tuning
// (lwipopts.h) or for the clock (sys_arch.c).
#ifndef LWPORT_ARCH_CC_H
#define LWPORT_ARCH_CC_H

#include <stdint.h>

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#ifdef LWPORT_FREESTANDING
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H   1
#define LWIP_NO_CTYPE_H    1
#define LWIP_NO_UNISTD_H   1
#endif

// printf-style formats for lwIP's debug output (only used with LWIP_DEBUG).
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

void lwport_assert_fail(const char *msg, const char *file, int line);
void lwport_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t lwport_rand(void);

#define LWIP_PLATFORM_ASSERT(x) lwport_assert_fail((x), __FILE__, __LINE__)
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        lwport_diag x;                                                                             \
    } while (0)
#define LWIP_RAND() lwport_rand()

#endif
