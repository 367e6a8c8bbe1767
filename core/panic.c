/* SPDX-License-Identifier: MIT */
/*
 * core/panic.c - the kernel panic: one report on the console, then the HAL stops.
 */
#include "../hal/hal.h"
#include "kassert.h"
#include "klib.h"
#include "task.h"
#include "thread.h"

_Noreturn void k_panic_at(const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    size_t n = k_snprintf(msg, sizeof(msg), "\nPANIC at %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    if (n < sizeof(msg))
        n += k_vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
    va_end(ap);
    struct thread *t = thread_current();
    if (n < sizeof(msg) && t != NULL)
        n += k_snprintf(msg + n, sizeof(msg) - n, "\n  running thread %u of task %u (%s)", t->id,
                        t->task->id, t->task->name);
    if (n < sizeof(msg))
        n += k_snprintf(msg + n, sizeof(msg) - n, "\n");
    hal_console_write(msg, K_MIN(n, sizeof(msg) - 1));
    hal_panic_halt();
}
