/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/export_chrome.h - `twain trace export --chrome TRACE > out.json`: a trace
 * file as Chrome trace-event JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing
 * open. One process per task, one thread per kernel thread (named with M events), state
 * slices (X: running, ready, blocked on ...; never overlapping on a thread), IPC flows
 * (s -> f, the message sequence number as id), instants for timers, faults, exits, failed
 * expectations, console lines and the end, and a CPU-busy counter. Times are microseconds
 * of virtual time.
 */
#ifndef TWAIN_SIM_HARNESS_EXPORT_CHROME_H
#define TWAIN_SIM_HARNESS_EXPORT_CHROME_H

#include <stddef.h>
#include <stdio.h>

#include "../core/trace.h"

/* Write recs[0..n) as Chrome JSON to out. 0, or 2 (out of memory, write error). */
int export_chrome(FILE *out, const struct trace_rec *recs, size_t n, const char *scenario_name,
                  uint64_t seed, uint64_t trace_hash);

/* `twain trace export --chrome TRACE` (argv[0] is "export"). Exit code 0 / 1 / 2. */
int export_cmd(int argc, char **argv);

#endif /* TWAIN_SIM_HARNESS_EXPORT_CHROME_H */
