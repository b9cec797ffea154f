// SPDX-License-Identifier: MIT
// Interface ownership of a router instance from its args (see rt_own.h):
// the words are split on blanks, and each `if=` word's comma-separated
// names are looked up among the configured interfaces. It decides nothing
// about instances or the fabric (apps/router/router.c does).
#include "apps/router/rt_own.h"

#include <stdbool.h>

#include "lib/string.h"

static void copy_bad(char *bad, size_t cap, const char *s, size_t n)
{
    if (!bad || cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(bad, s, n);
    bad[n] = '\0';
}

// The index of the n-byte name s among ifnames, or -1.
static int find_if(const char *s, size_t n, const char *const *ifnames, unsigned nifs)
{
    for (unsigned i = 0; i < nifs; i++) {
        if (strlen(ifnames[i]) == n && strncmp(ifnames[i], s, n) == 0)
            return (int)i;
    }
    return -1;
}

// One `if=` list (without the "if="), n bytes: its names into *mask.
static enum rt_own_status parse_list(const char *s, size_t n, const char *const *ifnames,
                                     unsigned nifs, uint32_t *mask, char *bad, size_t badcap)
{
    size_t i = 0;
    do {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        if (j == i) {
            copy_bad(bad, badcap, s, n);
            return RT_OWN_EEMPTY;
        }
        int k = find_if(s + i, j - i, ifnames, nifs);
        if (k < 0) {
            copy_bad(bad, badcap, s + i, j - i);
            return RT_OWN_EUNKNOWN;
        }
        *mask |= 1u << k;
        i = j + 1;
    } while (i <= n);
    return RT_OWN_OK;
}

enum rt_own_status rt_own_parse(const char *args, const char *const *ifnames, unsigned nifs,
                                uint32_t *mask, char *bad, size_t badcap)
{
    bool any = false;
    *mask = 0;
    copy_bad(bad, badcap, "", 0);
    for (const char *p = args ? args : ""; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - w);
        if (n < 3 || strncmp(w, "if=", 3) != 0)
            continue;
        any = true;
        enum rt_own_status st = parse_list(w + 3, n - 3, ifnames, nifs, mask, bad, badcap);
        if (st != RT_OWN_OK) {
            *mask = 0;
            return st;
        }
    }
    if (!any)
        *mask = nifs >= 32 ? 0xffffffffu : (1u << nifs) - 1;
    return RT_OWN_OK;
}
