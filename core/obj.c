/* SPDX-License-Identifier: MIT */
/*
 * core/obj.c - reference/handle counting and signal notification of kernel objects.
 */
#include "obj.h"
#include "abi.h"
#include "kassert.h"
#include "optable.h"
#include "wait.h"

static uint32_t next_id;
static uint32_t live;
static struct list all_objects;

void kobj_reset_ids(void)
{
    next_id = 1;
    live = 0;
    list_init(&all_objects);
}

struct list *kobj_all(void)
{
    return &all_objects;
}

void kobj_init(struct kobj *o, const struct kobj_ops *ops)
{
    K_ASSERT(ops != NULL && ops->signals != NULL && ops->destroy != NULL);
    o->ops = ops;
    o->id = next_id++;
    o->refs = 1;
    o->handles = 0;
    o->closed = false;
    list_init(&o->waiters);
    list_push_back(&all_objects, &o->all);
    live++;
}

void kobj_ref(struct kobj *o)
{
    K_ASSERT(o->refs > 0 && o->refs < UINT32_MAX);
    o->refs++;
}

/* The last reference goes (or the count is bad). Out of line, so that kobj_unref's common
 * case needs no stack frame. */
static __attribute__((noinline)) void unref_last(struct kobj *o)
{
    K_ASSERT(o->refs > 0);
    if (o->refs == 1 && !o->closed && o->ops->last_close != NULL) {
        o->closed = true; /* never had a handle: close it before it goes */
        o->ops->last_close(o);
    }
    if (--o->refs > 0)
        return;
    K_ASSERT(o->handles == 0);
    K_ASSERT(list_empty(&o->waiters)); /* waiters hold handles, so none can remain */
    K_ASSERT(live > 0);
    live--;
    list_remove(&o->all);
    o->ops->destroy(o);
}

void kobj_unref(struct kobj *o)
{
    if (o->refs > 1) /* the common case: not the last reference */
        o->refs--;
    else
        unref_last(o);
}

void kobj_handle_get(struct kobj *o)
{
    kobj_ref(o);
    o->handles++;
}

void kobj_handle_put(struct kobj *o)
{
    K_ASSERT(o->handles > 0 && o->refs >= o->handles);
    if (--o->handles == 0 && o->ops->last_close != NULL) {
        o->closed = true;
        o->ops->last_close(o);
    }
    kobj_unref(o);
}

int64_t kobj_invoke(struct kobj *o, const struct kargs *a)
{
    const struct kobj_ops *ops = o->ops;
    switch (a->op->op) {
    case TW_BLK_SIZE:
        if (ops->size != NULL)
            return ops->size(o);
        break;
    case TW_BLK_FLUSH:
        if (ops->flush != NULL)
            return ops->flush(o);
        break;
    case TW_FILE_TRUNCATE:
        if (ops->truncate != NULL)
            return ops->truncate(o, a->v[0]);
        break;
    case TW_FILE_STAT:
        if (ops->stat != NULL)
            return ops->stat(o, a->buf[0]);
        break;
    default:
        break;
    }
    return ops->invoke != NULL ? ops->invoke(o, a) : TW_E_NOTSUP;
}

int64_t kobj_invoke_simple(struct kobj *o, uint32_t op)
{
    const struct tw_op *d = tw_op_find(op);
    K_ASSERT(d != NULL && d->arg[0] == TW_ARG_NONE);
    if ((d->kinds & o->ops->kind) == 0)
        return TW_E_NOTSUP;
    struct kargs a = {.op = d};
    return kobj_invoke(o, &a);
}

uint32_t kobj_signals(struct kobj *o)
{
    return o->ops->signals(o);
}

void kobj_notify(struct kobj *o)
{
    if (list_empty(&o->waiters))
        return;
    uint32_t sig = kobj_signals(o);
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &o->waiters)
    {
        struct wait_node *n = list_entry(pos, struct wait_node, link);
        if ((n->signals & sig) != 0) {
            /* Waking removes all of the thread's nodes; restart from a safe point. */
            wait_wake(n->thread, TW_OK);
            tmp = o->waiters.next;
        }
    }
}

uint32_t kobj_live_count(void)
{
    return live;
}
