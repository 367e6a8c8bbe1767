/* SPDX-License-Identifier: MIT */
/*
 * core/sched_prio.c - fixed-priority policy: K_PRIO_LEVELS (32) FIFOs, the highest
 * non-empty one runs; a ready thread of higher priority preempts the running one at the
 * next kernel boundary, and equal priorities round-robin on the quantum. No priority
 * inheritance: the priority-inversion scenario shows what that costs.
 */
#include "kassert.h"
#include "limits.h"
#include "sched.h"
#include "thread.h"

K_STATIC_ASSERT(K_PRIO_LEVELS <= 32, "one bit a priority in prio_mask");

static struct list prio_queue[K_PRIO_LEVELS];
static uint32_t prio_mask; /* bit p set: queue p non-empty */
static uint32_t prio_count;

static int prio_init(void)
{
    for (int i = 0; i < K_PRIO_LEVELS; i++)
        list_init(&prio_queue[i]);
    prio_mask = 0;
    prio_count = 0;
    return 0;
}

static void prio_enqueue(struct thread *t)
{
    K_ASSERT(t->priority >= 0 && t->priority < K_PRIO_LEVELS && !list_linked(&t->run_link));
    list_push_back(&prio_queue[t->priority], &t->run_link);
    prio_mask |= 1u << t->priority;
    prio_count++;
}

static void prio_remove(struct thread *t)
{
    K_ASSERT(list_linked(&t->run_link) && prio_count > 0);
    list_remove(&t->run_link);
    if (list_empty(&prio_queue[t->priority]))
        prio_mask &= ~(1u << t->priority);
    prio_count--;
}

static int top_priority(void)
{
    return prio_mask == 0 ? -1 : (int)(8 * sizeof(prio_mask)) - 1 - __builtin_clz(prio_mask);
}

static struct thread *prio_pick(void)
{
    int p = top_priority();
    if (p < 0)
        return NULL;
    struct thread *t = list_entry(prio_queue[p].next, struct thread, run_link);
    prio_remove(t);
    return t;
}

static bool prio_should_preempt(struct thread *cur, bool quantum_over)
{
    int top = top_priority();
    return top > cur->priority || (quantum_over && top == cur->priority);
}

static uint32_t prio_ready_count(void)
{
    return prio_count;
}

const struct sched_policy sched_policy_prio = {
    .name = "priority",
    .init = prio_init,
    .enqueue = prio_enqueue,
    .remove = prio_remove,
    .pick = prio_pick,
    .should_preempt = prio_should_preempt,
    .ready_count = prio_ready_count,
};
