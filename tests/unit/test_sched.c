/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_sched.c - unit tests of core/sched.c and its three policies (Check,
 * forked mode).
 *
 * Each test boots the kernel with the policy under test, runs user threads that record
 * the order in which they ran and the virtual times they saw, and checks both after
 * k_run. Covers round robin (yield rotation, quantum preemption of TW_TASK_COMPUTE), the
 * priority policy (highest ready first, preemption at the next kernel boundary when a
 * higher priority becomes ready), the seeded random policy (a seed reproduces the order,
 * seeds differ), exact virtual time across sleeps, deadlock detection with a clean
 * teardown (also of a task that never got a thread), and the max_time limit for sleepers
 * and for threads that compute forever; kills and exits that end a thread in the middle of
 * a compute step at its next kernel boundary.
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/clock.h"
#include "../../core/fault.h"
#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/obj.h"
#include "../../core/page.h"
#include "../../core/prng.h"
#include "../../core/sched.h"
#include "../../core/syscall.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/hal.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

/* ---- harness: what user code saw (boot, tasks and threads: kernel_harness.h) ------------ */

/* The order threads ran in: one character per step, recorded by user code. */
static char order[256];
static unsigned norder;

static void record(char c)
{
    if (norder + 1 < sizeof(order))
        order[norder++] = c;
    order[norder] = '\0';
}

static void reset_order(void)
{
    norder = 0;
    order[0] = '\0';
}

/* ---- round robin ---------------------------------------------------------------------- */

static void body_yielder(uintptr_t name)
{
    for (int i = 0; i < 4; i++) {
        record((char)name);
        EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0), TW_OK);
    }
    bodies_done++;
}

START_TEST(test_rr_yield_rotates)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_yielder, 'A', 10);
    new_thread_prio(t, body_yielder, 'B', 10);
    new_thread_prio(new_task_prio("u", 10), body_yielder, 'C', 10); /* another task, same queue */
    run_to_end(TR_END_DONE, 3, order);
    ck_assert_str_eq(order, "ABCABCABCABC");
}
END_TEST

START_TEST(test_rr_yield_alone_returns)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    new_thread_prio(new_task_prio("t", 10), body_yielder, 'A', 10);
    run_to_end(TR_END_DONE, 1, order);
    ck_assert_str_eq(order, "AAAA");
}
END_TEST

static int computer_done;
static int64_t other_first_run;
static int other_saw_done = -1;
static uint32_t computer_switches;

static void body_computer(uintptr_t ns)
{
    EXPECT(tw_compute_ns(ns), TW_OK);
    computer_done = 1;
    computer_switches = thread_current()->switches;
    record('C');
    bodies_done++;
}

static void body_other(uintptr_t arg)
{
    (void)arg;
    other_first_run = tw_now();
    other_saw_done = computer_done;
    record('o');
    bodies_done++;
}

static void body_other_after_compute(uintptr_t ns)
{
    EXPECT(tw_compute_ns(ns), TW_OK);
    record('o');
    bodies_done++;
}

/* A thread computing 5 quanta is preempted at the end of the first. */
START_TEST(test_rr_compute_preempted_by_quantum)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    computer_done = 0;
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_computer, 5000000, 10);
    new_thread_prio(t, body_other, 0, 10);
    run_to_end(TR_END_DONE, 2, order);
    ck_assert_str_eq(order, "oC");
    ck_assert_int_eq(other_saw_done, 0);
    ck_assert_msg(other_first_run >= 1000000 && other_first_run < 1100000,
                  "the other thread first ran at %" PRId64 " ns", other_first_run);
    ck_assert_uint_ge(computer_switches, 2);
}
END_TEST

static void body_compute_only(uintptr_t ns)
{
    EXPECT(tw_compute_ns(ns), TW_OK);
    bodies_done++;
}

/*
 * CPU time by task, and inside a window (sched_set_window): two tasks computing 10 ms each
 * in 1 ms quanta take turns, so each runs 2 of the 4 ms of [3.5 ms, 7.5 ms) within a
 * quantum; all of their time is counted, the switches' 400 ns for nobody.
 */
