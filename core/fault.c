/* SPDX-License-Identifier: MIT */
/*
 * core/fault.c - scheduled fault injection (see fault.h).
 */
#include "fault.h"
#include "abi.h"
#include "clock.h"
#include "kassert.h"
#include "kentry.h"
#include "klib.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

K_STATIC_ASSERT((int)FAULT_KILL == (int)TR_FAULT_KILL && (int)FAULT_CRASH == (int)TR_FAULT_CRASH,
                "a fault's kind is TR_FAULT's first argument");

struct fault {
    struct ktimer kt;
    enum fault_kind kind;
    uint32_t task_id;
};

static struct fault faults[FAULT_MAX];
static uint32_t nfaults;

void fault_reset(void)
{
    k_memset(faults, 0, sizeof(faults));
    nfaults = 0;
}

static void fault_fire(struct ktimer *kt)
{
    struct fault *f = K_CONTAINER_OF(kt, struct fault, kt);
    trace_emit(TR_FAULT, f->kind, f->task_id, 0);
    struct task *t = task_by_id(f->task_id);
    K_ASSERT(f->kind == FAULT_KILL);
    if (t != NULL)
        task_kill(t, TW_EXIT_KILLED, true);
}

_Noreturn void k_user_fault(uint32_t vector)
{
    struct thread *t = thread_current();
    K_ASSERT(t != NULL);
    trace_emit(TR_FAULT, FAULT_CRASH, t->task->id, vector);
    task_kill(t->task, TW_EXIT_CRASHED, true);
    thread_exit_current();
}

int fault_schedule(enum fault_kind kind, uint64_t at_ns, uint32_t task_id)
{
    if (kind != FAULT_KILL)
        return TW_E_INVAL;
    if (nfaults >= FAULT_MAX)
        return TW_E_LIMIT;
    struct fault *f = &faults[nfaults++];
    f->kind = kind;
    f->task_id = task_id;
    f->kt.fire = fault_fire;
    return ktimer_arm(&f->kt, at_ns);
}
