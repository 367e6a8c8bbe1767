/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/user_lib.c - user-executable (the build moves this file's sections into
 * the user runtime's pages): the memory functions the compiler calls on its own (user code
 * and the kernel both use them), and the return address of a thread's entry function.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../core/kentry.h" /* the ABI's constants only: this is ring-3 code */
#include "../hal.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void xe_user_thread_return(void);

/*
 * rep movsq / stosq for the bulk, then bytes: the compiler cannot turn these into calls
 * to themselves, and under QEMU's TCG the quadword forms are some 20 times faster than
 * rep movsb / stosb (measured: 4 MiB cleared in 0.6 ms instead of 15 ms).
 */
void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    size_t q = n / 8, r = n % 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(r) : : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    if ((uintptr_t)dst - (uintptr_t)src >= n)
        return memcpy(dst, src, n); /* no harmful overlap: copy forwards */
    const uint8_t *s = (const uint8_t *)src + n - 1;
    uint8_t *d = (uint8_t *)dst + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    size_t q = n / 8, r = n % 8;
    uint64_t v = (uint8_t)c * 0x0101010101010101ull;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(r) : "a"(v) : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* A thread's entry function must end with TW_TASK_THREAD_EXIT; if it returns, do it here
 * (the system call tw_thread_exit of user/syscall.c makes). */
void xe_user_thread_return(void)
{
    hal_trap(TW_SYS_INVOKE, (uint64_t)(int64_t)TW_HANDLE_SELF, TW_TASK_THREAD_EXIT, 0, 0, 0, 0);
    __builtin_trap();
}
