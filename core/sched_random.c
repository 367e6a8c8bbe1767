/* SPDX-License-Identifier: MIT */
/*
 * core/sched_random.c - seeded random policy for exploring interleavings: the next thread
 * is drawn uniformly from the ready set, and at every kernel boundary the running thread
 * is preempted with probability 1/4 when someone else is ready. All draws come from the
 * kernel PRNG, so a seed reproduces the schedule.
 */
#include "kassert.h"
#include "kernel.h"
#include "page.h"
#include "sched.h"
#include "thread.h"

#define READY_ORDER 5 /* 32 pages: K_MAX_THREADS pointers */
K_STATIC_ASSERT((K_PAGE_SIZE << READY_ORDER) / sizeof(void *) >= K_MAX_THREADS, "ready array");

static struct thread **ready;
static uint32_t nready;

static int rnd_init(void)
{
    ready = page_alloc_raw(READY_ORDER); /* read only below nready */
    nready = 0;
    return ready != NULL ? 0 : TW_E_NOMEM;
}

static void rnd_enqueue(struct thread *t)
{
    K_ASSERT(t->ready_slot == 0 && nready < K_MAX_THREADS);
    ready[nready++] = t;
    t->ready_slot = nready;
}

static void rnd_remove(struct thread *t)
{
    K_ASSERT(t->ready_slot != 0 && t->ready_slot <= nready);
    uint32_t i = t->ready_slot - 1;
    struct thread *last = ready[--nready];
    ready[i] = last;
    last->ready_slot = i + 1;
    t->ready_slot = 0;
}

static struct thread *rnd_pick(void)
{
    if (nready == 0)
        return NULL;
    struct thread *t = ready[nready == 1 ? 0 : prng_below(k_prng(), nready)];
    rnd_remove(t);
    return t;
}

static bool rnd_should_preempt(struct thread *cur, bool quantum_over)
{
    (void)cur;
    return quantum_over || prng_below(k_prng(), 4) == 0;
}

static uint32_t rnd_ready_count(void)
{
    return nready;
}

const struct sched_policy sched_policy_random = {
    .name = "random",
    .init = rnd_init,
    .enqueue = rnd_enqueue,
    .remove = rnd_remove,
    .pick = rnd_pick,
    .should_preempt = rnd_should_preempt,
    .ready_count = rnd_ready_count,
};
