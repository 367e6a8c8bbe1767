/* SPDX-License-Identifier: MIT */
/*
 * core/usercopy.c - user pointer checks (see usercopy.h). The running thread's own stack
 * is checked first: it holds most buffers, and it keeps the common case O(1). A buffer may
 * lie in the task's heap or on the caller's own stack above its stack pointer, never on
 * another thread's stack (in the simulator, a blocked thread's kernel frames live there).
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
    if (p >= r->base && p - r->base < r->len) /* on the caller's own stack: above its sp */
        return len <= r->len - (p - r->base) && p >= t->user_floor;
    return task_range_ok(t->task, t, (uintptr_t)p, (size_t)len);
}

/*
 * The only code that touches user memory. User memory has no C objects in it as far as
 * the kernel is concerned, so it is copied without AddressSanitizer's checks (in the
 * simulator a user stack carries the redzones of the user code's own frames). Volatile
 * accesses keep the compiler from turning the loop back into an instrumented memcpy.
 */
__attribute__((no_sanitize("address"))) static void raw_copy(void *dst, const void *src, size_t n)
{
    volatile uint8_t *d = dst;
    const volatile uint8_t *s = src;
    size_t i = 0;
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        for (; i + 8 <= n; i += 8)
            *(volatile uint64_t *)(d + i) = *(const volatile uint64_t *)(s + i);
    }
    if (n - i >= 8) { /* unaligned */
        for (; i < n; i++)
            d[i] = s[i];
        return;
    }
    /* The last 0 .. 7 bytes (all of a short message): at most three fixed-size moves, which
     * the compiler emits as plain loads and stores, never as a call. */
    if ((n - i) & 4) {
        __builtin_memcpy((void *)(d + i), (const void *)(s + i), 4);
        i += 4;
    }
    if ((n - i) & 2) {
        __builtin_memcpy((void *)(d + i), (const void *)(s + i), 2);
        i += 2;
    }
    if ((n - i) & 1)
        d[i] = s[i];
}

void copy_from_user_checked(void *dst, uint64_t src, size_t len)
{
    raw_copy(dst, (const void *)(uintptr_t)src, len);
}

void copy_to_user_checked(uint64_t dst, const void *src, size_t len)
{
    raw_copy((void *)(uintptr_t)dst, src, len);
}

int copy_from_user(void *dst, uint64_t src, size_t len)
{
    if (!user_range_ok(src, len))
        return TW_E_FAULT;
    raw_copy(dst, (const void *)(uintptr_t)src, len);
    return TW_OK;
}

int copy_to_user(uint64_t dst, const void *src, size_t len)
{
    if (!user_range_ok(dst, len))
        return TW_E_FAULT;
    raw_copy((void *)(uintptr_t)dst, src, len);
    return TW_OK;
}
