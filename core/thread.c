/* SPDX-License-Identifier: MIT */
/*
 * core/thread.c - thread creation, exit and reaping (see thread.h).
 *
 * A thread cannot free the stack it runs on, so an ending thread becomes a zombie and the
 * next context to run (another thread, or the idle loop) reaps it after the switch.
 */
#include "optable.h"
#include "thread.h"
#include "chan.h"
#include "kassert.h"
#include "kcache.h"
#include "kentry.h"
#include "klib.h"
#include "page.h"
#include "sched.h"
#include "task.h"
#include "trace.h"

#define KSTACK_ORDER 2
K_STATIC_ASSERT((1u << KSTACK_ORDER) == K_KSTACK_PAGES, "kernel stack order");
K_STATIC_ASSERT(sizeof(struct thread) <= K_PAGE_SIZE - 16, "a thread fits a cache page");

static struct {
    struct kcache threads;
    struct thread *current;
    uint32_t current_id; /* current's id, 0 when current is NULL */
    struct list zombies; /* struct thread.run_link */
    uint32_t next_id;
    uint32_t live;
    unsigned ustack_order; /* a user stack is 2^ustack_order pages (k_config.ustack_pages) */
} th;

static size_t ustack_bytes(void)
{
    return (size_t)K_PAGE_SIZE << th.ustack_order;
}

static uint32_t thread_signals(struct kobj *o)
{
    struct thread *t = K_CONTAINER_OF(o, struct thread, obj);
    return t->state == TH_ZOMBIE ? TW_SIG_EXITED : 0;
}

static void thread_destroy(struct kobj *o)
{
    struct thread *t = K_CONTAINER_OF(o, struct thread, obj);
    K_ASSERT(t->state == TH_ZOMBIE && t->ustack == NULL);
    kcache_free(&th.threads, t);
}

static const struct kobj_ops thread_ops = {
    .name = "thread",
    .kind = TW_KIND_THREAD,
    .default_rights = TW_RIGHT_WAIT,
    .signals = thread_signals,
    .destroy = thread_destroy,
};

void thread_module_init(uint32_t ustack_pages)
{
    K_ASSERT(ustack_pages >= 1 && (ustack_pages & (ustack_pages - 1)) == 0);
    k_memset(&th, 0, sizeof(th));
    kcache_init(&th.threads, "thread", sizeof(struct thread));
    list_init(&th.zombies);
    th.next_id = 1;
    th.ustack_order = page_order_for(ustack_pages);
}

struct thread *thread_current(void)
{
    return th.current;
}

uint32_t thread_current_id(void)
{
    return th.current_id;
}

void thread_set_current(struct thread *t)
{
    th.current = t;
    th.current_id = t != NULL ? t->id : 0;
}

static void deadline_fire(struct ktimer *kt)
{
    struct thread *t = K_CONTAINER_OF(kt, struct thread, deadline);
    K_ASSERT(t->state == TH_BLOCKED);
    wait_wake(t, TW_E_TIMEDOUT);
}

static int alloc_stacks(struct thread *t, struct task *task)
{
    t->ustack = page_alloc(th.ustack_order);
    t->kstack = page_alloc_raw(KSTACK_ORDER); /* kernel only: never read before written */
    if (t->ustack != NULL && t->kstack != NULL)
        t->stack_region = task_add_region(task, t->ustack, ustack_bytes());
    if (t->stack_region != NULL)
        t->stack_region->owner = t;
    if (t->stack_region != NULL)
        return TW_OK;
    if (t->ustack != NULL)
        page_free(t->ustack, th.ustack_order);
    if (t->kstack != NULL)
        page_free(t->kstack, KSTACK_ORDER);
    t->ustack = NULL;
    return TW_E_NOMEM;
}

