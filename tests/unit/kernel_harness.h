/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/kernel_harness.h - what the kernel unit tests share: boot the kernel in the
 * test process, record what user threads saw (they must never assert: an assertion would
 * end the run early), and check it after the run. Header-only; each test program includes
 * it once after its own headers. The kernel-side helpers (boot, new_task, new_thread,
 * run_check and their general forms) run on the test's own thread; the u_ helpers on a user
 * thread.
 */
#ifndef TWAIN_TESTS_KERNEL_HARNESS_H
#define TWAIN_TESTS_KERNEL_HARNESS_H

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/obj.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
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

/* Boot with test_cfg(policy, seed); boot(): round robin, seed 1. */
static inline void boot_policy(enum sched_policy_id policy, uint64_t seed)
{
    struct k_config cfg = test_cfg(policy, seed);
    boot_cfg(&cfg);
}

static inline void boot(void)
{
    boot_policy(SCHED_RR, 1);
}

/* A task named name at priority prio (new_task: 10); the test fails if it cannot be made. */
static inline struct task *new_task_prio(const char *name, int32_t prio)
{
    struct task *t;
    ck_assert_int_eq(task_create(name, strlen(name), prio, &t), TW_OK);
    return t;
}

static inline struct task *new_task(const char *name)
{
    return new_task_prio(name, 10);
}

/* A thread of t running fn(arg) at priority prio (new_thread: 10). */
static inline struct thread *new_thread_prio(struct task *t, void (*fn)(uintptr_t), uintptr_t arg,
                                             int32_t prio)
{
    struct thread *th;
    ck_assert_int_eq(thread_create(t, fn, arg, prio, &th), TW_OK);
    return th;
}

static inline struct thread *new_thread(struct task *t, void (*fn)(uintptr_t), uintptr_t arg)
{
    return new_thread_prio(t, fn, arg, 10);
}

/*
 * Run to the end; check the end reason (want_end, a TR_END_*; note is shown beside it when
 * it differs), what user code recorded and that want_done bodies finished; then tear down,
 * asserting that no kernel object leaked. run_check: the run must end with every thread done.
 */
static inline void run_to_end(int want_end, unsigned want_done, const char *note)
{
    int why = k_run();
    ck_assert_msg(why == want_end, "k_run ended with %d, want %d (%s)", why, want_end, note);
    check_expectations();
    ck_assert_uint_eq(bodies_done, want_done);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}

static inline void run_check(unsigned want_done)
{
    run_to_end(TR_END_DONE, want_done, "every thread done");
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

/* Open an anonymous pair (url picks the capacity): returns one end, *peer the other. */
static inline int64_t u_pair_url(const char *url, int32_t *peer, uint32_t flags)
{
    int64_t a = u_open(url, flags);
    *peer = a < 0 ? -1 : (int32_t)tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    return a;
}

static inline int64_t u_pair(int32_t *peer, uint32_t flags)
{
    return u_pair_url("chan://?pair", peer, flags);
}

#endif /* TWAIN_TESTS_KERNEL_HARNESS_H */
