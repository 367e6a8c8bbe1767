/* SPDX-License-Identifier: MIT */
/*
 * core/invariants.c - the invariant checker (see invariants.h). Expensive (it walks every
 * object, table and queue): the fuzzers call it after every program, tests after runs.
 */
#include "invariants.h"
#include "chan.h"
#include "clock.h"
#include "kassert.h"
#include "obj.h"
#include "page.h"
#include "provider.h"
#include "sched.h"
#include "task.h"
#include "thread.h"

/* Count one handle-table entry into its object's scratch counter. */
static void count_entry(const struct handle_entry *e)
{
    if (e->obj == NULL)
        return;
    K_ASSERT((e->rights & ~TW_RIGHTS_ALL) == 0);
    e->obj->scratch++;
}

static void check_table(struct task *t)
{
    uint32_t used = 0;
    for (int32_t h = 0; (uint32_t)h < t->handles.limit; h++) {
        struct handle_entry *e = handle_lookup(t, NULL, h);
        if (e == NULL)
            continue;
        count_entry(e);
        used++;
    }
    K_ASSERT(used == handle_table_count(&t->handles));
    K_ASSERT(t->exited ? used == 0 : handle_lookup(t, NULL, TW_HANDLE_SELF) != NULL);
}

/* A blocked thread's nodes are linked on their objects; others hold none. */
static void check_thread(struct thread *th, uint32_t *ready, uint32_t *running)
{
    for (int i = 0; i < K_THREAD_HANDLES; i++)
        count_entry(&th->tls[i]);
    *ready += th->state == TH_READY;
    *running += th->state == TH_RUNNING;
    if (th->state != TH_BLOCKED) {
        K_ASSERT(th->nwait == 0 && !ktimer_armed(&th->deadline));
        return;
    }
    K_ASSERT(th->nwait <= K_POLL_MAX);
    K_ASSERT(th->nwait > 0 || ktimer_armed(&th->deadline)); /* else: a lost thread */
    for (uint32_t i = 0; i < th->nwait; i++) {
        const struct wait_node *w = &th->wait[i];
        K_ASSERT(w->thread == th && w->obj != NULL && list_linked(&w->link));
    }
}

/*
 * The tree: only living tasks are in it; a child is on its parent's list exactly once and
 * the count matches; boot tasks are roots; following parents ends (no cycle).
 */
static void check_tree(struct task *t)
{
    K_ASSERT(t->adopt_seen <= t->adopted);
    if (t->exited)
        K_ASSERT(t->parent == NULL && t->nchildren == 0 && list_empty(&t->children));
    K_ASSERT(t->spawned || t->parent == NULL);
    uint32_t n = 0;
    struct list *pos;
    list_for_each(pos, &t->children)
    {
        struct task *c = list_entry(pos, struct task, child_link);
        K_ASSERT(c->parent == t && !c->exited && c->spawned);
        n++;
    }
    K_ASSERT(n == t->nchildren);
    if (t->parent != NULL)
        K_ASSERT(list_linked(&t->child_link) && !t->parent->exited);
    else
        K_ASSERT(!list_linked(&t->child_link));
    uint32_t up = 0;
    for (struct task *p = t->parent; p != NULL; p = p->parent)
        K_ASSERT(++up <= task_count());
}

static void check_tasks(void)
{
    uint32_t ready = 0, running = 0, live_threads = 0;
    for (struct task *t = task_first(); t != NULL; t = task_next(t)) {
        check_table(t);
        check_tree(t);
        uint32_t n = 0;
        struct list *pos;
        list_for_each(pos, &t->threads)
        {
            struct thread *th = list_entry(pos, struct thread, task_link);
            K_ASSERT(th->task == t && th->state != TH_ZOMBIE);
            check_thread(th, &ready, &running);
            n++;
        }
        K_ASSERT(n == t->nthreads && (!t->exited || n == 0));
        live_threads += n;
    }
    K_ASSERT(live_threads == thread_live_count());
    K_ASSERT(ready == sched_policy()->ready_count());
    K_ASSERT(running == (thread_current() != NULL ? 1u : 0u));
}

/* Every waiter on every object belongs to a thread blocked on that object. */
static void check_waiters(struct kobj *o)
{
    struct list *pos;
    list_for_each(pos, &o->waiters)
    {
        struct wait_node *w = list_entry(pos, struct wait_node, link);
        struct thread *th = w->thread;
        K_ASSERT(th->state == TH_BLOCKED && w->obj == o);
        K_ASSERT(w >= &th->wait[0] && w < &th->wait[th->nwait]);
    }
}

void k_check_invariants(void)
{
    page_check();
    clock_check();
    struct list *pos;
    list_for_each(pos, kobj_all())
    {
        struct kobj *o = list_entry(pos, struct kobj, all);
        K_ASSERT(o->refs > 0 && o->refs >= o->handles);
        o->scratch = 0;
    }
    check_tasks();
    list_for_each(pos, kobj_all())
    {
        struct kobj *o = list_entry(pos, struct kobj, all);
        if (o->ops->check != NULL)
            o->ops->check(o);
        check_waiters(o);
    }
    list_for_each(pos, kobj_all())
    {
        struct kobj *o = list_entry(pos, struct kobj, all);
        K_ASSERT(o->scratch == o->handles); /* every handle is in a table or in flight */
    }
    chan_check_requests();
    provider_check_all(); /* the providers' own tables (the svc:// registry) */
}
