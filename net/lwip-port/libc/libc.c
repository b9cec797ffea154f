// SPDX-License-Identifier: MIT
// The few C library routines lwIP needs beyond lib/string.c when built
// freestanding (see libc/stdlib.h). Host builds use the real C library and do
// not compile this file.
#include <stdlib.h>

int atoi(const char *s)
{
    int sign = 1, v = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '-' || *s == '+')
        sign = (*s++ == '-') ? -1 : 1;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return sign * v;
}
