/* SPDX-License-Identifier: MIT */
/*
 * tests/fat/harness.h - what the storage unit tests (tests/unit/test_blk.c, test_cache.c,
 * test_fat.c) share: boot the kernel in this process, run user threads that call tw_* on
 * the storage providers and record what they saw, judge it, tear down with no leak; and
 * FAT images made at test time by the real tools (mkfs.fat, mcopy).
 *
 * User threads never assert (that would end the run early): they record expectations, and
 * the test judges them after k_run.
 */
#ifndef TWAIN_TESTS_FAT_HARNESS_H
#define TWAIN_TESTS_FAT_HARNESS_H

#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/abi.h"
#include "../../core/invariants.h"
#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/obj.h"
#include "../../core/page.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"

#define WANT_NONNEG INT64_MIN /* an expectation that the result is >= 0 */

struct th_expectation {
    int line;
    int64_t got;
    int64_t want;
};

static struct th_expectation th_exps[4096];
static unsigned th_nexps;
static unsigned th_done; /* bodies that reached their end */

static inline void th_expect_at(int line, int64_t got, int64_t want)
{
    if (th_nexps < K_ARRAY_SIZE(th_exps))
        th_exps[th_nexps++] = (struct th_expectation){line, got, want};
}

#define EXPECT(expr, want) th_expect_at(__LINE__, (int64_t)(expr), (int64_t)(want))
#define EXPECT_OK(expr)    th_expect_at(__LINE__, (int64_t)(expr), WANT_NONNEG)

static inline void th_judge(void)
{
    ck_assert_uint_lt(th_nexps, K_ARRAY_SIZE(th_exps));
    for (unsigned i = 0; i < th_nexps; i++) {
        const struct th_expectation *e = &th_exps[i];
        bool ok = e->want == WANT_NONNEG ? e->got >= 0 : e->got == e->want;
        const char *gn = e->got < 0 ? tw_strerror(e->got) : NULL;
        const char *wn = e->want < 0 && e->want != WANT_NONNEG ? tw_strerror(e->want) : NULL;
        ck_assert_msg(ok, "line %d: got %" PRId64 " %s, want %s%" PRId64 " %s", e->line, e->got,
                      gn != NULL ? gn : "", e->want == WANT_NONNEG ? ">= 0 (" : "",
                      e->want == WANT_NONNEG ? 0 : e->want, wn != NULL ? wn : "");
    }
}

/* Boot with a pool of pool_pages; disks must have been added before (host_disk_add_*). */
static inline void th_boot(size_t pool_pages)
{
    th_nexps = 0;
    th_done = 0;
    struct k_config cfg = {
        .seed = 1,
        .policy = SCHED_RR,
        .clock = {.quantum_ns = 1000000,
                  .cost_syscall_ns = 200,
                  .cost_switch_ns = 400,
                  .cost_byte_ps = 250},
        .max_time_ns = 1000ull * 1000 * 1000 * 1000,
        .pool_pages = pool_pages,
    };
    host_set_pool_pages(pool_pages);
    ck_assert_int_eq(k_init(&cfg), TW_OK);
    ck_assert_int_eq(providers_register_all(), TW_OK);
}

/* A task running fn(heap) on its main thread, heap being heap_pages pages of task memory. */
static inline void th_task(const char *name, void (*fn)(uintptr_t), size_t heap_pages)
{
    struct task *t;
    ck_assert_int_eq(task_create(name, strlen(name), 10, &t), TW_OK);
    void *heap = heap_pages > 0 ? task_alloc_region(t, heap_pages) : NULL;
    ck_assert(heap_pages == 0 || heap != NULL);
    ck_assert_int_eq(thread_create(t, fn, (uintptr_t)heap, 10, NULL), TW_OK);
}

/* Run to the end, check invariants and expectations, tear down, and find nothing leaked. */
static inline void th_run_check(unsigned want_done)
{
    int why = k_run();
    ck_assert_msg(why == TR_END_DONE, "k_run ended with %d", why);
    k_check_invariants();
    th_judge();
    ck_assert_uint_eq(th_done, want_done);
    k_teardown();
    k_check_invariants();
    ck_assert_uint_eq(kobj_live_count(), 0);
}

/* Open a URL given as a host string (copied to the user stack first). */
static inline int64_t u_open(const char *url, uint32_t flags)
{
    char buf[1100];
    size_t n = strlen(url);
    if (n > sizeof(buf))
        return TW_E_TOOBIG;
    memcpy(buf, url, n);
    return tw_open_n(buf, n, flags);
}

static inline int64_t u_invoke_str(int32_t h, uint32_t op, const char *a, const char *b)
{
    char ab[1100], bb[1100];
    size_t na = strlen(a), nb = b != NULL ? strlen(b) : 0;
    if (na > sizeof(ab) || nb > sizeof(bb))
        return TW_E_TOOBIG;
    memcpy(ab, a, na);
    if (b != NULL)
        memcpy(bb, b, nb);
    return tw_invoke(h, op, (uintptr_t)ab, na, b != NULL ? (uintptr_t)bb : 0, nb);
}

/* ---- images made by the real tools ------------------------------------------------------- */

/* Run a shell command with the sbin directories on PATH; fails the test when it fails. */
static inline void th_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void th_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    ck_assert(n > 0 && (size_t)n < sizeof(cmd));
    char full[4300];
    snprintf(full, sizeof(full), "export PATH=\"$PATH:/usr/sbin:/sbin\" MTOOLS_SKIP_CHECK=1; %s",
             cmd);
    int rc = system(full);
    ck_assert_msg(rc == 0, "command failed (%d): %s", rc, cmd);
}

/* A temporary directory for this test process (removed by th_cleanup). */
static char th_dir[256];
static inline const char *th_tmp(void)
{
    if (th_dir[0] == '\0') {
        snprintf(th_dir, sizeof(th_dir), "/tmp/twain-fat-XXXXXX");
        ck_assert(mkdtemp(th_dir) != NULL);
    }
    return th_dir;
}

static inline void th_cleanup(void)
{
    if (th_dir[0] != '\0')
        th_sh("rm -rf '%s'", th_dir);
    th_dir[0] = '\0';
}

/* Read a whole host file into malloc'd memory. */
static inline uint8_t *th_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc((size_t)n + 1);
    ck_assert(b != NULL && fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

#endif /* TWAIN_TESTS_FAT_HARNESS_H */
