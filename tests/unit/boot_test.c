// SPDX-License-Identifier: MIT
// Unit tests of the multiboot2 parser (kernel/boot.c) on hand-built information
// blocks, including malformed ones: a bad block must be refused, not followed.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/boot.h"

static uint8_t block[4096] __attribute__((aligned(8)));
static uint32_t used;

static void *add_tag(uint32_t type, uint32_t size)
{
    uint8_t *t = block + used;
    memcpy(t, &type, 4);
    memcpy(t + 4, &size, 4);
    used += (size + 7) & ~7u;
    return t;
}

static void begin(void)
{
    memset(block, 0, sizeof(block));
    memset(&boot_info, 0, sizeof(boot_info));
    used = 8;
}

static uint64_t finish(void)
{
    add_tag(0, 8);
    memcpy(block, &used, 4);
    return (uint64_t)(uintptr_t)block;
}

static void add_cmdline(const char *s)
{
    uint8_t *t = add_tag(1, 8 + (uint32_t)strlen(s) + 1);
    strcpy((char *)t + 8, s);
}

static void add_module(uint32_t start, uint32_t end, const char *name)
{
    uint8_t *t = add_tag(3, 16 + (uint32_t)strlen(name) + 1);
    memcpy(t + 8, &start, 4);
    memcpy(t + 12, &end, 4);
    strcpy((char *)t + 16, name);
}

static void add_mmap(void)
{
    struct {
        uint64_t base, len;
        uint32_t type, res;
    } e[3] = {{0, 0x9fc00, 1, 0}, {0x100000, 0x1ff00000, 1, 0}, {0xfffc0000, 0x40000, 2, 0}};
    uint8_t *t = add_tag(6, 16 + sizeof(e));
    uint32_t esize = 24, ver = 0;
    memcpy(t + 8, &esize, 4);
    memcpy(t + 12, &ver, 4);
    memcpy(t + 16, e, sizeof(e));
}

static void test_full_block(void **state)
{
    (void)state;
    begin();
    add_cmdline("test=ktest loglevel=debug");
    add_mmap();
    add_module(0x400000, 0x401234, "init.elf");
    add_module(0x402000, 0x402100, "ringwall.conf");
    uint8_t *acpi = add_tag(15, 8 + 36);
    memcpy(acpi + 8, "RSD PTR ", 8);
    assert_true(boot_parse(finish()));
    assert_string_equal(boot_info.cmdline, "test=ktest loglevel=debug");
    assert_int_equal(boot_info.nregions, 3);
    assert_int_equal(boot_info.ram_bytes, 0x9fc00 + 0x1ff00000);
    assert_int_equal(boot_info.nmodules, 2);
    assert_int_equal(boot_info.modules[0].start, 0x400000);
    assert_int_equal(boot_info.modules[0].end, 0x401234);
    assert_non_null(boot_find_module("ringwall.conf"));
    assert_null(boot_find_module("missing.elf"));
    assert_true(boot_info.have_rsdp);
    assert_memory_equal(boot_info.rsdp, "RSD PTR ", 8);
}

static void test_cmdline_values(void **state)
{
    (void)state;
    begin();
    add_cmdline("quiet test=fault x=1 testing=no");
    assert_true(boot_parse(finish()));
    char buf[16];
    assert_string_equal(boot_cmdline_value("test", buf, sizeof(buf)), "fault");
    assert_string_equal(boot_cmdline_value("x", buf, sizeof(buf)), "1");
    assert_null(boot_cmdline_value("quiet", buf, sizeof(buf)));
    assert_null(boot_cmdline_value("tes", buf, sizeof(buf)));
    char tiny[3];
    assert_string_equal(boot_cmdline_value("testing", tiny, sizeof(tiny)), "no");
}

static void test_tag_overruns_block(void **state)
{
    (void)state;
    begin();
    add_cmdline("ok");
    uint8_t *t = add_tag(1, 16);
    uint32_t huge = 4000;
    memcpy(t + 4, &huge, 4);
    assert_false(boot_parse(finish()));
}

static void test_zero_size_tag(void **state)
{
    (void)state;
    begin();
    uint8_t *t = add_tag(1, 8);
    uint32_t zero = 0;
    memcpy(t + 4, &zero, 4);
    assert_false(boot_parse(finish()));
}

static void test_missing_end_tag(void **state)
{
    (void)state;
    begin();
    add_cmdline("abc");
    memcpy(block, &used, 4);
    assert_false(boot_parse((uint64_t)(uintptr_t)block));
}

static void test_long_module_name_truncated(void **state)
{
    (void)state;
    begin();
    char name[100];
    memset(name, 'a', 99);
    name[99] = '\0';
    add_module(0x1000, 0x2000, name);
    assert_true(boot_parse(finish()));
    assert_int_equal(strlen(boot_info.modules[0].name), BOOT_NAME_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_block),
        cmocka_unit_test(test_cmdline_values),
        cmocka_unit_test(test_tag_overruns_block),
        cmocka_unit_test(test_zero_size_tag),
        cmocka_unit_test(test_missing_end_tag),
        cmocka_unit_test(test_long_module_name_truncated),
    };
    return cmocka_run_group_tests_name("boot", tests, NULL, NULL);
}
