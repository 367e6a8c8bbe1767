/* SPDX-License-Identifier: MIT */
/*
 * core/kernel.h - bringing the kernel up and running it: configuration, k_init (which
 * resets every module, so one process can boot the kernel many times), the run loop and
 * the kernel-wide PRNG.
 */
#ifndef TWAIN_CORE_KERNEL_H
#define TWAIN_CORE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "prng.h"
#include "sched.h"

struct k_config {
    uint64_t seed;
    enum sched_policy_id policy;
    struct clock_config clock;
    uint64_t max_time_ns;  /* the run stops at this time */
    size_t pool_pages;     /* 0: all the HAL gives; else at most this many (deterministic) */
    bool trace_sink;       /* deliver trace records to hal_trace_write */
    uint32_t trace_batch;  /* records per delivery: 0 = K_TRACE_BUF, 1 = every record */
    uint32_t ustack_pages; /* a user stack: 0 = K_USTACK_PAGES; else a power of two from
                              K_USTACK_MIN_PAGES to K_USTACK_PAGES (TW_E_INVAL otherwise) */
};

/* Reset and initialise every kernel module over the HAL's pool. TW_OK or TW_E_NOMEM. */
int k_init(const struct k_config *cfg) __attribute__((warn_unused_result));
const struct k_config *k_config(void);
/* Run until every thread ended, deadlock, or the time limit; returns enum trace_end. */
int k_run(void);
/* Kill every task and run until all threads ended (for teardown between runs). */
void k_teardown(void);
struct prng *k_prng(void);

/* Pages the kernel itself holds between runs (heap arrays), for leak accounting. */
size_t k_base_pages_used(void);

#endif /* TWAIN_CORE_KERNEL_H */
