// SPDX-License-Identifier: MIT
// ELF64 loading (see elf.h). Header layouts from the System V ABI. Each segment
// gets its own memory object, filled by copying from the image and mapped with
// the segment's permissions; writable and executable at once is refused.
#include "kernel/elf.h"

#include "kernel/memobj.h"
#include "kernel/mm.h"
#include "kernel/process.h"
#include "kernel/uapi/status.h"
#include "lib/string.h"

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF header");

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF program header");

#define PT_LOAD       1
#define PF_X          1
#define PF_W          2
#define ELF_MAX_PHDRS 16

// Copies len bytes at off of a memory object into dst.
static void image_read(const struct memobj *m, uint64_t off, void *dst, uint64_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint64_t in = off & (PAGE_SIZE - 1), n = PAGE_SIZE - in;
        if (n > len)
            n = len;
        memcpy(d, (uint8_t *)phys_to_virt(memobj_page(m, off / PAGE_SIZE)) + in, n);
        d += n;
        off += n;
        len -= n;
    }
}

static int check_header(const struct memobj *img, const struct elf64_ehdr *h)
{
    static const uint8_t magic[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    if (memcmp(h->ident, magic, sizeof(magic)) != 0 || h->type != 2 || h->machine != 62)
        return RW_EINVAL;
    if (h->phentsize != sizeof(struct elf64_phdr) || h->phnum == 0 || h->phnum > ELF_MAX_PHDRS)
        return RW_EINVAL;
    if (h->phoff > img->size || h->phnum * sizeof(struct elf64_phdr) > img->size - h->phoff)
        return RW_EINVAL;
    if (h->entry >= USER_TOP)
        return RW_EINVAL;
    return RW_OK;
}

static int load_segment(struct process *p, const struct memobj *img, const struct elf64_phdr *ph)
{
    if (ph->filesz > ph->memsz || ph->offset > img->size || ph->filesz > img->size - ph->offset)
        return RW_EINVAL;
    if (ph->vaddr >= USER_TOP || ph->memsz > USER_TOP - ph->vaddr || ph->memsz > MEMOBJ_MAX_SIZE)
        return RW_EINVAL;
    if ((ph->flags & PF_W) && (ph->flags & PF_X))
        return RW_EPERM;
    uint64_t start = PAGE_ALIGN_DOWN(ph->vaddr);
    uint64_t lead = ph->vaddr - start;
    struct memobj *seg;
    int s = memobj_create(PAGE_ALIGN_UP(lead + ph->memsz), 0, &seg);
    if (s != RW_OK)
        return s;
    for (uint64_t done = 0; done < ph->filesz;) {
        uint64_t at = lead + done, n = PAGE_SIZE - (at & (PAGE_SIZE - 1));
        if (n > ph->filesz - done)
            n = ph->filesz - done;
        image_read(
            img, ph->offset + done,
            (uint8_t *)phys_to_virt(memobj_page(seg, at / PAGE_SIZE)) + (at & (PAGE_SIZE - 1)), n);
        done += n;
    }
    uint32_t prot =
        PROT_READ | ((ph->flags & PF_W) ? PROT_WRITE : 0) | ((ph->flags & PF_X) ? PROT_EXEC : 0);
    s = as_map(p, &seg->obj, start, prot, true);
    kobj_put(&seg->obj);
    return s;
}

int elf_load(struct process *p, const struct memobj *img, uint64_t *entry)
{
    struct elf64_ehdr h;
    if (img->size < sizeof(h))
        return RW_EINVAL;
    image_read(img, 0, &h, sizeof(h));
    int s = check_header(img, &h);
    for (uint16_t i = 0; s == RW_OK && i < h.phnum; i++) {
        struct elf64_phdr ph;
        image_read(img, h.phoff + i * sizeof(ph), &ph, sizeof(ph));
        if (ph.type == PT_LOAD && ph.memsz)
            s = load_segment(p, img, &ph);
    }
    if (s == RW_OK)
        *entry = h.entry;
    return s;
}
