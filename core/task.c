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

static uint32_t task_signals(struct kobj *o)
{
    struct task *t = K_CONTAINER_OF(o, struct task, obj);
    return t->exited ? TW_SIG_EXITED : 0;
}

static void task_destroy(struct kobj *o)
{
    struct task *t = K_CONTAINER_OF(o, struct task, obj);
    K_ASSERT(t->exited || t->nthreads == 0);
    K_ASSERT(list_empty(&t->regions));
    hal_aspace_destroy(t->aspace);
    list_remove(&t->all_link);
    tk.count--;
    kcache_free(&tk.tasks, t);
}

/* The self handle's invoke operations are served by the system-call layer (syscall.c). */
static const struct kobj_ops task_ops = {
    .name = "task",
    .kind = TW_KIND_TASK,
    .default_rights = TW_RIGHT_INVOKE | TW_RIGHT_WAIT,
    .signals = task_signals,
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

int task_create(const char *name, size_t name_len, int32_t priority, struct task **out)
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
    list_push_back(&tk.all, &t->all_link);
    tk.count++;
    /* Handle 0: the task itself. Its reference keeps the task until the table closes. */
    int64_t self = handle_install(t, NULL, &t->obj, task_ops.default_rights, 0, false);
    K_ASSERT(self == TW_HANDLE_SELF);
    uint64_t name8 = 0;
    k_memcpy(&name8, t->name, K_MIN(name_len, sizeof(name8)));
    trace_emit(TR_TASK_START, t->id, (uint64_t)priority, name8);
    *out = t;
    return TW_OK;
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

void task_kill(struct task *t, int32_t status, bool killed)
{
    if (t->exiting || t->exited)
        return;
    t->exiting = true;
    t->killed = killed;
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

void task_finish(struct task *t)
{
    K_ASSERT(t->nthreads == 0 && !t->exited);
    t->exited = true;
    t->finish_rank = ++tk.finished;
    t->end_time = clock_now();
    trace_emit(TR_TASK_EXIT, t->id, (uint64_t)(int64_t)t->exit_status, t->killed ? 1 : 0);
    kobj_ref(&t->obj); /* the table holds the self handle: keep t alive while closing */
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

uint32_t task_count(void)
{
    return tk.count;
}