START_TEST(test_cpu_window)
{
    boot_policy(SCHED_RR, 1);
    sched_set_window(3500000, 7500000);
    struct task *a = new_task("a"), *b = new_task("b");
    new_thread(a, body_compute_only, 10000000);
    new_thread(b, body_compute_only, 10000000);
    struct task *c = new_task("c"); /* a second thread of c: both count for c */
    new_thread(c, body_compute_only, 500000);
    new_thread(c, body_compute_only, 500000);
    int why = k_run();
    ck_assert_int_eq(why, TR_END_DONE);
    ck_assert_uint_ge(a->cpu_ns, 10000000);
    ck_assert_uint_ge(b->cpu_ns, 10000000);
    ck_assert_uint_ge(c->cpu_ns, 1000000);
    ck_assert_uint_lt(a->cpu_ns, 10000000 + 100000); /* compute is exact; system calls cost */
    uint64_t in = a->cpu_window_ns + b->cpu_window_ns + c->cpu_window_ns;
    ck_assert_uint_le(in, 4000000);
    ck_assert_uint_ge(in, 4000000 - 4 * 1000); /* at most a few switch costs outside */
    ck_assert_uint_eq(c->cpu_window_ns, 0);    /* c ended in the first millisecond and a half */
    ck_assert_uint_ge(a->cpu_window_ns, 1500000);
    ck_assert_uint_le(a->cpu_window_ns, 2500000);
    ck_assert_uint_ge(b->cpu_window_ns, 1500000);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}
END_TEST

/* Alone, a computing thread keeps the CPU: no switch, however many quanta pass. */
START_TEST(test_rr_compute_alone_not_switched)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    new_thread_prio(new_task_prio("t", 10), body_computer, 7500000, 10);
    run_to_end(TR_END_DONE, 1, order);
    ck_assert_uint_eq(computer_switches, 1);
    ck_assert_uint_ge(clock_now(), 7500000);
}
END_TEST

static int64_t step_times[2][16];

static void body_stepper(uintptr_t who)
{
    for (int i = 0; i < 16; i++) {
        EXPECT(tw_compute_ns(250000), TW_OK);
        step_times[who][i] = tw_now();
        record((char)('a' + who));
    }
    bodies_done++;
}

/* Two computing threads share the CPU one quantum at a time. */
START_TEST(test_rr_two_computers_interleave)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_stepper, 0, 10);
    new_thread_prio(t, body_stepper, 1, 10);
    run_to_end(TR_END_DONE, 2, order);
    /* 250 us steps, 1 ms quanta: runs of about four steps alternate. */
    unsigned changes = 0, longest = 1, run = 1;
    for (unsigned i = 1; i < norder; i++) {
        if (order[i] != order[i - 1]) {
            changes++;
            run = 1;
        } else if (++run > longest) {
            longest = run;
        }
    }
    ck_assert_msg(changes >= 6 && longest <= 5, "order %s", order);
    /* Neither finished before the other was well under way. */
    ck_assert_int_gt(step_times[1][0], 0);
    ck_assert_int_lt(step_times[1][0], step_times[0][15]);
    ck_assert_int_lt(step_times[0][0], step_times[1][15]);
}
END_TEST

/* ---- kill and exit in the middle of a compute step ------------------------------------ */

/* After k_run: the threads' own checks, how many bodies finished, and a clean teardown. */
static void end_check(unsigned want_done)
{
    check_expectations();
    ck_assert_uint_eq(bodies_done, want_done);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}

static void body_exit_after(uintptr_t ns)
{
    EXPECT(tw_compute_ns(ns), TW_OK);
    tw_exit(7);
}

/*
 * A thread killed while it waits in the ready queue mid-compute ends as soon as it gets
 * the CPU back, without another slice: 'a' computes 0-1 ms, 'b' 1-2 ms and the kill comes
 * at 1.5 ms; 'a' must end when it is switched back in at 2 ms, not compute on to 3 ms.
 */
