// SPDX-License-Identifier: MIT
// Starting a component from an ELF image held in a memory object: create the
// process, load the image, give it a stack, let the caller grant handles, then
// start its first thread. Used by init and by tests.
#ifndef RW_SPAWN_H
#define RW_SPAWN_H

#include <stdint.h>

#define SPAWN_STACK_SIZE (64 * 1024)

struct spawn {
    uint32_t proc;   // process handle (RIGHT_MANAGE)
    uint32_t thread; // first thread, once started
    uint64_t entry;
};

// Creates the process and loads image into it; nothing runs yet.
int spawn_prepare(uint32_t image, const char *name, struct spawn *sp);
// Starts the first thread on cpu at priority with arg in rdi.
int spawn_start(struct spawn *sp, uint32_t cpu, uint32_t priority, uint64_t arg);

#endif
