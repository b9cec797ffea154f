// The handful of C string and memory routines that freestanding code (the kernel
// and ring-3 components) needs; the compiler also emits calls to the mem* ones.
// memcpy, memmove and memset move 8-byte words, four to an iteration: under
// QEMU's TCG every iteration of a rep-prefixed string instruction is its own
// pass through the translated code, so `rep movsb` costs a pass per byte,
// while a word loop moves 32 bytes per pass. The copies the network stack
// and the router make for the appliance's own traffic are where this shows.
#include "lib/string.h"

#include <stdint.h>

// These loops must not be turned back into calls to the functions they are.
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8); // an unaligned 8-byte load, inlined
    return v;
}

static inline void store64(unsigned char *p, uint64_t v)
{
    __builtin_memcpy(p, &v, 8);
}

// Forward; safe for overlap when dst < src (each block is read before written).
NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (; n >= 32; n -= 32, d += 32, s += 32) {
        uint64_t a = load64(s), b = load64(s + 8), c = load64(s + 16), e = load64(s + 24);
        store64(d, a);
        store64(d + 8, b);
        store64(d + 16, c);
        store64(d + 24, e);
    }
    for (; n >= 8; n -= 8, d += 8, s += 8)
        store64(d, load64(s));
    while (n--)
        *d++ = *s++;
    return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    for (; n >= 8; n -= 8)
        store64(d + n - 8, load64(s + n - 8));
    while (n--)
        d[n] = s[n];
    return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t w = (uint8_t)c * 0x0101010101010101ull;
    for (; n >= 32; n -= 32, d += 32) {
        store64(d, w);
        store64(d + 8, w);
        store64(d + 16, w);
        store64(d + 24, w);
    }
    for (; n >= 8; n -= 8, d += 8)
        store64(d, w);
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] - y[i];
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return 0;
    }
}

char *strstr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        if (strncmp(hay, needle, n) == 0)
            return (char *)hay;
    }
    return n ? 0 : (char *)hay;
}
