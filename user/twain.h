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

/*
 * A real CPU fault of the calling thread, the way a buggy server dies (issue 13: a server
 * restarted after a fault in ring 3). Each kind is the x86 vector the fault raises.
 */
enum tw_crash_kind {
    TW_CRASH_GP = 13, /* general protection: a privileged instruction (hlt) in ring 3 */
    TW_CRASH_PF = 14, /* page fault: a store to an unmapped address (16, in page 0) */
};

/*
 * Take the fault kind names: on UEFI the instruction runs in ring 3 and the CPU traps; the
 * simulator delivers the same vector to the kernel at the same virtual time (hal.h,
 * hal_user_fault), so both traces are the same. The kernel ends the whole task as crashed
 * (status TW_EXIT_CRASHED; its trace has the fault with the vector) and the call never
 * returns. Returns only for a kind that is none of the above: TW_E_INVAL, nothing done.
 */
int64_t tw_crash(enum tw_crash_kind kind);

/* Name of an error code ("peer_closed", ...) or NULL when code is not one. */
const char *tw_strerror(int64_t code);

#endif /* TWAIN_USER_TWAIN_H */
