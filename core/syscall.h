/* SPDX-License-Identifier: MIT */
/*
 * core/syscall.h - the system-call layer: one dispatch table indexed by number, every
 * argument checked before use, one error enum. The entry point is k_syscall (kentry.h).
 */
#ifndef TWAIN_CORE_SYSCALL_H
#define TWAIN_CORE_SYSCALL_H

#include <stdint.h>

#include "limits.h" /* SYS_IO_MAX, SYS_IO_CHUNK, SYS_INVOKE_BUF, K_USER_ENTRIES */

/* System calls made since k_init (statistics). */
uint64_t syscall_count(void);

/* Reset the module (k_init): no entry points registered, no observer (kentry.h). */
void syscall_module_init(void);
/* Entry points user code may start threads at (TW_TASK_SPAWN_THREAD checks against them):
 * at most K_USER_ENTRIES, else TW_E_LIMIT. */
int syscall_register_entry(void (*entry)(uintptr_t)) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_SYSCALL_H */
