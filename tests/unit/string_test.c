// SPDX-License-Identifier: MIT
// lib/string.c's word-at-a-time mem* routines against byte-by-byte
// references: every length up to a few blocks, every alignment of source and
// destination, and overlap in both directions. The source is included under
// other names so that the host's own libc stays in charge of the harness.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define memcpy  rw_memcpy
#define memmove rw_memmove
#define memset  rw_memset
#define memcmp  rw_memcmp
#define strlen  rw_strlen
#define strnlen rw_strnlen
#define strcmp  rw_strcmp
#define strncmp rw_strncmp
#define strchr  rw_strchr
#define strstr  rw_strstr
#include "lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strstr

#define AREA 400

static uint8_t a[AREA], b[AREA], want[AREA];

static void fill(uint8_t *p, uint32_t seed)
{
    for (int i = 0; i < AREA; i++)
        p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 3));
}

static void test_memcpy_every_length_and_alignment(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 200; n++) {
        for (int so = 0; so < 8; so++) {
            for (int dof = 0; dof < 8; dof++) {
                fill(a, (uint32_t)n);
                fill(b, 99);
                for (int i = 0; i < AREA; i++)
                    want[i] = b[i];
                for (size_t i = 0; i < n; i++)
                    want[dof + 16 + i] = a[so + i];
                void *r = rw_memcpy(b + dof + 16, a + so, n);
                assert_ptr_equal(r, b + dof + 16);
                assert_memory_equal(b, want, AREA); // nothing before or after touched
            }
        }
    }
}

static void test_memmove_overlap_both_ways(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 150; n++) {
        for (int shift = -40; shift <= 40; shift++) {
            fill(a, (uint32_t)(n + 3));
            for (int i = 0; i < AREA; i++)
                want[i] = a[i];
            uint8_t tmp[AREA];
            size_t src = 100, dst = (size_t)(100 + shift);
            for (size_t i = 0; i < n; i++)
                tmp[i] = a[src + i];
            for (size_t i = 0; i < n; i++)
                want[dst + i] = tmp[i];
            assert_ptr_equal(rw_memmove(a + dst, a + src, n), a + dst);
            assert_memory_equal(a, want, AREA);
        }
    }
}

static void test_memset_every_length(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 200; n++) {
        for (int off = 0; off < 8; off++) {
            fill(b, 5);
            for (int i = 0; i < AREA; i++)
                want[i] = b[i];
            for (size_t i = 0; i < n; i++)
                want[off + 8 + i] = 0xa5;
            assert_ptr_equal(rw_memset(b + off + 8, 0x1a5, n), b + off + 8); // c is cut to a byte
            assert_memory_equal(b, want, AREA);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy_every_length_and_alignment),
        cmocka_unit_test(test_memmove_overlap_both_ways),
        cmocka_unit_test(test_memset_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
