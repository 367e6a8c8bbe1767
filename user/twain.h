/* SPDX-License-Identifier: MIT */
/*
 * user/twain.h - the user-side system-call stubs for the nine calls (docs/operations.md).
 *
 * Every stub traps through hal_trap() and returns the kernel's result: >= 0 on success or
 * a TW_E_* code from core/abi.h. Safe to call from any user thread of any task.
 */
#ifndef TWAIN_USER_TWAIN_H
#define TWAIN_USER_TWAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../core/abi.h"

int64_t tw_open(const char *url, uint32_t flags);
int64_t tw_open_n(const char *url, size_t url_len, uint32_t flags);
int64_t tw_close(int32_t h);
int64_t tw_read(int32_t h, void *buf, size_t len);
int64_t tw_write(int32_t h, const void *buf, size_t len);
int64_t tw_invoke(int32_t h, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
int64_t tw_poll(struct tw_poll_item *items, uint32_t n, uint64_t deadline_ns);
int64_t tw_wait(int32_t h, uint32_t signals, uint64_t deadline_ns);
int64_t tw_seek(int32_t h, int64_t off, int whence);
int64_t tw_tell(int32_t h);
/* Any system call number with any six arguments (the scenario's syscall step). */
int64_t tw_syscall(uint64_t nr, const uint64_t args[6]);

/* Conveniences over TW_HANDLE_SELF invoke operations. */
_Noreturn void tw_exit(int32_t status);
_Noreturn void tw_thread_exit(void);
int64_t tw_now(void);
int64_t tw_sleep_ns(uint64_t ns);
int64_t tw_compute_ns(uint64_t ns);

/* Name of an error code ("peer_closed", ...) or NULL when code is not one. */
const char *tw_strerror(int64_t code);

#endif /* TWAIN_USER_TWAIN_H */
