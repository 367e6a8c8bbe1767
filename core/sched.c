/* SPDX-License-Identifier: MIT */
/*
 * core/sched.c - the scheduling mechanism: states, switches, preemption at kernel
 * boundaries and the idle loop (see sched.h). Policies decide; this file acts.
 */
#include "sched.h"
#include "../hal/hal.h"
#include "clock.h"
#include "kassert.h"
#include "klib.h"
#include "task.h"
#include "thread.h"
#include "trace.h"
#include "watch.h"

static struct {
    const struct sched_policy *policy;
    struct hal_context idle; /* the boot stack the idle loop runs on */
    bool stopping;
    uint64_t max_time;               /* the run's time limit (sched_run) */
    uint64_t window_from, window_to; /* sched_set_window: [from, to), empty by default */
} sc;

int sched_init(enum sched_policy_id policy)
{
    static const struct sched_policy *const table[] = {
        [SCHED_RR] = &sched_policy_rr,
        [SCHED_PRIO] = &sched_policy_prio,
        [SCHED_RANDOM] = &sched_policy_random,
    };
    if ((unsigned)policy >= sizeof(table) / sizeof(table[0]))
        return TW_E_INVAL;
    sc.policy = table[policy];
    sc.stopping = false;
    sc.max_time = UINT64_MAX;
    sc.window_from = sc.window_to = 0;
    return sc.policy->init();
}

const struct sched_policy *sched_policy(void)
{
    return sc.policy;
}

void sched_make_ready(struct thread *t)
{
    K_ASSERT(t->state == TH_NEW || t->state == TH_BLOCKED);
    t->state = TH_READY;
    sc.policy->enqueue(t);
}

/* Real-time mode: interrupt the thread that now runs when its quantum ends (or earlier,
 * at the next deadline), so that user code that never enters the kernel is preempted. */
static void arm_quantum(void)
{
    if (!clock_config()->realtime)
        return;
    uint64_t at = clock_now() + clock_config()->quantum_ns, next;
    if (clock_next_deadline(&next) && next < at)
        at = next;
    hal_timer_arm(clock_to_hal(at));
}

void sched_set_window(uint64_t from_ns, uint64_t to_ns)
{
    sc.window_from = from_ns;
    sc.window_to = to_ns > from_ns ? to_ns : from_ns;
}

/* Account the slice that ends now for the running thread, and for its task: all of it, and
 * the part inside the window. */
static void end_slice(struct thread *t)
{
    uint64_t now = clock_now(), start = t->slice_start;
    t->run_ns += now - start;
    t->task->cpu_ns += now - start;
    uint64_t lo = K_MAX(start, sc.window_from), hi = K_MIN(now, sc.window_to);
    if (hi > lo)
        t->task->cpu_window_ns += hi - lo;
}

/* next runs from now: a fresh slice and quantum, and (real time) its quantum's interrupt.
 * The caller switches to its context next. */
static void make_running(struct thread *next)
{
    next->state = TH_RUNNING;
    next->switches++;
    next->slice_start = clock_now();
    next->quantum_start = next->slice_start;
    thread_set_current(next);
    arm_quantum();
}

/* Give the CPU to the policy's next choice (or the idle loop) from prev. */
static void switch_from(struct thread *prev, uint32_t why)
{
    struct thread *next = sc.stopping ? NULL : sc.policy->pick();
    if (next == prev) {
        K_ASSERT(prev->state == TH_READY);
        prev->state = TH_RUNNING;
        prev->quantum_start = clock_now(); /* yielded to itself: a fresh quantum */
        return;
    }
    end_slice(prev);
    trace_emit(TR_SWITCH, prev->id, next != NULL ? next->id : 0, why);
    prev->ctx.final = prev->state == TH_ZOMBIE;
    if (next == NULL) {
        thread_set_current(NULL);
        hal_context_switch(&prev->ctx, &sc.idle);
    } else {
        clock_charge(clock_config()->cost_switch_ns);
        if (next->task != prev->task)
            hal_aspace_switch(next->task->aspace);
        make_running(next);
        hal_context_switch(&prev->ctx, &next->ctx);
    }
    /* Back on prev's stack: someone switched to us. */
    K_ASSERT(thread_current() == prev && prev->state == TH_RUNNING);
    thread_reap();
}

