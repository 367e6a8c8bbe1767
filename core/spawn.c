/* SPDX-License-Identifier: MIT */
/*
 * core/spawn.c - tasks from user space (see spawn.h, docs/tasks.md). A spawn checks
 * everything, then builds the child in steps that can each be undone (task, heap, thread,
 * the caller's handle to it), and only then commits: traces it, links it into the tree,
 * moves the handles and starts its thread, none of which can fail.
 */
#include "spawn.h"
#include "clock.h"
#include "handle.h"
#include "kassert.h"
#include "klib.h"
#include "optable.h"
#include "program.h"
#include "task.h"
#include "thread.h"
#include "trace.h"
#include "wait.h"

/* The handles to move: each the caller's, with the transfer right, none twice. */
static int check_moved(const int32_t *hv, uint32_t n)
{
    struct thread *t = thread_current();
    for (uint32_t i = 0; i < n; i++) {
        struct handle_entry *e;
        int rc = handle_get(t->task, t, hv[i], TW_RIGHT_TRANSFER, &e);
        if (rc != TW_OK)
            return rc;
        for (uint32_t j = 0; j < i; j++)
            if (hv[j] == hv[i])
                return TW_E_INVAL;
    }
    return TW_OK;
}

/* Move the checked handles hv[0..n) out of the caller's table into child's, at 1..n. */
static void move_handles(struct task *child, const int32_t *hv, uint32_t n)
{
    struct thread *t = thread_current();
    for (uint32_t i = 0; i < n; i++) {
        struct handle_entry e;
        int rc = handle_take(t->task, t, hv[i], &e);
        K_ASSERT(rc == TW_OK);
        wait_cancel_handle(e.obj, t->task, hv[i]);
        /* The child's table has only its self handle and its first page: cannot fail. */
        int64_t h = handle_install(child, NULL, e.obj, e.rights, e.flags, false);
        K_ASSERT(h == (int64_t)i + 1);
        kobj_handle_put(e.obj); /* the taken entry's reference: the child's holds one now */
    }
}

/* The start block at the child's heap base: the command line, what was moved. */
static void fill_start(struct tw_spawn_start *s, const char *cmd, uint32_t len, uint32_t n)
{
    s->heap_size = (uint64_t)K_SPAWN_HEAP_PAGES * K_PAGE_SIZE;
    s->cmd_len = len;
    s->nhandles = n;
    k_memcpy(s->cmd, cmd, len);
}

int64_t spawn_task(const struct kargs *a)
{
    const char *cmd = a->buf[0];
    uint32_t len = (uint32_t)a->v[1], n = (uint32_t)a->v[3];
    const int32_t *hv = a->buf[2];
    K_ASSERT(len <= TW_SPAWN_CMD_MAX && n <= TW_SPAWN_MAX_HANDLES); /* the table's bounds */
    if (len == 0)
        return TW_E_INVAL;
    int rc = check_moved(hv, n);
    if (rc != TW_OK)
        return rc;
    uint32_t name_len = 0;
    while (name_len < len && cmd[name_len] != ' ')
        name_len++;
    const struct k_program *prog = program_find(cmd, name_len);
    if (prog == NULL)
        return TW_E_NOENT;
    struct thread *caller = thread_current();
    struct task *parent = caller->task;
    struct task *child;
    rc = task_spawn_alloc(prog->name, prog->name_len, caller->priority, &child);
    if (rc != TW_OK)
        return rc;
    struct tw_spawn_start *start = task_alloc_region(child, K_SPAWN_HEAP_PAGES);
    struct thread *th = NULL;
    if (start == NULL) {
        task_spawn_abort(child);
        return TW_E_NOMEM;
    }
    fill_start(start, cmd, len, n);
    rc = thread_alloc(child, prog->entry, (uintptr_t)start, caller->priority, &th);
    if (rc != TW_OK) {
        task_spawn_abort(child);
        return rc;
    }
    int64_t h = handle_install(parent, caller, &child->obj, TW_TASK_RIGHTS, 0, false);
    if (h < 0) {
        thread_discard(th);
        task_spawn_abort(child);
        return h;
    }
    /* Commit: nothing below fails. */
    task_spawn_commit(child, parent);
    move_handles(child, hv, n);
    trace_emit(TR_TASK_SPAWN, parent->id, child->id, n);
    thread_start(th);
    kobj_unref(&child->obj); /* task_spawn_alloc's: the handles and the thread hold it now */
    return h;
}

static void fill_status(const struct task *t, struct tw_task_status *s)
{
    s->id = t->id;
    s->state = t->exited ? TW_TASK_EXITED : TW_TASK_RUNNING;
    s->end = t->exiting || t->exited ? t->end : TW_TASK_END_NONE;
    s->code = t->exiting || t->exited ? t->exit_status : 0;
    s->end_ns = t->exited ? t->end_time : 0;
    s->parent = t->parent != NULL ? t->parent->id : 0;
    s->children = t->nchildren;
    s->adopted = t->adopted;
}

/* Up to cap bytes of children's ids (4 each, in the tree's order) into out; how many. */
static int64_t list_children(const struct task *t, uint32_t *out, uint64_t cap)
{
    uint64_t room = cap / sizeof(uint32_t), i = 0;
    const struct list *pos;
    list_for_each(pos, &t->children)
    {
        const struct task *c = list_entry(pos, const struct task, child_link);
        if (i < room)
            out[i] = c->id;
        i++;
    }
    K_ASSERT(i == t->nchildren);
    return (int64_t)i;
}

/* A new handle (TW_TASK_RIGHTS) to t's living child with id. */
static int64_t child_handle(struct task *t, uint64_t id)
{
    struct task *c = id <= UINT32_MAX ? task_child_by_id(t, (uint32_t)id) : NULL;
    if (c == NULL)
        return TW_E_NOENT;
    struct thread *caller = thread_current();
    return handle_install(caller->task, caller, &c->obj, TW_TASK_RIGHTS, 0, false);
}

int64_t task_handle_invoke(struct task *t, const struct kargs *a)
{
    switch (a->op->op) {
    case TW_TASK_KILL: {
        int64_t status = (int64_t)a->v[0];
        if (status < INT32_MIN || status > INT32_MAX)
            return TW_E_INVAL;
        K_ASSERT(t != thread_current()->task);
        task_end_as(t, (int32_t)status, TW_TASK_END_KILLED); /* no effect once it ends */
        return TW_OK;
    }
    case TW_TASK_STATUS:
        fill_status(t, a->buf[0]);
        return TW_OK;
    case TW_TASK_CHILDREN:
        return list_children(t, a->buf[0], a->v[1]);
    case TW_TASK_CHILD:
        return child_handle(t, a->v[0]);
    default:
        K_ASSERT(false); /* the table gives TW_KIND_TASK no other operation */
        return TW_E_NOTSUP;
    }
}
