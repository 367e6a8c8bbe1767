/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/fuzz_scenario.h - `twain fuzz-repro INPUT --to-scenario OUT.json`: the calls a
 * fuzzer input made (fuzz_record.h) as a JSON scenario of syscall steps, then that scenario
 * run as `twain run` runs it, and its results held against the recorded ones.
 */
#ifndef TWAIN_SIM_HARNESS_FUZZ_SCENARIO_H
#define TWAIN_SIM_HARNESS_FUZZ_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Record input data[0..len) (named input_name in the scenario), write the scenario to
 * out_path, run it and report. Returns 0 when every recorded result was reproduced (and a
 * crash recurred, or none happened), 1 when something differed, 2 on bad input or an I/O
 * error.
 */
int fz_to_scenario(const uint8_t *data, size_t len, const char *input_name, const char *out_path);

#endif /* TWAIN_SIM_HARNESS_FUZZ_SCENARIO_H */
