/* SPDX-License-Identifier: MIT */
/*
 * core/handle.c - handle tables (see handle.h).
 */
#include "handle.h"
#include "kassert.h"
#include "klib.h"
#include "limits.h"
#include "obj.h"
#include "page.h"
#include "task.h"
#include "thread.h"

#define DIR_ORDER 1 /* 2 pages: K_HANDLE_DIR pointers */
K_STATIC_ASSERT(sizeof(struct handle_entry) == 16, "entries are 16 bytes");
K_STATIC_ASSERT(K_HANDLE_DIR * sizeof(void *) == (K_PAGE_SIZE << DIR_ORDER), "dir size");
K_STATIC_ASSERT(K_HANDLE_PAGE * 16 == (K_PAGE_SIZE << 0), "one page of entries");

int handle_table_init(struct handle_table *ht)
{
    k_memset(ht, 0, sizeof(*ht));
    ht->dir = page_alloc(DIR_ORDER);
    if (ht->dir == NULL)
        return TW_E_NOMEM;
    /* The first page of entries now: installing handle 0 (the task) can then not fail. */
    ht->dir[0] = page_alloc(0);
    if (ht->dir[0] == NULL) {
        page_free(ht->dir, DIR_ORDER);
        ht->dir = NULL;
        return TW_E_NOMEM;
    }
    return TW_OK;
}

static struct handle_entry *entry_at(const struct handle_table *ht, uint32_t idx)
{
    struct handle_entry *page = ht->dir[idx / K_HANDLE_PAGE];
    return page != NULL ? &page[idx % K_HANDLE_PAGE] : NULL;
}

void handle_table_destroy(struct handle_table *ht)
{
    if (ht->dir == NULL)
        return;
    /* Close in ascending handle order: a deterministic sequence of last_close calls. Entry
     * pages exist only below the limit (and the first, from handle_table_init). */
    uint32_t npages = K_MAX((ht->limit + K_HANDLE_PAGE - 1) / K_HANDLE_PAGE, 1u);
    for (uint32_t p = 0; p < npages; p++) {
        struct handle_entry *page = ht->dir[p];
        for (uint32_t i = 0; page != NULL && i < K_HANDLE_PAGE && ht->count > 0; i++) {
            struct kobj *o = page[i].obj;
            if (o == NULL)
                continue;
            page[i].obj = NULL;
            ht->count--;
            kobj_handle_put(o);
        }
    }
    K_ASSERT(ht->count == 0);
    for (uint32_t p = 0; p < K_HANDLE_DIR; p++)
        K_DEBUG_ASSERT(p < npages || ht->dir[p] == NULL);
    for (uint32_t p = 0; p < npages; p++)
        if (ht->dir[p] != NULL)
            page_free(ht->dir[p], 0);
    page_free(ht->dir, DIR_ORDER);
    ht->dir = NULL;
    ht->limit = 0;
    ht->hint = 0;
}

static int64_t install_task(struct handle_table *ht, struct kobj *obj, uint32_t rights,
                            uint32_t flags)
{
    uint32_t idx = ht->hint;
    for (;; idx++) {
        if (idx >= K_HANDLE_PAGE * K_HANDLE_DIR)
            return TW_E_LIMIT;
        struct handle_entry *e = entry_at(ht, idx);
        if (e == NULL)
            break; /* a whole unallocated page: idx is free */
        if (e->obj == NULL)
            break;
    }
    struct handle_entry **page = &ht->dir[idx / K_HANDLE_PAGE];
    if (*page == NULL && (*page = page_alloc(0)) == NULL)
        return TW_E_NOMEM;
    struct handle_entry *e = &(*page)[idx % K_HANDLE_PAGE];
    e->obj = obj;
    e->rights = rights;
    e->flags = flags;
    kobj_handle_get(obj);
    ht->count++;
    ht->hint = idx + 1;
    if (idx + 1 > ht->limit)
        ht->limit = idx + 1;
    return (int64_t)idx;
}

int64_t handle_install(struct task *tk, struct thread *th, struct kobj *obj, uint32_t rights,
                       uint32_t flags, bool thread_local)
{
    K_ASSERT(obj != NULL && (rights & ~TW_RIGHTS_ALL) == 0);
    if (!thread_local)
        return install_task(&tk->handles, obj, rights, flags);
    for (int i = 0; i < K_THREAD_HANDLES; i++) {
        struct handle_entry *e = &th->tls[i];
        if (e->obj == NULL) {
            e->obj = obj;
            e->rights = rights;
            e->flags = flags;
            kobj_handle_get(obj);
            return TW_HANDLE_TLS_FIRST - i;
        }
    }
    return TW_E_LIMIT;
}

struct handle_entry *handle_lookup(struct task *tk, struct thread *th, int32_t h)
{
    struct handle_entry *e;
    if (h < 0) {
        int32_t i = TW_HANDLE_TLS_FIRST - h;
        if (i < 0 || i >= K_THREAD_HANDLES || th == NULL)
            return NULL;
        e = &th->tls[i];
    } else {
        if ((uint32_t)h >= tk->handles.limit)
            return NULL;
        e = entry_at(&tk->handles, (uint32_t)h);
    }
    return e != NULL && e->obj != NULL ? e : NULL;
}

int handle_get(struct task *tk, struct thread *th, int32_t h, uint32_t rights,
               struct handle_entry **out)
{
    struct handle_entry *e = handle_lookup(tk, th, h);
    if (e == NULL)
        return TW_E_BADH;
    if ((e->rights & rights) != rights)
        return TW_E_ACCESS;
    *out = e;
    return TW_OK;
}

int handle_take(struct task *tk, struct thread *th, int32_t h, struct handle_entry *out)
{
    struct handle_entry *e = handle_lookup(tk, th, h);
    if (e == NULL)
        return TW_E_BADH;
    *out = *e;
    e->obj = NULL;
    if (h >= 0) {
        tk->handles.count--;
        if ((uint32_t)h < tk->handles.hint)
            tk->handles.hint = (uint32_t)h;
    }
    return TW_OK;
}

int64_t handle_take_pending(struct kobj **pending, uint32_t rights)
{
    if (*pending == NULL)
        return TW_E_NOENT;
    struct thread *t = thread_current();
    int64_t h = handle_install(t->task, t, *pending, rights, 0, false);
    if (h >= 0)
        handle_drop_pending(pending); /* the in-flight handle became the installed one */
    return h;
}

void handle_drop_pending(struct kobj **pending)
{
    struct kobj *o = *pending;
    *pending = NULL;
    if (o != NULL)
        kobj_handle_put(o);
}

void handle_close_thread_locals(struct thread *th)
{
    for (int i = 0; i < K_THREAD_HANDLES; i++) {
        struct kobj *o = th->tls[i].obj;
        if (o == NULL)
            continue;
        th->tls[i].obj = NULL;
        kobj_handle_put(o);
    }
}

uint32_t handle_table_count(const struct handle_table *ht)
{
    return ht->count;
}