START_TEST(test_kill_ready_thread_mid_compute)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    struct task *a = new_task_prio("a", 10), *b = new_task_prio("b", 10);
    new_thread_prio(a, body_computer, 10000000, 10);
    new_thread_prio(b, body_other_after_compute, 1000000, 10);
    ck_assert_int_eq(fault_schedule(FAULT_KILL, 1500000, a->id), TW_OK);
    ck_assert_int_eq(k_run(), TR_END_DONE);
    ck_assert(a->exited && a->killed && a->exit_status == TW_EXIT_KILLED);
    ck_assert_msg(a->end_time >= 2000000 && a->end_time < 2010000, "a ended at %" PRIu64 " ns",
                  a->end_time);
    ck_assert_msg(b->end_time < 2020000, "b ended at %" PRIu64 " ns", b->end_time);
    ck_assert_str_eq(order, "o");
    end_check(1);
}
END_TEST

/*
 * An exit by one thread ends the others of its task at their next kernel boundary:
 * thread 0 computes 0-1 ms, thread 1 computes 1-1.5 ms and exits the task; thread 0, in
 * the ready queue mid-compute, ends when it gets the CPU back at 1.5 ms.
 */
START_TEST(test_exit_ends_sibling_mid_compute)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_computer, 10000000, 10);
    new_thread_prio(t, body_exit_after, 500000, 10);
    ck_assert_int_eq(k_run(), TR_END_DONE);
    ck_assert(t->exited && !t->killed && t->exit_status == 7);
    ck_assert_msg(t->end_time >= 1500000 && t->end_time < 1510000, "t ended at %" PRIu64 " ns",
                  t->end_time);
    end_check(0);
}
END_TEST

/*
 * A deadline that the compute call's own entry cost reached ends the compute before its
 * first slice: the kill at 0.6 us is due when the call (switch 0.4 us, entry 0.2 us) starts.
 */
START_TEST(test_kill_due_at_compute_entry)
{
    boot_policy(SCHED_RR, 1);
    struct task *a = new_task_prio("a", 10);
    new_thread_prio(a, body_computer, 10000000, 10);
    ck_assert_int_eq(fault_schedule(FAULT_KILL, 600, a->id), TW_OK);
    ck_assert_int_eq(k_run(), TR_END_DONE);
    ck_assert(a->exited && a->killed);
    ck_assert_msg(a->end_time == 600, "a ended at %" PRIu64 " ns", a->end_time);
    end_check(0);
}
END_TEST

/* ---- priority ------------------------------------------------------------------------- */

static void body_prio_record(uintptr_t name)
{
    record((char)name);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0), TW_OK);
    record((char)name);
    bodies_done++;
}

/* The highest ready priority always runs first; yield does not give the CPU to lower ones. */
START_TEST(test_prio_highest_first)
{
    boot_policy(SCHED_PRIO, 1);
    reset_order();
    new_thread_prio(new_task_prio("low", 5), body_prio_record, 'L', 5);
    new_thread_prio(new_task_prio("high", 20), body_prio_record, 'H', 20);
    new_thread_prio(new_task_prio("mid", 10), body_prio_record, 'M', 10);
    new_thread_prio(new_task_prio("mid2", 10), body_prio_record, 'N', 10);
    run_to_end(TR_END_DONE, 4, order);
    ck_assert_str_eq(order, "HHMNMNLL");
}
END_TEST

static void body_spawned_high(uintptr_t name)
{
    record((char)name);
    bodies_done++;
}

static void body_spawner(uintptr_t child_prio)
{
    record('s');
    int64_t tid = tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, (uintptr_t)body_spawned_high,
                            child_prio > 10 ? 'H' : 'L', child_prio, 0);
    EXPECT_OK(tid);
    record('S');
    EXPECT(
        tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, (uintptr_t)body_spawned_high, 'x', 32, 0),
        TW_E_INVAL); /* priorities are 0..31 */
    record('E');
    bodies_done++;
}

/* A higher-priority thread made ready by a system call runs before that call returns. */
START_TEST(test_prio_spawned_higher_preempts)
{
    boot_policy(SCHED_PRIO, 1);
    ck_assert_int_eq(syscall_register_entry(body_spawned_high), TW_OK);
    reset_order();
    new_thread_prio(new_task_prio("t", 10), body_spawner, 20, 10);
    run_to_end(TR_END_DONE, 2, order);
    ck_assert_str_eq(order, "sHSE");
}
END_TEST