void sched_block_current(void)
{
    struct thread *t = thread_current();
    K_ASSERT(t != NULL && t->state == TH_BLOCKED);
    switch_from(t, TW_WHY_BLOCK);
}

void sched_yield_current(void)
{
    struct thread *t = thread_current();
    K_ASSERT(t != NULL && t->state == TH_RUNNING);
    t->state = TH_READY;
    sc.policy->enqueue(t);
    switch_from(t, TW_WHY_YIELD);
}

_Noreturn void sched_exit_current(void)
{
    struct thread *t = thread_current();
    K_ASSERT(t != NULL && t->state == TH_ZOMBIE);
    switch_from(t, TW_WHY_EXIT);
    k_panic("zombie thread %u resumed", t->id);
}

/* Preempt the running thread t: back into the ready queue, the CPU to the policy's choice. */
static __attribute__((noinline)) void preempt(struct thread *t)
{
    t->state = TH_READY;
    sc.policy->enqueue(t);
    switch_from(t, TW_WHY_PREEMPT);
    /* Killed, or its task exited, while it waited in the ready queue: it ends now, before
     * its caller (a system call's exit, a compute step) runs another instruction for it. */
    thread_check_killed();
}

static bool quantum_over(const struct thread *t, uint64_t now)
{
    return now - t->quantum_start >= clock_config()->quantum_ns;
}

void sched_preempt_point(void)
{
    struct thread *t = thread_current();
    K_ASSERT(t != NULL && t->state == TH_RUNNING);
    uint64_t now = clock_now();
    if (now >= sc.max_time)
        sc.stopping = true; /* a thread computing past the time limit */
    if (sc.stopping) {
        preempt(t);
        return;
    }
    /* The policy is asked only when another thread is ready; the quantum is looked at after
     * that (the common case, nobody ready, keeps only t and now across the call). */
    if (sc.policy->ready_count() > 0 && sc.policy->should_preempt(t, quantum_over(t, now))) {
        preempt(t);
        return;
    }
    if (quantum_over(t, now)) /* nobody to give the CPU to: a fresh quantum */
        t->quantum_start = now;
}

bool sched_stopping(void)
{
    return sc.stopping;
}

void sched_request_stop(void)
{
    sc.stopping = true;
}

void sched_clear_stop(void)
{
    sc.stopping = false;
}

/* Run one thread from the idle loop until it gives the CPU back to idle. */
static void run_from_idle(struct thread *next)
{
    clock_charge(clock_config()->cost_switch_ns);
    trace_emit(TR_SWITCH, 0, next->id, TW_WHY_START);
    hal_aspace_switch(next->task->aspace);
    make_running(next);
    hal_context_switch(&sc.idle, &next->ctx);
    K_ASSERT(thread_current() == NULL);
    thread_reap();
}

int sched_run(uint64_t max_time_ns)
{
    sc.max_time = max_time_ns;
    for (;;) {
        clock_fire_due();
        hal_poll();
        watch_run();
        if (clock_now() >= max_time_ns)
            sched_request_stop();
        if (sc.stopping)
            return TR_END_TIME_LIMIT;
        struct thread *next = sc.policy->pick();
        if (next != NULL) {
            run_from_idle(next);
            continue;
        }
        uint64_t deadline;
        if (!clock_next_deadline(&deadline))
            return thread_live_count() == 0 ? TR_END_DONE : TR_END_DEADLOCK;
        if (clock_config()->realtime) {
            hal_timer_arm(clock_to_hal(deadline));
            hal_idle();
            continue;
        }
        uint64_t to = deadline < max_time_ns ? deadline : max_time_ns;
        trace_emit(TR_IDLE, to, 0, 0);
        clock_advance_to(to);
    }
}
