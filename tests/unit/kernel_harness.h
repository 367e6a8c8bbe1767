/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/kernel_harness.h - what the kernel unit tests share: boot the kernel in the
 * test process, record what user threads saw (they must never assert: an assertion would
 * end the run early), and check it after the run. Header-only; each test program includes
 * it once after its own headers.
 */
#ifndef TWAIN_TESTS_KERNEL_HARNESS_H
#define TWAIN_TESTS_KERNEL_HARNESS_H

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"

#define WANT_NONNEG INT64_MIN /* an expectation that the result is >= 0 */

struct expectation {
    int line;
    int item; /* index in a table loop, or -1 */
    int64_t got;
    int64_t want;
};

static struct expectation exps[512];
static unsigned nexps;
static unsigned bodies_done;

/* Called from user threads: record, never assert. */
static inline void expect_at(int line, int item, int64_t got, int64_t want)
{
    if (nexps < K_ARRAY_SIZE(exps))
        exps[nexps++] = (struct expectation){line, item, got, want};
}

#define EXPECT(expr, want) expect_at(__LINE__, -1, (int64_t)(expr), (int64_t)(want))
#define EXPECT_OK(expr)    expect_at(__LINE__, -1, (int64_t)(expr), WANT_NONNEG)
/* In a loop over a table: the line and the entry's index (reported as "line L item I"). */
#define EXPECT_ITEM(i, expr, want) expect_at(__LINE__, (int)(i), (int64_t)(expr), (int64_t)(want))

static inline const char *err_name(int64_t v)
{
    const char *n = v <= 0 ? tw_strerror(v) : NULL;
    return n != NULL ? n : "";
}

static inline void check_expectations(void)
{
    ck_assert_uint_lt(nexps, K_ARRAY_SIZE(exps));
    for (unsigned i = 0; i < nexps; i++) {
        const struct expectation *e = &exps[i];
        bool ok = e->want == WANT_NONNEG ? e->got >= 0 : e->got == e->want;
        if (e->want == WANT_NONNEG)
            ck_assert_msg(ok, "line %d item %d: got %" PRId64 " %s, want >= 0", e->line, e->item,
                          e->got, err_name(e->got));
        else
            ck_assert_msg(ok, "line %d item %d: got %" PRId64 " %s, want %" PRId64 " %s", e->line,
                          e->item, e->got, err_name(e->got), e->want, err_name(e->want));
    }
}

static inline struct k_config test_cfg(enum sched_policy_id policy, uint64_t seed)
{
    return (struct k_config){
        .seed = seed,
        .policy = policy,
        .clock = {.quantum_ns = 1000000,
                  .cost_syscall_ns = 200,
                  .cost_switch_ns = 400,
                  .cost_byte_ps = 250},
        .max_time_ns = 10ull * 1000 * 1000 * 1000,
        .pool_pages = 4096,
    };
}

/* Boot the kernel with cfg and the kernel providers; forget earlier expectations. */
static inline void boot_cfg(const struct k_config *cfg)
{
    nexps = 0;
    bodies_done = 0;
    host_set_pool_pages(cfg->pool_pages != 0 ? cfg->pool_pages : 4096);
    ck_assert_int_eq(k_init(cfg), TW_OK);
    ck_assert_int_eq(providers_register_all(), TW_OK);
}

/* ---- user-side helpers (run on a user thread: buffers live on its stack) ------------------ */

static inline int64_t u_open(const char *url, uint32_t flags)
{
    char buf[128];
    size_t n = strlen(url);
    memcpy(buf, url, n);
    return tw_open_n(buf, n, flags);
}

static inline int64_t u_send(int32_t h, const char *s)
{
    char buf[TW_MSG_MAX_BYTES + 8];
    size_t n = strlen(s);
    memcpy(buf, s, n);
    return tw_write(h, buf, n);
}

#endif /* TWAIN_TESTS_KERNEL_HARNESS_H */
