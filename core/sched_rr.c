/* SPDX-License-Identifier: MIT */
/*
 * core/sched_rr.c - round-robin policy: one FIFO of ready threads; a thread whose quantum
 * ended goes to the back when anyone else is ready.
 */
#include "kassert.h"
#include "sched.h"
#include "thread.h"

static struct list rr_queue;
static uint32_t rr_count;

static int rr_init(void)
{
    list_init(&rr_queue);
    rr_count = 0;
    return 0;
}

static void rr_enqueue(struct thread *t)
{
    K_ASSERT(!list_linked(&t->run_link));
    list_push_back(&rr_queue, &t->run_link);
    rr_count++;
}

static void rr_remove(struct thread *t)
{
    K_ASSERT(list_linked(&t->run_link) && rr_count > 0);
    list_remove(&t->run_link);
    rr_count--;
}

static struct thread *rr_pick(void)
{
    struct list *n = list_pop_front(&rr_queue);
    if (n == NULL)
        return NULL;
    rr_count--;
    return list_entry(n, struct thread, run_link);
}

static bool rr_should_preempt(struct thread *cur, bool quantum_over)
{
    (void)cur;
    return quantum_over;
}

static uint32_t rr_ready_count(void)
{
    return rr_count;
}

const struct sched_policy sched_policy_rr = {
    .name = "round-robin",
    .init = rr_init,
    .enqueue = rr_enqueue,
    .remove = rr_remove,
    .pick = rr_pick,
    .should_preempt = rr_should_preempt,
    .ready_count = rr_ready_count,
};
