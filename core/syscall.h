/* SPDX-License-Identifier: MIT */
/*
 * core/syscall.h - the system-call layer: one dispatch table indexed by number, every
 * argument checked before use, one error enum. The entry point is k_syscall (kentry.h).
 */
#ifndef TWAIN_CORE_SYSCALL_H
#define TWAIN_CORE_SYSCALL_H

#include <stdint.h>

/* Largest length a read or write accepts, and the most one call moves (short I/O). */
#define SYS_IO_MAX   (1u << 20)
#define SYS_IO_CHUNK 4096u

/* Bytes of kernel memory an invoke's buffers are copied into (the optable test checks that
 * every operation's bounds fit: two paths of 1024 bytes are the most). */
#define SYS_INVOKE_BUF 2048u

/* System calls made since k_init (statistics). */
uint64_t syscall_count(void);

/* Entry points user code may start threads at (TW_TASK_SPAWN_THREAD checks against them). */
void syscall_reset_entries(void);
int syscall_register_entry(void (*entry)(uintptr_t)) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_SYSCALL_H */
