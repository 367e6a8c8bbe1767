/* SPDX-License-Identifier: MIT */
/*
 * core/sched.h - the scheduler mechanism and its pluggable policies.
 *
 * The mechanism (this module) owns thread states, the switch and preemption at kernel
 * boundaries; a policy is a table of functions deciding who runs next. Policies:
 * round robin, fixed priority, and seeded random (for exploring interleavings).
 */
#ifndef TWAIN_CORE_SCHED_H
#define TWAIN_CORE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

struct sched_policy {
    const char *name;
    int (*init)(void);                 /* reset queues; may allocate */
    void (*enqueue)(struct thread *t); /* t became ready */
    void (*remove)(struct thread *t);  /* t leaves the ready set without running */
    struct thread *(*pick)(void);      /* remove and return the next to run, or NULL */
    /* At a kernel boundary: should cur give up the CPU now? (quantum_over: its slice ended) */
    bool (*should_preempt)(struct thread *cur, bool quantum_over);
    uint32_t (*ready_count)(void);
};

extern const struct sched_policy sched_policy_rr;
extern const struct sched_policy sched_policy_prio;
extern const struct sched_policy sched_policy_random;

enum sched_policy_id { SCHED_RR = 0, SCHED_PRIO = 1, SCHED_RANDOM = 2 };

int sched_init(enum sched_policy_id policy) __attribute__((warn_unused_result));
const struct sched_policy *sched_policy(void);

/* NEW or BLOCKED -> READY. */
void sched_make_ready(struct thread *t);
/* The running thread blocks (state already set by wait); switch to the next. */
void sched_block_current(void);
/* The running thread stays ready but lets others run. */
void sched_yield_current(void);
/* Switch away from a running thread that has become a zombie; never returns. */
_Noreturn void sched_exit_current(void);
/*
 * At a kernel boundary: preempt the running thread if the policy says so. A thread killed
 * (or whose task exited) while it waited in the ready queue ends here when it gets the CPU
 * back, so a caller must hold nothing that needs unwinding.
 */
void sched_preempt_point(void);
/*
 * Measure CPU time in the window [from_ns, to_ns) of virtual time too: every slice a
 * thread runs adds its part inside the window to its task's cpu_window_ns (and all of it
 * to cpu_ns). Switch costs fall between slices and count for nobody. Reset by sched_init.
 */
void sched_set_window(uint64_t from_ns, uint64_t to_ns);
/* True when the run should stop (time limit): threads park at the next boundary. */
bool sched_stopping(void);
void sched_request_stop(void);
void sched_clear_stop(void);
/*
 * The idle loop: run threads until none can ever run again (all ended or blocked without
 * deadline) or the time limit. Returns the trace_end reason.
 */
int sched_run(uint64_t max_time_ns);

#endif /* TWAIN_CORE_SCHED_H */
