/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_syscalls.c - the system-call fuzz target (libFuzzer and AFL++): the
 * input is a program of system calls over one to four tasks (user/fuzzprog.c); after it
 * runs, every kernel invariant is checked, then the kernel is torn down and checked for
 * leaks (sim-harness/fuzz_driver.c). A crash replays with `twain fuzz-repro INPUT`.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../sim-harness/fuzz_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0; /* programs longer than the step budgets add nothing */
    fz_execute(data, size, NULL);
    return 0;
}
