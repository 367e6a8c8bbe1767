/* SPDX-License-Identifier: MIT */
/*
 * core/usercopy.c - user pointer checks (see usercopy.h). The running thread's own stack
 * is checked first: it holds most buffers, and it keeps the common case O(1).
 */
#include "usercopy.h"
#include "kassert.h"
#include "klib.h"
#include "task.h"
#include "thread.h"

bool user_range_ok(uint64_t p, uint64_t len)
{
    if (len == 0)
        return true;
    if (p == 0 || p + len < p)
        return false;
    struct thread *t = thread_current();
    K_ASSERT(t != NULL);
    const struct region *r = t->stack_region;
    if (p >= r->base && p - r->base < r->len && len <= r->len - (p - r->base))
        return true;
    return task_range_ok(t->task, (uintptr_t)p, (size_t)len);
}

int copy_from_user(void *dst, uint64_t src, size_t len)
{
    if (!user_range_ok(src, len))
        return TW_E_FAULT;
    k_memcpy(dst, (const void *)(uintptr_t)src, len);
    return TW_OK;
}

int copy_to_user(uint64_t dst, const void *src, size_t len)
{
    if (!user_range_ok(dst, len))
        return TW_E_FAULT;
    k_memcpy((void *)(uintptr_t)dst, src, len);
    return TW_OK;
}
