/* SPDX-License-Identifier: MIT */
/*
 * tools/bench/bench.h - `make bench`: shared helpers of the benchmark program. Each figure
 * is printed as one line (docs/contracts.md, "Benchmarks"):
 *   bench <name>: <value> <unit> (baseline <name>: <value> <unit>, ratio <r>)
 */
#ifndef TWAIN_TOOLS_BENCH_H
#define TWAIN_TOOLS_BENCH_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_REPS 5

uint64_t bench_now_ns(void);
/* Median of n values (sorts v). */
double bench_median(double *v, size_t n);
/* Print a figure; baseline_name NULL for none. ratio = baseline / value when lower is
 * better, value / baseline otherwise. */
void bench_print(const char *name, double value, const char *unit, const char *baseline_name,
                 double baseline, int lower_is_better);

/* Baselines (bench_baselines.c). ns per round trip. */
double bench_pipe_roundtrip_ns(uint64_t n);
double bench_bare_switch_roundtrip_ns(uint64_t n);

/* Kernel workloads (bench_kernel.c). */
double bench_ipc_roundtrip_ns(uint64_t n);
double bench_sched_switch_ns(uint64_t n);
void bench_scale(uint32_t threads, uint32_t channels, double *seconds, double *peak_rss_mib);

/* Services (bench_svc.c). */
double bench_svc_call_ns(uint64_t n, int to_task);
double bench_svc_subscribe_s(uint64_t n, uint64_t nnames);

#endif /* TWAIN_TOOLS_BENCH_H */
