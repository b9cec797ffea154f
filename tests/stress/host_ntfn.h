// SPDX-License-Identifier: MIT
// A host stand-in for a Ringwall notification, for the ring stress test and
// the ring benchmark: a sticky word that signal sets and wait clears, with a
// futex to sleep on. Linux only; not used by anything that runs in Ringwall.
#ifndef RW_HOST_NTFN_H
#define RW_HOST_NTFN_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ntfn {
    _Alignas(64) _Atomic uint32_t word;
};

static inline void ntfn_signal(struct ntfn *n)
{
    // release: pairs with the acquire exchange in ntfn_wait
    atomic_store_explicit(&n->word, 1, memory_order_release);
    syscall(SYS_futex, &n->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static inline void ntfn_wait(struct ntfn *n)
{
    while (atomic_exchange_explicit(&n->word, 0, memory_order_acquire) == 0)
        syscall(SYS_futex, &n->word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

#endif
