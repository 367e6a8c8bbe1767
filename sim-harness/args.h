/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/args.h - small, strict command-line number parsing shared by subcommands.
 */
#ifndef TWAIN_SIM_HARNESS_ARGS_H
#define TWAIN_SIM_HARNESS_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Parse a whole decimal uint64 ("12"); false on anything else. */
bool args_u64(const char *s, uint64_t *out);
/* Parse "A..B" (A <= B) or a single "N"; false otherwise. */
bool args_range(const char *s, uint64_t *lo, uint64_t *hi);

#endif /* TWAIN_SIM_HARNESS_ARGS_H */
