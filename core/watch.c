/* SPDX-License-Identifier: MIT */
/*
 * core/watch.c - kernel watchers (see watch.h).
 */
#include "watch.h"
#include <stddef.h>

#include "abi.h"
#include "kassert.h"

static k_watch_fn watchers[WATCH_MAX];
static unsigned nwatchers;

void watch_reset(void)
{
    nwatchers = 0;
}

int watch_register(k_watch_fn fn)
{
    K_ASSERT(fn != NULL);
    if (nwatchers >= WATCH_MAX)
        return TW_E_LIMIT;
    watchers[nwatchers++] = fn;
    return TW_OK;
}

void watch_run(void)
{
    for (unsigned i = 0; i < nwatchers; i++)
        watchers[i]();
}