/* A lower-priority thread waits until the higher one is done. */
START_TEST(test_prio_spawned_lower_waits)
{
    boot_policy(SCHED_PRIO, 1);
    ck_assert_int_eq(syscall_register_entry(body_spawned_high), TW_OK);
    reset_order();
    new_thread_prio(new_task_prio("t", 10), body_spawner, 3, 10);
    run_to_end(TR_END_DONE, 2, order);
    ck_assert_str_eq(order, "sSEL");
}
END_TEST

static int32_t wake_a, wake_b;

static void body_high_reader(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    record('h');
    EXPECT(tw_read(wake_b, buf, sizeof(buf)), 2); /* blocks */
    record('H');
    bodies_done++;
}

static void body_low_writer(uintptr_t arg)
{
    (void)arg;
    char msg[2] = {'g', 'o'};
    record('l');
    EXPECT(tw_write(wake_a, msg, 2), 2); /* wakes the reader: it runs before this returns */
    record('L');
    bodies_done++;
}

static void body_pair_maker(uintptr_t arg)
{
    (void)arg;
    char url[] = "chan://?pair";
    int64_t a = tw_open_n(url, sizeof(url) - 1, 0);
    EXPECT(a, 1);
    wake_a = (int32_t)a;
    wake_b = (int32_t)tw_invoke(wake_a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT(wake_b, 2);
    record('p');
    bodies_done++;
}

/* A higher-priority thread woken by a lower one's write runs before the write returns. */
START_TEST(test_prio_woken_higher_preempts_at_syscall)
{
    boot_policy(SCHED_PRIO, 1);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_pair_maker, 0, 25);
    new_thread_prio(t, body_high_reader, 0, 20);
    new_thread_prio(t, body_low_writer, 0, 5);
    run_to_end(TR_END_DONE, 3, order);
    ck_assert_str_eq(order, "phlHL");
}
END_TEST

static int64_t high_woke_at;
static int low_done_when_high_woke = -1;
static int low_done;

static void body_low_computer(uintptr_t arg)
{
    (void)arg;
    record('l');
    EXPECT(tw_compute_ns(10000000), TW_OK);
    low_done = 1;
    record('L');
    bodies_done++;
}

static void body_high_sleeper(uintptr_t arg)
{
    (void)arg;
    record('h');
    EXPECT(tw_sleep_ns(2000000), TW_OK);
    high_woke_at = tw_now();
    low_done_when_high_woke = low_done;
    record('H');
    bodies_done++;
}

/* A deadline that fires during a lower thread's computation hands the CPU over at once. */
START_TEST(test_prio_timer_wakeup_preempts_compute)
{
    boot_policy(SCHED_PRIO, 1);
    reset_order();
    low_done = 0;
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_low_computer, 0, 5);
    new_thread_prio(t, body_high_sleeper, 0, 20);
    run_to_end(TR_END_DONE, 2, order);
    ck_assert_str_eq(order, "hlHL");
    ck_assert_int_eq(low_done_when_high_woke, 0);
    ck_assert_msg(high_woke_at >= 2000000 && high_woke_at < 2010000, "woke at %" PRId64,
                  high_woke_at);
}
END_TEST

/* Equal priorities share the CPU by quantum under the priority policy too. */
START_TEST(test_prio_equal_priorities_round_robin)
{
    boot_policy(SCHED_PRIO, 1);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_stepper, 0, 10);
    new_thread_prio(t, body_stepper, 1, 10);
    run_to_end(TR_END_DONE, 2, order);
    ck_assert_msg(strchr(order, 'b') < strrchr(order, 'a'), "no interleaving: %s", order);
}
END_TEST

/* ---- random --------------------------------------------------------------------------- */

static void body_random_yielder(uintptr_t name)
{
    for (int i = 0; i < 6; i++) {
        record((char)name);
        EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0), TW_OK);
    }
    bodies_done++;
}

/* One run of four yielding threads under the random policy; returns the order. */
static void random_run(uint64_t seed, char *out, size_t cap)
{
    boot_policy(SCHED_RANDOM, seed);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    for (char c = 'A'; c <= 'D'; c++)
        new_thread_prio(t, body_random_yielder, (uintptr_t)c, 10);
    run_to_end(TR_END_DONE, 4, order);
    ck_assert_uint_eq(norder, 24);
    snprintf(out, cap, "%s", order);
}

