// SPDX-License-Identifier: MIT
// Multiboot2 information parsing (tag layout from the Multiboot2 specification).
// Every tag is bounds-checked against the block's total size before use.
#include "kernel/boot.h"

#include "kernel/log.h"
#include "lib/string.h"

#define MB2_TAG_END     0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE  3
#define MB2_TAG_MMAP    6
#define MB2_TAG_ACPI1   14
#define MB2_TAG_ACPI2   15

struct mb2_tag {
    uint32_t type;
    uint32_t size;
};

struct mb2_mmap_entry {
    uint64_t base;
    uint64_t len;
    uint32_t type;
    uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");

struct boot_info boot_info;

static void copy_string(char *dst, unsigned size, const char *src, unsigned max)
{
    unsigned n = strnlen(src, max);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void parse_mmap(const uint8_t *tag, uint32_t size)
{
    uint32_t esize = *(const uint32_t *)(tag + 8);
    if (esize < sizeof(struct mb2_mmap_entry))
        return;
    for (uint32_t off = 16; off + esize <= size; off += esize) {
        const struct mb2_mmap_entry *e = (const void *)(tag + off);
        if (boot_info.nregions == BOOT_MAX_REGIONS) {
            kwarn("boot: memory map truncated at %u regions", BOOT_MAX_REGIONS);
            return;
        }
        boot_info.regions[boot_info.nregions++] = (struct boot_region){e->base, e->len, e->type};
        if (e->type == BOOT_RAM)
            boot_info.ram_bytes += e->len;
    }
}

static void parse_module(const uint8_t *tag, uint32_t size)
{
    if (boot_info.nmodules == BOOT_MAX_MODULES) {
        kwarn("boot: more than %u modules, ignoring the rest", BOOT_MAX_MODULES);
        return;
    }
    struct boot_module *m = &boot_info.modules[boot_info.nmodules++];
    m->start = *(const uint32_t *)(tag + 8);
    m->end = *(const uint32_t *)(tag + 12);
    copy_string(m->name, sizeof(m->name), (const char *)tag + 16, size - 16);
}

static void parse_tag(const struct mb2_tag *t)
{
    const uint8_t *p = (const uint8_t *)t;
    switch (t->type) {
    case MB2_TAG_CMDLINE:
        copy_string(boot_info.cmdline, sizeof(boot_info.cmdline), (const char *)p + 8, t->size - 8);
        break;
    case MB2_TAG_MODULE:
        if (t->size >= 17)
            parse_module(p, t->size);
        break;
    case MB2_TAG_MMAP:
        if (t->size >= 16)
            parse_mmap(p, t->size);
        break;
    case MB2_TAG_ACPI1:
    case MB2_TAG_ACPI2: {
        uint32_t n = t->size - 8;
        if (n > sizeof(boot_info.rsdp))
            n = sizeof(boot_info.rsdp);
        // prefer the ACPI 2.0 copy when both are present
        if (!boot_info.have_rsdp || t->type == MB2_TAG_ACPI2) {
            memcpy(boot_info.rsdp, p + 8, n);
            boot_info.have_rsdp = true;
        }
        break;
    }
    default: break;
    }
}

bool boot_parse(uint64_t mb2_phys)
{
    const uint8_t *base = (const uint8_t *)mb2_phys;
    uint32_t total = *(const uint32_t *)base;
    boot_info.info_phys = mb2_phys;
    boot_info.info_size = total;
    for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
        const struct mb2_tag *t = (const void *)(base + off);
        if (t->size < sizeof(struct mb2_tag) || off + t->size > total)
            return false;
        if (t->type == MB2_TAG_END)
            return true;
        parse_tag(t);
        off += (t->size + 7) & ~7u;
    }
    return false;
}

const struct boot_module *boot_find_module(const char *name)
{
    for (uint32_t i = 0; i < boot_info.nmodules; i++) {
        if (strcmp(boot_info.modules[i].name, name) == 0)
            return &boot_info.modules[i];
    }
    return 0;
}

const char *boot_cmdline_value(const char *key, char *buf, unsigned size)
{
    size_t klen = strlen(key);
    for (const char *p = boot_info.cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            unsigned n = (unsigned)(end - p - klen - 1);
            if (n >= size)
                n = size - 1;
            memcpy(buf, p + klen + 1, n);
            buf[n] = '\0';
            return buf;
        }
        p = end;
    }
    return 0;
}
