/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64/context.h - preparing a new context's stack for x86_64_switch (shared by
 * both backends). Header-only so each backend inlines it.
 */
#ifndef TWAIN_HAL_X86_64_CONTEXT_H
#define TWAIN_HAL_X86_64_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

void x86_64_switch(void **save_sp, void *load_sp);
void x86_64_thread_start(void);

/*
 * Return the initial stack pointer of a context on [stack, stack+size) that, when switched
 * to, calls fn(arg) on a 16-byte aligned stack.
 */
static inline void *x86_64_context_prepare(void *stack, size_t size, void (*fn)(uintptr_t),
                                           uintptr_t arg)
{
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)top; /* after the switch's ret, rsp == top: aligned */
    *--sp = (uint64_t)(uintptr_t)x86_64_thread_start; /* return address of the switch */
    *--sp = 0;                                        /* rbp */
    *--sp = 0;                                        /* rbx */
    *--sp = (uint64_t)(uintptr_t)fn;                  /* r12 */
    *--sp = (uint64_t)arg;                            /* r13 */
    *--sp = 0;                                        /* r14 */
    *--sp = 0;                                        /* r15 */
    return sp;
}

#endif /* TWAIN_HAL_X86_64_CONTEXT_H */