START_TEST(test_random_same_seed_same_order)
{
    char first[64], second[64];
    random_run(42, first, sizeof(first));
    random_run(42, second, sizeof(second));
    ck_assert_str_eq(first, second);
    random_run(7, first, sizeof(first));
    random_run(7, second, sizeof(second));
    ck_assert_str_eq(first, second);
}
END_TEST

START_TEST(test_random_seeds_differ)
{
    char runs[8][64];
    unsigned distinct = 0, not_rotation = 0;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        random_run(seed, runs[seed - 1], sizeof(runs[0]));
        bool seen = false;
        for (uint64_t j = 1; j < seed; j++)
            seen |= strcmp(runs[j - 1], runs[seed - 1]) == 0;
        distinct += !seen;
        not_rotation += strcmp(runs[seed - 1], "ABCDABCDABCDABCDABCDABCD") != 0;
        /* Every thread still ran all six steps. */
        for (char c = 'A'; c <= 'D'; c++) {
            unsigned n = 0;
            for (const char *p = runs[seed - 1]; *p; p++)
                n += *p == c;
            ck_assert_uint_eq(n, 6);
        }
    }
    ck_assert_msg(distinct >= 4, "only %u distinct orders from 8 seeds", distinct);
    ck_assert_uint_ge(not_rotation, 7);
}
END_TEST

static int64_t kernel_prng_values[4];

static void body_prng(uintptr_t arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++)
        kernel_prng_values[i] = tw_invoke(TW_HANDLE_SELF, TW_TASK_PRNG, 0, 0, 0, 0);
    bodies_done++;
}

/* Under round robin nothing else draws: TW_TASK_PRNG is the seeded sequence, 31 bits. */
START_TEST(test_kernel_prng_follows_seed)
{
    boot_policy(SCHED_RR, 99);
    new_thread_prio(new_task_prio("t", 10), body_prng, 0, 10);
    run_to_end(TR_END_DONE, 1, order);
    struct prng p;
    prng_seed(&p, 99);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(kernel_prng_values[i], (int64_t)(prng_next(&p) >> 33));
}
END_TEST

/* ---- virtual time ---------------------------------------------------------------------- */

static int64_t slept_for[3];

static void body_sleeper(uintptr_t ns)
{
    int64_t t0 = tw_now();
    EXPECT(tw_sleep_ns(ns), TW_OK);
    int64_t t1 = tw_now();
    slept_for[0] = t1 - t0;
    t0 = tw_now();
    EXPECT(tw_sleep_ns(0), TW_OK); /* no sleep at all */
    slept_for[1] = tw_now() - t0;
    EXPECT(tw_sleep_ns(UINT64_MAX), TW_E_INVAL); /* past the end of time */
    bodies_done++;
}

/*
 * With every cost zero, a sleep moves the clock by exactly its length. With the test's
 * costs, by its length plus the sleep call (200), the switch back in (400) and the now call
 * (200): nothing else is billed.
 */
START_TEST(test_sleep_advances_time_exactly)
{
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    cfg.clock.cost_syscall_ns = 0;
    cfg.clock.cost_switch_ns = 0;
    cfg.clock.cost_byte_ps = 0;
    boot_cfg(&cfg);
    new_thread_prio(new_task_prio("t", 10), body_sleeper, 1000000, 10);
    run_to_end(TR_END_DONE, 1, order);
    ck_assert_int_eq(slept_for[0], 1000000);
    ck_assert_int_eq(slept_for[1], 0);

    boot_policy(SCHED_RR, 1);
    new_thread_prio(new_task_prio("t", 10), body_sleeper, 1234567, 10);
    run_to_end(TR_END_DONE, 1, order);
    ck_assert_int_eq(slept_for[0], 1234567 + 200 + 400 + 200);
    ck_assert_int_eq(slept_for[1], 200 + 200);
}
END_TEST