int thread_alloc(struct task *task, void (*entry)(uintptr_t), uintptr_t arg, int32_t priority,
                 struct thread **out)
{
    K_ASSERT(task != NULL && entry != NULL && out != NULL);
    if (priority < 0 || priority > K_PRIO_MAX)
        return TW_E_INVAL;
    if (th.live >= K_MAX_THREADS || task->exiting || task->exited)
        return task->exiting || task->exited ? TW_E_CANCELED : TW_E_LIMIT;
    struct thread *t = kcache_alloc(&th.threads);
    if (t == NULL)
        return TW_E_NOMEM;
    if (alloc_stacks(t, task) != TW_OK) {
        kcache_free(&th.threads, t);
        return TW_E_NOMEM;
    }
    kobj_init(&t->obj, &thread_ops);
    t->id = th.next_id++;
    t->task = task;
    kobj_ref(&task->obj); /* until it is reaped: its stack region is the task's */
    t->priority = priority;
    t->state = TH_NEW;
    t->deadline.fire = deadline_fire;
    list_init(&t->run_link);
    list_push_back(&task->threads, &t->task_link);
    task->nthreads++;
    th.live++;
    t->start = (struct hal_thread_start){
        .kstack = t->kstack,
        .kstack_size = K_KSTACK_PAGES * K_PAGE_SIZE,
        .ustack = t->ustack,
        .ustack_size = ustack_bytes(),
        .entry = entry,
        .arg = arg,
        .user = true,
    };
    hal_context_init(&t->ctx, &t->start);
    *out = t;
    return TW_OK;
}

void thread_start(struct thread *t)
{
    K_ASSERT(t->state == TH_NEW);
    trace_emit(TR_THREAD_START, t->id, t->task->id, (uint64_t)t->priority);
    sched_make_ready(t);
}

void thread_discard(struct thread *t)
{
    K_ASSERT(t->state == TH_NEW && t->nwait == 0);
    struct task *task = t->task;
    list_remove(&t->task_link);
    K_ASSERT(task->nthreads > 0);
    task->nthreads--;
    th.live--;
    hal_stacks_released(&t->start);
    task_remove_region(task, t->stack_region);
    page_free(t->ustack, th.ustack_order);
    page_free(t->kstack, KSTACK_ORDER);
    t->ustack = NULL;
    t->kstack = NULL;
    t->state = TH_ZOMBIE; /* what destroy expects of a thread that is gone */
    kobj_unref(&t->obj);
    kobj_unref(&task->obj);
}

int thread_create(struct task *task, void (*entry)(uintptr_t), uintptr_t arg, int32_t priority,
                  struct thread **out)
{
    struct thread *t;
    int rc = thread_alloc(task, entry, arg, priority, &t);
    if (rc != TW_OK)
        return rc;
    thread_start(t);
    if (out != NULL)
        *out = t;
    return TW_OK;
}

K_THREAD_EDGE void k_thread_trampoline(void)
{
    thread_reap();
    struct thread *t = th.current;
    K_ASSERT(t != NULL && t->state == TH_RUNNING);
    thread_check_killed();
    hal_enter_user(&t->start);
}

K_THREAD_EDGE _Noreturn void thread_exit_current(void)
{
    struct thread *t = th.current;
    K_ASSERT(t != NULL && t->state == TH_RUNNING);
    struct task *task = t->task;
    chan_thread_exit(t); /* its request in service, if any, goes back (docs/supervision.md) */
    handle_close_thread_locals(t);
    if (t->reply_to != NULL) {
        kobj_unref(t->reply_to);
        t->reply_to = NULL;
    }
    trace_emit(TR_THREAD_EXIT, t->id, task->id, 0);
    list_remove(&t->task_link);
    K_ASSERT(task->nthreads > 0);
    task->nthreads--;
    th.live--;
    t->state = TH_ZOMBIE;
    kobj_notify(&t->obj);
    if (task->nthreads == 0) {
        chan_task_ended(task); /* the ports it served start their next incarnation */
        task_finish(task);
    }
    list_push_back(&th.zombies, &t->run_link);
    sched_exit_current();
}

void thread_reap(void)
{
    if (list_empty(&th.zombies))
        return; /* after every switch: usually nobody to reap */
    struct list *n;
    while ((n = list_pop_front(&th.zombies)) != NULL) {
        struct thread *t = list_entry(n, struct thread, run_link);
        K_ASSERT(t != th.current && t->state == TH_ZOMBIE);
        K_ASSERT(!ktimer_armed(&t->deadline) && t->nwait == 0);
        hal_stacks_released(&t->start);
        task_remove_region(t->task, t->stack_region);
        page_free(t->ustack, th.ustack_order);
        page_free(t->kstack, KSTACK_ORDER);
        t->ustack = NULL;
        t->kstack = NULL;
        struct task *task = t->task;
        kobj_unref(&t->obj);
        kobj_unref(&task->obj); /* thread_alloc's: the task may go now (a spawned one) */
    }
}

void thread_check_killed(void)
{
    struct thread *t = th.current;
    if (t != NULL && (t->killed || t->task->exiting))
        thread_exit_current();
}

uint32_t thread_live_count(void)
{
    return th.live;
}
