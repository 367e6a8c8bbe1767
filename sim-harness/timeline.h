/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/timeline.h - the text timeline for terminals (`twain run --headless`): one
 * row per thread, one column per slice of virtual time, showing running, ready and
 * blocked, with the console output underneath.
 */
#ifndef TWAIN_SIM_HARNESS_TIMELINE_H
#define TWAIN_SIM_HARNESS_TIMELINE_H

#include <stddef.h>
#include <stdio.h>

#include "../core/trace.h"

/* Print the schedule of recs[0..n) in width columns. */
void timeline_print(FILE *f, const struct trace_rec *recs, size_t n, unsigned width);

#endif /* TWAIN_SIM_HARNESS_TIMELINE_H */
