/* SPDX-License-Identifier: MIT */
/*
 * boot/loader.h - boots a compiled scenario on the kernel and judges its expectations.
 *
 * This is the scenario world's init: it runs in kernel context on either backend, after
 * the HAL is up. It configures and initialises the kernel from the scenario, registers
 * the providers, creates one task per scenario task (heap + main thread running the
 * interpreter, user/scenario_interp.c), schedules the faults, runs, and checks the
 * "expect" block. It reaches core through core/kentry.h only.
 */
#ifndef TWAIN_BOOT_LOADER_H
#define TWAIN_BOOT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../user/scenario.h"

struct scn_outcome {
    int end_reason;    /* enum trace_end (core/trace_format.h) */
    uint64_t end_time; /* virtual ns */
    uint64_t trace_hash;
    uint64_t records;
    uint64_t syscalls;
    uint32_t failed;   /* expectations that did not hold */
    char report[4096]; /* one line per expectation checked, and the failures */
    size_t report_len;
};

struct scn_boot_options {
    bool seed_override;
    uint64_t seed;
    bool trace_sink;      /* send trace records to hal_trace_write */
    uint32_t trace_batch; /* records per delivery (0: the kernel's default) */
    size_t pool_pages;    /* 0: the scenario's own */
};

/*
 * Decode blob, boot the kernel for it and create its tasks. Returns TW_OK, or TW_E_INVAL
 * (bad blob: err says where) / TW_E_NOMEM (the pool cannot hold the tasks).
 */
int scn_boot(const uint8_t *blob, size_t len, const struct scn_boot_options *opt,
             struct scn_view *view, struct scn_error *err) __attribute__((warn_unused_result));

/* Run the booted scenario to its end and judge the expectations into *out. */
void scn_run(const struct scn_view *view, struct scn_outcome *out);

#endif /* TWAIN_BOOT_LOADER_H */
