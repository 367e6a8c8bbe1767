/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/run.h - running a compiled scenario once in the simulator: boot, run,
 * judge, optionally record the trace, collect records, or feed them to a comparator.
 */
#ifndef TWAIN_SIM_HARNESS_RUN_H
#define TWAIN_SIM_HARNESS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/trace.h"
#include "../hal/sim/host.h"
#include "../boot/loader.h"
#include "scenario_compile.h"

struct run_opts {
    bool seed_override;
    uint64_t seed;
    const char *record_path;    /* write a trace file */
    bool quiet;                 /* do not print the kernel console */
    host_console_fn console_fn; /* or give it to this function (with console_ctx) */
    void *console_ctx;
    bool collect;           /* keep every record in memory (timeline, export) */
    host_trace_fn extra_fn; /* also deliver records here (replay comparison) */
    void *extra_ctx;
    size_t pool_pages;    /* 0: the scenario's */
    uint32_t trace_batch; /* records per sink delivery (0: the kernel's default; 1: each) */
};

#define RUN_MAX_FAILS 16 /* failed expectations kept with their steps */

struct run_result {
    int rc; /* 0 expectations held, 1 some failed, 2 could not run */
    uint64_t seed;
    struct scn_outcome out;
    struct trace_rec *recs; /* collected records (opts.collect), malloc'ed */
    size_t nrecs;
    uint32_t nfails; /* TR_EXPECT_FAIL records seen */
    struct {
        uint32_t task_id;
        uint32_t step;
    } fails[RUN_MAX_FAILS];
};

/* Run c once. Prints errors to stderr; result in *r (free with run_result_free). */
int run_scenario(const struct scn_compiled *c, const struct run_opts *o, struct run_result *r);
void run_result_free(struct run_result *r);
/* Print the outcome report and the JSON paths of failed steps. */
void run_print_report(const struct scn_compiled *c, const struct run_result *r, FILE *f);

#endif /* TWAIN_SIM_HARNESS_RUN_H */
