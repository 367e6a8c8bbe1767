/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_crash.c - tw_crash, a real CPU fault of user code (user/syscall.c; in the
 * simulator hal/sim/sim_hal.c's hal_user_fault delivers it to core's k_user_fault), and
 * port-server, the program that takes one with a request in service (Check, forked mode).
 *
 * Covers: a page fault and a general-protection fault end the whole task as crashed
 * (TW_EXIT_CRASHED, end crashed), its other thread included, while another task runs on;
 * the trace has one fault record with the vector, at the virtual time of the thread's last
 * system call and right after its return, as on UEFI, where nothing runs between the two;
 * a kind that is no fault is TW_E_INVAL and the task goes on; the HAL's unknown vector is
 * #UD; port-server answers, takes the fault with the next request in service (refused
 * with restarted on a port that outlives it), a restarted one answers again, and bad
 * arguments end it with invalid_argument; the invariant checker after each run.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/invariants.h"
#include "../../core/kentry.h"
#include "../../core/kernel.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/hal.h"
#include "../../hal/sim/host.h"
#include "../../user/ops.h"
#include "../../user/programs.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

/* ---- the trace, every record --------------------------------------------------------- */

static struct trace_rec recs[8192];
static size_t nrecs;

static void sink(void *ctx, const void *records, size_t len)
{
    (void)ctx;
    size_t n = len / sizeof(struct trace_rec);
    ck_assert_uint_le(nrecs + n, K_ARRAY_SIZE(recs));
    memcpy(&recs[nrecs], records, n * sizeof(struct trace_rec));
    nrecs += n;
}

static void boot_traced(void)
{
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    cfg.trace_sink = true;
    cfg.trace_batch = 1;
    nrecs = 0;
    host_set_trace_sink(sink, NULL);
    boot_cfg(&cfg);
}

/* Run to the end with every thread done; check the invariants, what user code saw, that
 * want_done bodies finished; collect the trace; tear down with nothing left. */
static void run_traced(unsigned want_done)
{
    int why = k_run();
    ck_assert_msg(why == TR_END_DONE, "k_run ended with %d", why);
    k_check_invariants();
    check_expectations();
    ck_assert_uint_eq(bodies_done, want_done);
    trace_flush();
}

static void teardown(void)
{
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
    host_set_trace_sink(NULL, NULL);
}

/* The index of the only TR_FAULT record (the test fails unless there is exactly one). */
static size_t only_fault(void)
{
    size_t at = SIZE_MAX, n = 0;
    for (size_t i = 0; i < nrecs; i++)
        if (recs[i].type == TR_FAULT) {
            at = i;
            n++;
        }
    ck_assert_uint_eq(n, 1);
    return at;
}

static size_t count_type(uint32_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < nrecs; i++)
        n += recs[i].type == type;
    return n;
}

static void check_crashed(const struct task *t)
{
    ck_assert(t->exited && t->killed);
    ck_assert_int_eq(t->exit_status, TW_EXIT_CRASHED);
    ck_assert_uint_eq(t->end, TW_TASK_END_CRASHED);
}

/* ---- a crash in a task of two threads, beside a worker ------------------------------- */

static bool returned_from_crash;
static bool sleeper_woke;

static void sleeper(uintptr_t unused)
{
    (void)unused;
    EXPECT(tw_sleep_ns(1000ull * 1000 * 1000), TW_E_CANCELED); /* the crash ends it */
    sleeper_woke = true;                                       /* never: it ends in the call */
    tw_thread_exit();
}

static void crasher(uintptr_t kind)
{
    EXPECT_OK(tw_compute_ns(30000));
    EXPECT_OK(tw_now()); /* the last system call before the fault */
    tw_crash((enum tw_crash_kind)kind);
    returned_from_crash = true;
    tw_exit(0);
}

static void worker(uintptr_t unused)
{
    (void)unused;
    for (int i = 0; i < 5; i++)
        EXPECT_OK(tw_compute_ns(20000));
    bodies_done++;
    tw_exit(0);
}

static const struct {
    enum tw_crash_kind kind;
    uint64_t vector;
} kinds[] = {{TW_CRASH_PF, 14}, {TW_CRASH_GP, 13}};

