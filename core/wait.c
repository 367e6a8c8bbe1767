/* SPDX-License-Identifier: MIT */
/*
 * core/wait.c - blocking on signals and deadlines (see wait.h).
 */
#include "wait.h"
#include "caller.h"
#include "clock.h"
#include "kassert.h"
#include "obj.h"
#include "sched.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

int64_t wait_block(uint32_t n, uint64_t deadline_ns)
{
    struct thread *t = thread_current();
    K_ASSERT(t != NULL && t->state == TH_RUNNING && n <= K_POLL_MAX && t->nwait == 0);
    if (t->killed || t->task->exiting)
        return TW_E_CANCELED;
    if (deadline_ns != TW_DEADLINE_NEVER && deadline_ns <= clock_now())
        return TW_E_TIMEDOUT;
    if (deadline_ns != TW_DEADLINE_NEVER && ktimer_arm(&t->deadline, deadline_ns) != TW_OK)
        return TW_E_LIMIT;
    for (uint32_t i = 0; i < n; i++) {
        struct wait_node *w = &t->wait[i];
        K_ASSERT(w->obj != NULL);
        w->thread = t;
        list_push_back(&w->obj->waiters, &w->link);
    }
    t->nwait = n;
    t->wake_result = TW_E_CANCELED;
    t->state = TH_BLOCKED;
    uint64_t first = n > 0 ? t->wait[0].obj->id : 0;
    trace_emit(TR_BLOCK, first, ((uint64_t)n << 32) | (n > 0 ? t->wait[0].signals : 0),
               deadline_ns);
    sched_block_current();
    K_ASSERT(t->nwait == 0 && !ktimer_armed(&t->deadline));
    return t->wake_result;
}

void wait_wake(struct thread *t, int64_t result)
{
    K_ASSERT(t->state == TH_BLOCKED);
    for (uint32_t i = 0; i < t->nwait; i++)
        list_remove(&t->wait[i].link);
    t->nwait = 0;
    ktimer_cancel(&t->deadline);
    t->wake_result = result;
    trace_emit(TR_WAKE, t->id, (uint64_t)result, 0);
    sched_make_ready(t);
}

void wait_cancel_handle(struct kobj *o, struct task *task, int32_t handle)
{
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &o->waiters)
    {
        struct wait_node *n = list_entry(pos, struct wait_node, link);
        bool same_table = handle >= 0 || n->thread == thread_current();
        if (n->task == task && n->handle == handle && same_table) {
            wait_wake(n->thread, TW_E_CANCELED);
            tmp = o->waiters.next;
        }
    }
}

uint32_t caller_task_id(void)
{
    struct thread *t = thread_current();
    return t != NULL && t->task != NULL ? t->task->id : 0;
}

int64_t caller_wait_one(struct kobj *obj, uint32_t signals, uint64_t deadline)
{
    struct thread *t = thread_current();
    struct wait_node *w = &t->wait[0];
    w->obj = obj;
    w->task = NULL;
    w->handle = 0;
    w->signals = signals;
    return wait_block(1, deadline);
}