static void body_ordered_sleeper(uintptr_t ms)
{
    EXPECT(tw_sleep_ns(ms * 1000000), TW_OK);
    record((char)('0' + ms));
    EXPECT(tw_now() >= (int64_t)(ms * 1000000), 1);
    bodies_done++;
}

START_TEST(test_sleepers_wake_in_deadline_order)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_ordered_sleeper, 3, 10);
    new_thread_prio(t, body_ordered_sleeper, 1, 10);
    new_thread_prio(t, body_ordered_sleeper, 4, 10);
    new_thread_prio(t, body_ordered_sleeper, 2, 10);
    run_to_end(TR_END_DONE, 4, order);
    ck_assert_str_eq(order, "1234");
}
END_TEST

/* ---- deadlock and the time limit ------------------------------------------------------ */

static void body_reads_forever(uintptr_t arg)
{
    (void)arg;
    char url[] = "chan://?pair";
    char buf[8];
    int64_t a = tw_open_n(url, sizeof(url) - 1, 0);
    int64_t b = tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    record('r');
    (void)tw_read((int32_t)b, buf, sizeof(buf)); /* nobody will ever write */
    record('!');
    bodies_done++;
}

START_TEST(test_deadlock_reported_and_cleaned_up)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    struct task *t = new_task_prio("t", 10);
    new_thread_prio(t, body_reads_forever, 0, 10);
    new_thread_prio(new_task_prio("u", 10), body_reads_forever, 0, 10);
    ck_assert_int_eq(k_run(), TR_END_DEADLOCK);
    ck_assert_str_eq(order, "rr");
    ck_assert_uint_eq(thread_live_count(), 2);
    ck_assert_uint_gt(kobj_live_count(), 0);
    k_teardown(); /* kills both blocked threads and checks that nothing leaked */
    ck_assert_uint_eq(thread_live_count(), 0);
    ck_assert_uint_eq(kobj_live_count(), 0);
    ck_assert_str_eq(order, "rr"); /* killed in the read: the code after it never ran */
}
END_TEST

/*
 * A task that never got a thread (say thread_create failed for it) ends with the others:
 * k_teardown kills every task and must not trip over one that has nothing to kill.
 */
START_TEST(test_teardown_task_without_threads)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    struct task *idle = new_task_prio("empty", 10);
    ck_assert_uint_eq(idle->nthreads, 0);
    new_thread_prio(new_task_prio("t", 10), body_yielder, 'A', 10);
    ck_assert_int_eq(k_run(), TR_END_DONE);
    ck_assert_str_eq(order, "AAAA");
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
    ck_assert_uint_eq(task_count(), 0);
}
END_TEST

static void body_long_sleep(uintptr_t arg)
{
    (void)arg;
    record('s');
    (void)tw_sleep_ns(100ull * 1000 * 1000 * 1000);
    record('!');
    bodies_done++;
}

START_TEST(test_time_limit_stops_sleeper)
{
    boot_policy(SCHED_RR, 1);
    reset_order();
    new_thread_prio(new_task_prio("t", 10), body_long_sleep, 0, 10);
    ck_assert_int_eq(k_run(), TR_END_TIME_LIMIT);
    ck_assert_uint_eq(clock_now(), 10ull * 1000 * 1000 * 1000);
    ck_assert_str_eq(order, "s");
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}
END_TEST

static int64_t overran_at;

/* Computes in 1 ms calls "forever"; gives up (recording when) at 60 s of virtual time. */
static void body_computes_forever(uintptr_t arg)
{
    (void)arg;
    for (;;) {
        (void)tw_compute_ns(1000000);
        int64_t now = tw_now();
        if (now > 60ll * 1000 * 1000 * 1000) {
            overran_at = now;
            break;
        }
    }
    bodies_done++;
}

/*
 * max_time_ns bounds the run for threads that never block, too: k_run must end with
 * TR_END_TIME_LIMIT near 10 s, not let a computing thread run on to 60 s.
 */
