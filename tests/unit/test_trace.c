/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_trace.c - unit tests of core/trace.c: what the sink receives (Check,
 * forked mode).
 *
 * One small run (two threads ping-ponging over a pair, with yields) is traced with
 * several batch sizes. Every run must deliver the same records, all of them, in order, in
 * deliveries of at most the batch size (exactly the batch size but for the last); every
 * record's chain must follow from the previous one by trace_chain_next, and the last must
 * be trace_hash(). Without a sink nothing is delivered, yet the hash and count are the
 * same.
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/hash.h"
#include "../../core/kernel.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

enum { MAX_RECS = 4096, ROUNDS = 20 };

static struct trace_rec got[MAX_RECS];
static size_t ngot, ndeliveries;
static size_t delivered[MAX_RECS]; /* records per delivery */

static void sink(void *ctx, const void *records, size_t len)
{
    (void)ctx;
    ck_assert_uint_eq(len % sizeof(struct trace_rec), 0);
    size_t n = len / sizeof(struct trace_rec);
    ck_assert_uint_le(ngot + n, MAX_RECS);
    memcpy(&got[ngot], records, len);
    ngot += n;
    delivered[ndeliveries++] = n;
}

static void quiet(void *ctx, const char *b, size_t n)
{
    (void)ctx;
    (void)b;
    (void)n;
}

static int32_t pair_end; /* opened by pinger, which runs first; ponger takes the peer */

static void pinger(uintptr_t arg)
{
    (void)arg;
    char buf[8] = "ping";
    pair_end = (int32_t)u_open("chan://?pair", 0);
    EXPECT_OK(pair_end);
    for (int i = 0; i < ROUNDS; i++) {
        EXPECT(tw_write(pair_end, buf, 4), 4);
        EXPECT(tw_read(pair_end, buf, sizeof(buf)), 4);
        tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0);
    }
    bodies_done++;
}

static void ponger(uintptr_t arg)
{
    (void)arg;
    char buf[8] = "pong";
    int32_t peer = (int32_t)tw_invoke(pair_end, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT_OK(peer);
    for (int i = 0; i < ROUNDS; i++) {
        EXPECT(tw_read(peer, buf, sizeof(buf)), 4);
        EXPECT(tw_write(peer, buf, 4), 4);
    }
    bodies_done++;
}

/* Run the workload with a sink and batch size batch (0: the default); records in got. */
static void run(bool with_sink, uint32_t batch, uint64_t *hash, uint64_t *count)
{
    ngot = ndeliveries = 0;
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    cfg.trace_sink = with_sink;
    cfg.trace_batch = batch;
    host_set_trace_sink(sink, NULL);
    host_set_console(quiet, NULL);
    boot_cfg(&cfg);
    struct task *t;
    ck_assert_int_eq(task_create("t", 1, 10, &t), TW_OK);
    ck_assert_int_eq(thread_create(t, pinger, 0, 10, NULL), TW_OK);
    ck_assert_int_eq(thread_create(t, ponger, 0, 10, NULL), TW_OK);
    ck_assert_int_eq(k_run(), TR_END_DONE);
    check_expectations();
    ck_assert_uint_eq(bodies_done, 2);
    *hash = trace_hash();
    *count = trace_count();
    k_teardown();
}

/* Every record arrived, in order, chained, ending at the run's hash. */
static void check_chain(uint64_t hash, uint64_t count)
{
    ck_assert_uint_eq(ngot, count);
    ck_assert_uint_gt(ngot, 6 * ROUNDS);
    uint64_t chain = HASH_SEED;
    for (size_t i = 0; i < ngot; i++) {
        chain = trace_chain_next(chain, &got[i]);
        ck_assert_msg(got[i].chain == chain, "record %zu: chain does not follow", i);
    }
    ck_assert_uint_eq(chain, hash);
    ck_assert_uint_eq(got[0].type, TR_BOOT);
    ck_assert_uint_eq(got[ngot - 1].type, TR_END);
}

START_TEST(test_batches_deliver_the_same_records)
{
    static const uint32_t batches[] = {1, 2, 7, K_TRACE_BUF - 1};
    uint64_t hash0, count0;
    run(true, 0, &hash0, &count0);
    check_chain(hash0, count0);
    ck_assert_uint_gt(ngot, K_TRACE_BUF); /* the default batch too is delivered mid-run */
    ck_assert_uint_eq(ndeliveries, (ngot + K_TRACE_BUF - 1) / K_TRACE_BUF);
    ck_assert_uint_eq(delivered[0], K_TRACE_BUF);
    static struct trace_rec first[MAX_RECS];
    size_t nfirst = ngot;
    memcpy(first, got, ngot * sizeof(got[0]));
    for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
        uint64_t hash, count;
        run(true, batches[i], &hash, &count);
        check_chain(hash, count);
        ck_assert_uint_eq(hash, hash0);
        ck_assert_uint_eq(ngot, nfirst);
        ck_assert_int_eq(memcmp(got, first, ngot * sizeof(got[0])), 0);
        /* Full batches; the last delivery (at the end of the run) takes the rest. */
        ck_assert_uint_eq(ndeliveries, (ngot + batches[i] - 1) / batches[i]);
        for (size_t d = 0; d + 1 < ndeliveries; d++)
            ck_assert_uint_eq(delivered[d], batches[i]);
        ck_assert_uint_le(delivered[ndeliveries - 1], batches[i]);
    }
}
END_TEST

START_TEST(test_no_sink_same_hash_nothing_delivered)
{
    uint64_t hash0, count0, hash, count;
    run(true, 0, &hash0, &count0);
    run(false, 0, &hash, &count);
    ck_assert_uint_eq(ngot, 0);
    ck_assert_uint_eq(ndeliveries, 0);
    ck_assert_uint_eq(hash, hash0);
    ck_assert_uint_eq(count, count0);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("sink");
    tcase_add_test(tc, test_batches_deliver_the_same_records);
    tcase_add_test(tc, test_no_sink_same_hash_nothing_delivered);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
