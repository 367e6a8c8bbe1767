/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_native.c - unit tests of core/native.c, kentry.h's "Native programs"
 * (Check, forked): boot the kernel for native user code, spawn tasks, run them and read how
 * each ended: an exit with a status, a crash (k_user_fault, as the UEFI trap handler
 * reports a fault in ring 3), a task that never returns from a long compute, refused
 * spawns and an unknown task; records reach the HAL's sink, and the same configuration
 * gives the same trace.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/kentry.h"
#include "../../core/kernel.h"
#include "../../core/limits.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"

static uint64_t sunk_records;

static void count_records(void *ctx, const void *records, size_t len)
{
    (void)ctx;
    (void)records;
    sunk_records += len / sizeof(struct trace_rec);
}

static void boot(uint64_t seed, uint64_t max_time_ns)
{
    struct k_native_config cfg = {
        .seed = seed,
        .quantum_ns = 1000000,
        .cost_syscall_ns = 200,
        .cost_switch_ns = 400,
        .cost_byte_ps = 250,
        .max_time_ns = max_time_ns,
        .pool_pages = 1024,
    };
    host_set_pool_pages(1024);
    sunk_records = 0;
    host_set_trace_sink(count_records, NULL);
    ck_assert_int_eq(k_native_init(&cfg), TW_OK);
    ck_assert_int_eq(providers_register_all(), TW_OK);
}

static uint32_t spawn(const char *name, void (*entry)(uintptr_t), uintptr_t arg)
{
    uint32_t id = 0;
    ck_assert_int_eq(k_native_spawn(name, strlen(name), 10, entry, arg, &id), TW_OK);
    ck_assert_uint_gt(id, 0);
    return id;
}

static void exiter(uintptr_t status)
{
    tw_compute_ns(20000);
    tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0);
    tw_exit((int32_t)status);
}

static void crasher(uintptr_t vector)
{
    tw_compute_ns(10000);
    k_user_fault((uint32_t)vector); /* what the UEFI trap handler calls for a ring-3 fault */
}

static void forever(uintptr_t unused)
{
    (void)unused;
    tw_compute_ns(UINT64_MAX / 2);
    tw_exit(1);
}

static void check_end(uint32_t id, bool exited, bool killed, int32_t status)
{
    struct k_task_end e;
    ck_assert_int_eq(k_native_task_end(id, &e), TW_OK);
    ck_assert_msg(e.exited == exited && e.killed == killed && e.status == status,
                  "task %u: exited %d killed %d status %d, want %d %d %d", id, e.exited, e.killed,
                  e.status, exited, killed, status);
}

START_TEST(test_exit_and_crash)
{
    boot(1, 10ull * 1000 * 1000 * 1000);
    uint32_t a = spawn("exiter", exiter, 7);
    uint32_t b = spawn("crasher", crasher, 14);
    uint32_t c = spawn("zero", exiter, 0);
    ck_assert(a != b && b != c && a != c);
    ck_assert_int_eq(k_native_run(), TR_END_DONE);
    check_end(a, true, false, 7);
    check_end(b, true, true, TW_EXIT_CRASHED);
    check_end(c, true, false, 0);
    trace_flush();
    ck_assert_uint_gt(sunk_records, 10); /* trace records went to hal_trace_write */
    struct k_task_end e;
    ck_assert_int_eq(k_native_task_end(999, &e), TW_E_NOENT);
    k_teardown();
}
END_TEST

START_TEST(test_time_limit)
{
    boot(1, 5 * 1000 * 1000);
    uint32_t a = spawn("forever", forever, 0);
    uint32_t b = spawn("exiter", exiter, 3);
    ck_assert_int_eq(k_native_run(), TR_END_TIME_LIMIT);
    struct k_task_end e;
    ck_assert_int_eq(k_native_task_end(a, &e), TW_OK);
    ck_assert(!e.exited);
    check_end(b, true, false, 3);
    k_teardown();
}
END_TEST

START_TEST(test_refused_spawns)
{
    boot(1, 1000 * 1000);
    uint32_t id = 12345;
    ck_assert_int_eq(k_native_spawn("", 0, 10, exiter, 0, &id), TW_E_INVAL);
    ck_assert_int_eq(k_native_spawn("x", 1, 32, exiter, 0, &id), TW_E_INVAL);
    ck_assert_int_eq(k_native_spawn("x", 1, -1, exiter, 0, &id), TW_E_INVAL);
    char long_name[K_TASK_NAME];
    memset(long_name, 'n', sizeof(long_name));
    ck_assert_int_eq(k_native_spawn(long_name, sizeof(long_name), 10, exiter, 0, &id), TW_E_INVAL);
    ck_assert_uint_eq(id, 12345); /* untouched */
    ck_assert_int_eq(k_native_run(), TR_END_DONE);
    k_teardown();
}
END_TEST

START_TEST(test_same_config_same_trace)
{
    uint64_t hash[2];
    for (int i = 0; i < 2; i++) {
        boot(5, 10ull * 1000 * 1000 * 1000);
        spawn("a", exiter, 1);
        spawn("b", crasher, 13);
        spawn("c", exiter, 2);
        ck_assert_int_eq(k_native_run(), TR_END_DONE);
        hash[i] = trace_hash();
        k_teardown();
    }
    ck_assert_uint_eq(hash[0], hash[1]);
}
END_TEST

static Suite *native_suite(void)
{
    Suite *s = suite_create("native");
    TCase *tc = tcase_create("native");
    tcase_add_test(tc, test_exit_and_crash);
    tcase_add_test(tc, test_time_limit);
    tcase_add_test(tc, test_refused_spawns);
    tcase_add_test(tc, test_same_config_same_trace);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(native_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