START_TEST(test_crash_ends_task)
{
    boot_traced();
    returned_from_crash = sleeper_woke = false;
    struct task *c = new_task("crasher");
    new_thread(c, sleeper, 0);
    uint32_t th = new_thread(c, crasher, kinds[_i].kind)->id; /* threads go when they end */
    struct task *w = new_task("worker");
    new_thread(w, worker, 0);
    run_traced(1);
    ck_assert(!returned_from_crash && !sleeper_woke);
    check_crashed(c);
    ck_assert(w->exited && !w->killed && w->exit_status == 0);

    size_t f = only_fault();
    ck_assert_uint_eq(recs[f].a, TR_FAULT_CRASH);
    ck_assert_uint_eq(recs[f].b, c->id);
    ck_assert_uint_eq(recs[f].c, kinds[_i].vector);
    ck_assert_uint_eq(recs[f].tid, th);
    ck_assert_uint_gt(w->end_time, recs[f].time); /* the worker ran on after the crash */
    /* Right after the return of tw_now, at its time: nothing between the two. */
    ck_assert_uint_gt(f, 0);
    ck_assert_uint_eq(recs[f - 1].type, TR_SYSRET);
    ck_assert_uint_eq(recs[f - 1].tid, th);
    ck_assert_uint_eq(recs[f - 1].time, recs[f].time);
    /* Then the faulting thread ends at once (after the kill woke its sleeping sibling), and
     * later the task, as crashed. */
    size_t e = f + 1;
    while (e < nrecs && recs[e].type == TR_WAKE)
        e++;
    ck_assert_uint_eq(e, f + 2); /* the sleeper's wake */
    ck_assert_uint_eq(recs[e].type, TR_THREAD_EXIT);
    ck_assert_uint_eq(recs[e].a, th);
    ck_assert_uint_eq(recs[e].time, recs[f].time);
    bool task_exit = false;
    for (size_t i = f; i < nrecs; i++)
        if (recs[i].type == TR_TASK_EXIT && recs[i].a == c->id) {
            ck_assert_uint_eq((uint32_t)recs[i].b, (uint32_t)TW_EXIT_CRASHED);
            ck_assert_uint_eq(recs[i].c, 1);
            task_exit = true;
        }
    ck_assert(task_exit);
    teardown();
}
END_TEST

/* The same run twice: the same trace (nothing of the host reaches it). */
START_TEST(test_crash_deterministic)
{
    uint64_t hash[2];
    for (int run = 0; run < 2; run++) {
        boot_traced();
        struct task *c = new_task("crasher");
        new_thread(c, sleeper, 0);
        new_thread(c, crasher, TW_CRASH_PF);
        new_thread(new_task("worker"), worker, 0);
        run_traced(1);
        ck_assert_uint_gt(nrecs, 0);
        hash[run] = recs[nrecs - 1].chain;
        teardown();
    }
    ck_assert_uint_eq(hash[0], hash[1]);
}
END_TEST

/* ---- kinds that are no fault ----------------------------------------------------------- */

static void bad_kinds(uintptr_t unused)
{
    (void)unused;
    static const int bad[] = {0, 1, 6, 12, 15, -14, 0x10e};
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        EXPECT_ITEM(i, tw_crash((enum tw_crash_kind)bad[i]), TW_E_INVAL);
    EXPECT_OK(tw_now()); /* the task goes on */
    bodies_done++;
    tw_exit(0);
}

START_TEST(test_bad_kind)
{
    boot_traced();
    struct task *t = new_task("bad");
    new_thread(t, bad_kinds, 0);
    run_traced(1);
    ck_assert(t->exited && !t->killed && t->exit_status == 0);
    ck_assert_uint_eq(count_type(TR_FAULT), 0);
    teardown();
}
END_TEST

/* The HAL's contract for a vector it was not given: x86_64-efi's ud2, #UD (6). */
static void hal_unknown(uintptr_t unused)
{
    (void)unused;
    hal_user_fault(99);
}

START_TEST(test_hal_unknown_vector)
{
    boot_traced();
    struct task *t = new_task("ud");
    new_thread(t, hal_unknown, 0);
    run_traced(0);
    check_crashed(t);
    ck_assert_uint_eq(recs[only_fault()].c, 6);
    teardown();
}
END_TEST

/* ---- port-server ----------------------------------------------------------------------- */

static int64_t u_spawn(const char *cmd, int32_t h)
{
    char c[TW_SPAWN_CMD_MAX];
    int32_t hv[1] = {h};
    size_t len = strlen(cmd);
    memcpy(c, cmd, len);
    return tw_task_spawn(c, len, hv, h >= 0 ? 1 : 0);
}

static struct tw_task_status u_end(int32_t h)
{
    struct tw_task_status st;
    memset(&st, 0xee, sizeof(st));
    EXPECT(tw_wait(h, TW_SIG_EXITED, TW_DEADLINE_NEVER), TW_SIG_EXITED);
    EXPECT(tw_task_status(h, &st, sizeof(st)), 0);
    return st;
}

