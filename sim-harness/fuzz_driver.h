/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/fuzz_driver.h - runs one fuzzer input through the kernel in this process:
 * boot (boot/fuzzboot.c), run the system-call program (user/fuzzprog.c), check every
 * invariant, tear down, check again. Shared by the libFuzzer/AFL++ targets and `twain
 * fuzz-repro`.
 */
#ifndef TWAIN_SIM_HARNESS_FUZZ_DRIVER_H
#define TWAIN_SIM_HARNESS_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "../boot/fuzzboot.h"

/* Run data[0..len). Returns the run's enum trace_end; a broken invariant aborts. */
int fz_execute(const uint8_t *data, size_t len, fz_listing_fn listing);

#endif /* TWAIN_SIM_HARNESS_FUZZ_DRIVER_H */
