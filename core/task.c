/* SPDX-License-Identifier: MIT */
/*
 * core/task.c - tasks (see task.h).
 */
#include "optable.h"
#include "task.h"
#include "kassert.h"
#include "kcache.h"
#include "klib.h"
#include "page.h"
#include "thread.h"
#include "trace.h"
#include "wait.h"

static struct {
    struct kcache tasks;
    struct kcache regions;
    struct list all;
    uint32_t count;
    uint32_t next_id;
    uint32_t finished;
} tk;

/* Exited; else signaled while it has adopted children no wait has consumed. */
static uint32_t task_signals(struct kobj *o)
{
    struct task *t = K_CONTAINER_OF(o, struct task, obj);
    if (t->exited)
        return TW_SIG_EXITED;
    return t->adopted != t->adopt_seen ? TW_SIG_SIGNALED : 0;
}

/* A wait that returned with TW_SIG_SIGNALED has seen the adoptions so far. */
static void task_consume(struct kobj *o, uint32_t observed)
{
    struct task *t = K_CONTAINER_OF(o, struct task, obj);
    if ((observed & TW_SIG_SIGNALED) != 0)
        t->adopt_seen = t->adopted;
}

static void task_destroy(struct kobj *o)
{
    struct task *t = K_CONTAINER_OF(o, struct task, obj);
    K_ASSERT(t->exited || t->nthreads == 0);
    K_ASSERT(list_empty(&t->regions));
    K_ASSERT(t->parent == NULL && list_empty(&t->children));
    hal_aspace_destroy(t->aspace);
    list_remove(&t->all_link);
    tk.count--;
    kcache_free(&tk.tasks, t);
}

/* The self handle's invoke operations are served by the system-call layer (syscall.c), a
 * handle to another task's by core/spawn.c. */
static const struct kobj_ops task_ops = {
    .name = "task",
    .kind = TW_KIND_TASK,
    .default_rights = TW_RIGHT_INVOKE | TW_RIGHT_WAIT,
    .signals = task_signals,
    .consume = task_consume,
    .destroy = task_destroy,
};

void task_module_init(void)
{
    k_memset(&tk, 0, sizeof(tk));
    kcache_init(&tk.tasks, "task", sizeof(struct task));
    kcache_init(&tk.regions, "region", sizeof(struct region));
    list_init(&tk.all);
    tk.next_id = 1;
}

/* A task with its self handle, on the task list, not yet traced. */
static int task_alloc(const char *name, size_t name_len, int32_t priority, struct task **out)
{
    if (name_len == 0 || name_len >= K_TASK_NAME || priority < 0 || priority > K_PRIO_MAX)
        return TW_E_INVAL;
    if (tk.count >= K_MAX_TASKS)
        return TW_E_LIMIT;
    struct task *t = kcache_alloc(&tk.tasks);
    if (t == NULL)
        return TW_E_NOMEM;
    t->aspace = hal_aspace_create();
    if (t->aspace == NULL) {
        kcache_free(&tk.tasks, t);
        return TW_E_NOMEM;
    }
    if (handle_table_init(&t->handles) != TW_OK) {
        hal_aspace_destroy(t->aspace);
        kcache_free(&tk.tasks, t);
        return TW_E_NOMEM;
    }
    kobj_init(&t->obj, &task_ops);
    t->id = tk.next_id++;
    k_memcpy(t->name, name, name_len);
    t->priority = priority;
    list_init(&t->regions);
    list_init(&t->threads);
    list_init(&t->children);
    list_init(&t->child_link);
    list_push_back(&tk.all, &t->all_link);
    tk.count++;
    /* Handle 0: the task itself. Its reference keeps the task until the table closes. */
    int64_t self = handle_install(t, NULL, &t->obj, task_ops.default_rights, 0, false);
    K_ASSERT(self == TW_HANDLE_SELF);
    *out = t;
    return TW_OK;
}

static void trace_start(const struct task *t)
{
    uint64_t name8 = 0;
    k_memcpy(&name8, t->name, K_MIN(k_strlen(t->name), sizeof(name8)));
    trace_emit(TR_TASK_START, t->id, (uint64_t)t->priority, name8);
}

int task_create(const char *name, size_t name_len, int32_t priority, struct task **out)
{
    int rc = task_alloc(name, name_len, priority, out);
    if (rc == TW_OK)
        trace_start(*out);
    return rc;
}

int task_spawn_alloc(const char *name, size_t name_len, int32_t priority, struct task **out)
{
    int rc = task_alloc(name, name_len, priority, out);
    if (rc == TW_OK)
        (*out)->spawned = true;
    return rc;
}

void task_spawn_commit(struct task *t, struct task *parent)
{
    K_ASSERT(t->spawned && t->parent == NULL && !parent->exited);
    trace_start(t);
    t->parent = parent;
    list_push_back(&parent->children, &t->child_link);
    parent->nchildren++;
}

void task_spawn_abort(struct task *t)
{
    K_ASSERT(t->spawned && t->parent == NULL && t->nthreads == 0 && list_empty(&t->threads));
    t->exited = true;                  /* it never ran: nothing traced, nothing to notify */
    handle_table_destroy(&t->handles); /* only the self handle */
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &t->regions)
    {
        task_remove_region(t, list_entry(pos, struct region, link));
    }
    kobj_unref(&t->obj); /* the caller's: the last */
}

