/* SPDX-License-Identifier: MIT */
/*
 * user/syscall.c - the nine system-call stubs and their conveniences (see twain.h). Each
 * is one trap: arguments are passed as they are, and the kernel checks them all. The typed
 * stub of every invoke operation is generated from the operation table (user/ops.h). Also
 * tw_crash, the one way into the kernel that is not a system call: a CPU fault.
 */
#include "../core/klib.h"
#include "../hal/hal.h"
#include "ops.h"
#include "twain.h"

int64_t tw_open_n(const char *url, size_t url_len, uint32_t flags)
{
    return hal_trap(TW_SYS_OPEN, (uint64_t)(uintptr_t)url, url_len, flags, 0, 0, 0);
}

int64_t tw_open(const char *url, uint32_t flags)
{
    return tw_open_n(url, k_strnlen(url, 4096), flags);
}

int64_t tw_close(int32_t h)
{
    return hal_trap(TW_SYS_CLOSE, (uint64_t)(int64_t)h, 0, 0, 0, 0, 0);
}

int64_t tw_read(int32_t h, void *buf, size_t len)
{
    return hal_trap(TW_SYS_READ, (uint64_t)(int64_t)h, (uint64_t)(uintptr_t)buf, len, 0, 0, 0);
}

int64_t tw_write(int32_t h, const void *buf, size_t len)
{
    return hal_trap(TW_SYS_WRITE, (uint64_t)(int64_t)h, (uint64_t)(uintptr_t)buf, len, 0, 0, 0);
}

int64_t tw_invoke(int32_t h, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return hal_trap(TW_SYS_INVOKE, (uint64_t)(int64_t)h, op, a0, a1, a2, a3);
}

int64_t tw_poll(struct tw_poll_item *items, uint32_t n, uint64_t deadline_ns)
{
    return hal_trap(TW_SYS_POLL, (uint64_t)(uintptr_t)items, n, deadline_ns, 0, 0, 0);
}

int64_t tw_wait(int32_t h, uint32_t signals, uint64_t deadline_ns)
{
    return hal_trap(TW_SYS_WAIT, (uint64_t)(int64_t)h, signals, deadline_ns, 0, 0, 0);
}

int64_t tw_seek(int32_t h, int64_t off, int whence)
{
    return hal_trap(TW_SYS_SEEK, (uint64_t)(int64_t)h, (uint64_t)off, (uint64_t)whence, 0, 0, 0);
}

int64_t tw_tell(int32_t h)
{
    return hal_trap(TW_SYS_TELL, (uint64_t)(int64_t)h, 0, 0, 0, 0, 0);
}

int64_t tw_syscall(uint64_t nr, const uint64_t args[6])
{
    return hal_trap(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
}

_Noreturn void tw_exit(int32_t status)
{
    tw_task_exit((uint64_t)(int64_t)status);
    __builtin_trap(); /* the kernel never returns from exit */
}

_Noreturn void tw_thread_exit(void)
{
    tw_task_thread_exit();
    __builtin_trap();
}

int64_t tw_now(void)
{
    return tw_task_now();
}

int64_t tw_sleep_ns(uint64_t ns)
{
    return tw_task_sleep(ns);
}

int64_t tw_compute_ns(uint64_t ns)
{
    return tw_task_compute(ns);
}

int64_t tw_crash(enum tw_crash_kind kind)
{
    if (kind == TW_CRASH_PF)
        hal_user_fault(HAL_VEC_PF);
    if (kind == TW_CRASH_GP)
        hal_user_fault(HAL_VEC_GP);
    return TW_E_INVAL;
}