START_TEST(test_time_limit_stops_computing_thread)
{
    boot_policy(SCHED_RR, 1);
    overran_at = 0;
    new_thread_prio(new_task_prio("t", 10), body_computes_forever, 0, 10);
    if (_i == 1) /* two of them, switching between each other and never idle */
        new_thread_prio(new_task_prio("u", 10), body_computes_forever, 0, 10);
    int why = k_run();
    uint64_t end = clock_now();
    ck_assert_msg(why == TR_END_TIME_LIMIT && end <= 10ull * 1000 * 1000 * 1000 + 2000000,
                  "k_run ended with %d at %" PRIu64 " ns (a thread ran on to %" PRId64 " ns)", why,
                  end, overran_at);
    ck_assert_int_eq(overran_at, 0);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}
END_TEST

/*
 * k_config.ustack_pages: 0 keeps K_USTACK_PAGES, a power of two from K_USTACK_MIN_PAGES to
 * K_USTACK_PAGES sets every user stack's size (the fuzzer's programs use 8), anything else
 * is TW_E_INVAL and changes nothing.
 */
START_TEST(test_ustack_pages)
{
    static const uint32_t bad[] = {1, 2, 3, 5, 6, 12, K_USTACK_PAGES * 2, 1000};
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++) {
        struct k_config cfg = test_cfg(SCHED_RR, 1);
        cfg.ustack_pages = bad[i];
        host_set_pool_pages(4096);
        ck_assert_msg(k_init(&cfg) == TW_E_INVAL, "ustack_pages %u accepted", bad[i]);
    }
    static const uint32_t good[] = {0, K_USTACK_MIN_PAGES, 8, K_USTACK_PAGES};
    for (size_t i = 0; i < K_ARRAY_SIZE(good); i++) {
        struct k_config cfg = test_cfg(SCHED_RR, 1);
        cfg.ustack_pages = good[i];
        boot_cfg(&cfg);
        size_t want = (size_t)(good[i] != 0 ? good[i] : K_USTACK_PAGES) * K_PAGE_SIZE;
        size_t free_before = page_free_count();
        struct thread *t = new_thread_prio(new_task_prio("t", 10), body_yielder, 'A', 10);
        ck_assert_uint_eq(t->start.ustack_size, want);
        ck_assert_uint_eq(t->stack_region->len, want);
        ck_assert_uint_ge(free_before - page_free_count(), want / K_PAGE_SIZE);
        ck_assert_int_eq(k_run(), TR_END_DONE);
        k_teardown();
        ck_assert_uint_eq(kobj_live_count(), 0);
    }
}
END_TEST

/* ---- runner ----------------------------------------------------------------------------- */

static Suite *sched_suite(void)
{
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("round-robin");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rr_yield_rotates);
    tcase_add_test(tc, test_rr_yield_alone_returns);
    tcase_add_test(tc, test_rr_compute_preempted_by_quantum);
    tcase_add_test(tc, test_rr_compute_alone_not_switched);
    tcase_add_test(tc, test_cpu_window);
    tcase_add_test(tc, test_rr_two_computers_interleave);
    suite_add_tcase(s, tc);

    tc = tcase_create("kill-mid-compute");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_kill_ready_thread_mid_compute);
    tcase_add_test(tc, test_exit_ends_sibling_mid_compute);
    tcase_add_test(tc, test_kill_due_at_compute_entry);
    suite_add_tcase(s, tc);

    tc = tcase_create("priority");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_prio_highest_first);
    tcase_add_test(tc, test_prio_spawned_higher_preempts);
    tcase_add_test(tc, test_prio_spawned_lower_waits);
    tcase_add_test(tc, test_prio_woken_higher_preempts_at_syscall);
    tcase_add_test(tc, test_prio_timer_wakeup_preempts_compute);
    tcase_add_test(tc, test_prio_equal_priorities_round_robin);
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_random_same_seed_same_order);
    tcase_add_test(tc, test_random_seeds_differ);
    tcase_add_test(tc, test_kernel_prng_follows_seed);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sleep_advances_time_exactly);
    tcase_add_test(tc, test_sleepers_wake_in_deadline_order);
    tcase_add_test(tc, test_deadlock_reported_and_cleaned_up);
    tcase_add_test(tc, test_teardown_task_without_threads);
    tcase_add_test(tc, test_time_limit_stops_sleeper);
    tcase_add_loop_test(tc, test_time_limit_stops_computing_thread, 0, 2);
    tcase_add_test(tc, test_ustack_pages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sched_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
