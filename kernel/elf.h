// SPDX-License-Identifier: MIT
// ELF64 loader for component images held in memory objects (the boot modules).
#ifndef RW_ELF_H
#define RW_ELF_H

#include <stdint.h>

struct process;
struct memobj;

// Maps every PT_LOAD segment of the image into p (pinned) and returns the
// entry point. The image is untrusted: every header field is range-checked.
int elf_load(struct process *p, const struct memobj *image, uint64_t *entry);

#endif
