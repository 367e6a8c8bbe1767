/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/fuzz_driver.c - one fuzzer input, start to finish (see fuzz_driver.h). The
 * kernel is re-initialised for every input (k_init resets every module over the same
 * pool), so no state carries from one input to the next.
 */
#include "fuzz_driver.h"

#include <stdio.h>
#include <stdlib.h>

#include "../core/invariants.h"
#include "../core/kernel.h"
#include "../core/limits.h"
#include "../core/trace.h"
#include "../hal/sim/host.h"

_Static_assert(FZ_IO_MAX == SYS_IO_MAX && FZ_IO_CHUNK == SYS_IO_CHUNK &&
                   FZ_THREAD_HANDLES == K_THREAD_HANDLES,
               "the fuzz programs' pools are built around the kernel's limits");

static void quiet(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    (void)len;
}

int fz_execute(const uint8_t *data, size_t len, fz_listing_fn listing)
{
    host_set_pool_pages(FZ_POOL_PAGES);
    host_set_stack_guards(false);
    host_set_trace_sink(NULL, NULL);
    host_set_console(listing != NULL ? NULL : quiet, NULL);
    int why = TR_END_DONE;
    if (fz_boot(data, len, listing) == 0)
        why = k_run();
    k_check_invariants();
    k_teardown();
    k_check_invariants();
    host_set_console(NULL, NULL);
    return why;
}