/* Write s on c and read the answer into buf: its length, or the read's error. */
static int64_t u_ask(int32_t c, const char *s, char *buf, size_t cap)
{
    int64_t w = u_send(c, s);
    if (w < 0)
        return w;
    return tw_read(c, buf, cap);
}

static int64_t u_dup(int32_t h)
{
    return tw_task_duplicate(h, TW_RIGHTS_SAME);
}

static bool client_answered[3];

/* The keeper: holds the port; server 1 answers one request, then faults (#GP) with the
 * next in service; server 2 answers one and ends. Bad arguments end a server at once. */
static void keeper(uintptr_t unused)
{
    (void)unused;
    int32_t p = (int32_t)u_open("chan://svc?listen", 0);
    EXPECT_OK(p);
    int32_t s1 = (int32_t)u_spawn("port-server crash_after=1 crash=gp", (int32_t)u_dup(p));
    EXPECT_OK(s1);
    struct tw_task_status st = u_end(s1);
    EXPECT(st.end, TW_TASK_END_CRASHED);
    EXPECT(st.code, TW_EXIT_CRASHED);
    int32_t s2 = (int32_t)u_spawn("port-server count=1", (int32_t)u_dup(p));
    EXPECT_OK(s2);
    st = u_end(s2);
    EXPECT(st.end, TW_TASK_END_EXIT);
    EXPECT(st.code, 0);
    EXPECT(tw_port_generation(p), 2);
    static const char *const bad[] = {"port-server crash=xx",
                                      "port-server port=", "port-server crash_after=0 crash="};
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++) {
        int32_t s = (int32_t)u_spawn(bad[i], -1);
        EXPECT_ITEM(i, s >= 0, 1);
        st = u_end(s);
        EXPECT_ITEM(i, st.end, TW_TASK_END_EXIT);
        EXPECT_ITEM(i, st.code, TW_E_INVAL);
    }
    EXPECT(tw_port_generation(p), 2); /* none of them read the port */
    bodies_done++;
    tw_exit(0);
}

static void client(uintptr_t unused)
{
    (void)unused;
    char buf[64];
    EXPECT_OK(tw_sleep_ns(100000));
    int32_t c = (int32_t)u_open("chan://svc", 0);
    EXPECT_OK(c);
    int64_t n = u_ask(c, "a", buf, sizeof(buf));
    client_answered[0] = n == 4 && memcmp(buf, "re:a", 4) == 0;
    EXPECT(u_ask(c, "b", buf, sizeof(buf)), TW_E_RESTARTED); /* in service at the fault */
    EXPECT(u_send(c, "b"), TW_E_STALE);
    EXPECT_OK(tw_close(c));
    c = (int32_t)u_open("chan://svc", 0);
    EXPECT_OK(c);
    n = u_ask(c, "b", buf, sizeof(buf));
    client_answered[1] = n == 4 && memcmp(buf, "re:b", 4) == 0;
    bodies_done++;
    tw_exit(0);
}

START_TEST(test_port_server)
{
    boot_traced();
    ck_assert_int_eq(k_program_register("port-server", tw_program_entry), TW_OK);
    memset(client_answered, 0, sizeof(client_answered));
    struct task *k = new_task("keeper");
    new_thread(k, keeper, 0);
    struct task *c = new_task("client");
    new_thread(c, client, 0);
    run_traced(2);
    ck_assert(client_answered[0] && client_answered[1]);
    size_t f = only_fault();
    ck_assert_uint_eq(recs[f].a, TR_FAULT_CRASH);
    ck_assert_uint_eq(recs[f].c, 13);
    /* Three requests accepted: one answered by each server, one refused. */
    ck_assert_uint_eq(count_type(TR_REQ_ACCEPT), 3);
    size_t replied = 0, restarted = 0;
    for (size_t i = 0; i < nrecs; i++)
        if (recs[i].type == TR_REQ_END) {
            replied += recs[i].c == TR_REQ_REPLIED;
            restarted += recs[i].c == TR_REQ_RESTARTED;
        }
    ck_assert_uint_eq(replied, 2);
    ck_assert_uint_eq(restarted, 1);
    teardown();
}
END_TEST

static Suite *crash_suite(void)
{
    Suite *s = suite_create("crash");
    TCase *tc = tcase_create("crash");
    tcase_add_loop_test(tc, test_crash_ends_task, 0, (int)K_ARRAY_SIZE(kinds));
    tcase_add_test(tc, test_crash_deterministic);
    tcase_add_test(tc, test_bad_kind);
    tcase_add_test(tc, test_hal_unknown_vector);
    tcase_add_test(tc, test_port_server);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(crash_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