struct region *task_add_region(struct task *t, void *base, size_t len)
{
    struct region *r = kcache_alloc(&tk.regions);
    if (r == NULL)
        return NULL;
    if (hal_aspace_map(t->aspace, base, len) != HAL_OK) {
        kcache_free(&tk.regions, r);
        return NULL;
    }
    r->base = (uintptr_t)base;
    r->len = len;
    list_push_front(&t->regions, &r->link);
    return r;
}

void task_remove_region(struct task *t, struct region *r)
{
    hal_aspace_unmap(t->aspace, (void *)r->base, r->len);
    list_remove(&r->link);
    if (r->block != NULL)
        page_free(r->block, r->order);
    kcache_free(&tk.regions, r);
}

void *task_alloc_region(struct task *t, size_t npages)
{
    unsigned order = page_order_for(npages);
    if (order > K_MAX_ORDER)
        return NULL;
    void *block = page_alloc(order);
    if (block == NULL)
        return NULL;
    struct region *r = task_add_region(t, block, (size_t)K_PAGE_SIZE << order);
    if (r == NULL) {
        page_free(block, order);
        return NULL;
    }
    r->block = block;
    r->order = order;
    return block;
}

bool task_range_ok(struct task *t, const struct thread *caller, uintptr_t p, size_t len)
{
    if (p + len < p)
        return false;
    struct list *pos;
    list_for_each(pos, &t->regions)
    {
        struct region *r = list_entry(pos, struct region, link);
        if (r->owner != NULL && r->owner != caller)
            continue;
        if (p >= r->base && p - r->base <= r->len && len <= r->len - (p - r->base))
            return true;
    }
    return false;
}

void task_end_as(struct task *t, int32_t status, uint32_t end)
{
    K_ASSERT(end == TW_TASK_END_EXIT || end == TW_TASK_END_KILLED || end == TW_TASK_END_CRASHED);
    if (t->exiting || t->exited)
        return;
    t->exiting = true;
    t->killed = end != TW_TASK_END_EXIT;
    t->end = end;
    t->exit_status = status;
    if (t->nthreads == 0) { /* never got a thread: nothing will run to end it */
        task_finish(t);
        return;
    }
    struct list *pos;
    list_for_each(pos, &t->threads)
    {
        struct thread *th = list_entry(pos, struct thread, task_link);
        th->killed = true;
        if (th->state == TH_BLOCKED)
            wait_wake(th, TW_E_CANCELED);
    }
}

void task_kill(struct task *t, int32_t status, bool killed)
{
    uint32_t end = !killed                     ? TW_TASK_END_EXIT
                   : status == TW_EXIT_CRASHED ? TW_TASK_END_CRASHED
                                               : TW_TASK_END_KILLED;
    task_end_as(t, status, end);
}

/*
 * t ended: it leaves the tree. Its living children move, in order, to the end of its
 * parent's list (each traced), and the parent's TW_SIG_SIGNALED asserts; without a parent
 * they become roots.
 */
static void tree_leave(struct task *t)
{
    struct task *p = t->parent;
    if (p != NULL) {
        K_ASSERT(p->nchildren > 0 && !p->exited);
        list_remove(&t->child_link);
        p->nchildren--;
        t->parent = NULL;
    }
    struct list *n;
    uint32_t moved = 0;
    while ((n = list_pop_front(&t->children)) != NULL) {
        struct task *c = list_entry(n, struct task, child_link);
        K_ASSERT(c->parent == t && !c->exited);
        c->parent = p;
        if (p != NULL) {
            list_push_back(&p->children, &c->child_link);
            p->nchildren++;
            p->adopted++;
        } else {
            list_init(&c->child_link);
        }
        trace_emit(TR_TASK_ADOPT, p != NULL ? p->id : 0, c->id, t->id);
        moved++;
    }
    K_ASSERT(moved == t->nchildren);
    t->nchildren = 0;
    t->adopt_seen = t->adopted; /* an ended task only signals its end */
    if (p != NULL && moved > 0)
        kobj_notify(&p->obj);
}

void task_finish(struct task *t)
{
    K_ASSERT(t->nthreads == 0 && !t->exited);
    t->exited = true;
    t->finish_rank = ++tk.finished;
    t->end_time = clock_now();
    trace_emit(TR_TASK_EXIT, t->id, (uint64_t)(int64_t)t->exit_status, t->killed ? 1 : 0);
    kobj_ref(&t->obj); /* the table holds the self handle: keep t alive while closing */
    tree_leave(t);
    handle_table_destroy(&t->handles);
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &t->regions)
    {
        struct region *r = list_entry(pos, struct region, link);
        if (r->block != NULL) /* owned memory; stacks go when their threads are reaped */
            task_remove_region(t, r);
    }
    kobj_notify(&t->obj);
    kobj_unref(&t->obj);
}

struct task *task_first(void)
{
    return list_empty(&tk.all) ? NULL : list_entry(tk.all.next, struct task, all_link);
}

struct task *task_next(struct task *t)
{
    return t->all_link.next == &tk.all ? NULL : list_entry(t->all_link.next, struct task, all_link);
}

struct task *task_by_id(uint32_t id)
{
    for (struct task *t = task_first(); t != NULL; t = task_next(t))
        if (t->id == id)
            return t;
    return NULL;
}

struct task *task_child_by_id(struct task *t, uint32_t id)
{
    struct list *pos;
    list_for_each(pos, &t->children)
    {
        struct task *c = list_entry(pos, struct task, child_link);
        if (c->id == id)
            return c;
    }
    return NULL;
}

uint32_t task_count(void)
{
    return tk.count;
}
