// SPDX-License-Identifier: MIT
// Component start-up from ELF images (see spawn.h).
#include "lib/spawn.h"

#include "lib/rw.h"
#include "lib/string.h"

static int give_stack(uint32_t proc)
{
    uint32_t mem = 0;
    int s = rw_mem_create(SPAWN_STACK_SIZE, 0, &mem);
    if (s != RW_OK)
        return s;
    s = rw_map(proc, mem, USER_STACK_TOP - SPAWN_STACK_SIZE, PROT_READ | PROT_WRITE);
    rw_close(mem); // the mapping keeps the memory alive
    return s;
}

int spawn_prepare(uint32_t image, const char *name, struct spawn *sp)
{
    sp->proc = sp->thread = 0;
    int s = rw_proc_create(name, strlen(name), &sp->proc);
    if (s != RW_OK)
        return s;
    s = rw_proc_load(sp->proc, image, &sp->entry);
    if (s == RW_OK)
        s = give_stack(sp->proc);
    if (s != RW_OK) {
        rw_proc_kill(sp->proc);
        rw_close(sp->proc);
        sp->proc = 0;
    }
    return s;
}

int spawn_start(struct spawn *sp, uint32_t cpu, uint32_t priority, uint64_t arg)
{
    struct thread_args a = {sp->entry, USER_STACK_TOP, arg, cpu, priority};
    return rw_thread_create(sp->proc, &a, &sp->thread);
}
