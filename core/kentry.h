/* SPDX-License-Identifier: MIT */
/*
 * core/kentry.h - the door from a HAL backend (hal/sim, hal/x86_64-efi) into core: the
 * entry points it calls, and the few core headers it may use, which this header includes
 * so that a backend includes no other core header (tools/check-layering):
 *
 *   abi.h           the error codes and constants of the user ABI (a backend's ring-3
 *                   runtime makes system calls too)
 *   klib.h          the kernel's library: memory and string helpers, bounded formatting
 *   kassert.h       K_ASSERT, K_STATIC_ASSERT and k_panic (which ends in hal_panic_halt)
 *   trace_format.h  the records hal_trace_write delivers
 *
 * Nothing else in core is for backends: they reach the kernel only through these. The
 * program that boots a machine (boot/uefi/) uses the same door, plus the loader's API for
 * scenarios and providers/providers.h; the native programs of its test build boot the
 * kernel through "Native programs" below.
 */
#ifndef TWAIN_CORE_KENTRY_H
#define TWAIN_CORE_KENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "kassert.h"
#include "klib.h"
#include "trace_format.h"

/* First code a new thread runs (on its stack, after its first switch-in). Never returns. */
_Noreturn void k_thread_trampoline(void);

/* A system call from user code: number and six arguments; returns >= 0 or TW_E_*. */
int64_t k_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5);

/* Bytes typed on the machine's keyboard or serial line, for console:// readers. */
void k_console_input(const char *bytes, size_t len);

/*
 * User code of the running thread faulted (a page fault on kernel memory, a privileged
 * instruction ...): the task is ended as crashed (TW_EXIT_CRASHED), the fault traced, and
 * another thread runs. Called on the faulting thread's kernel stack. Never returns.
 */
_Noreturn void k_user_fault(uint32_t vector);

/* The real-time timer interrupt fired (real-time mode). */
void k_timer_interrupt(void);

/*
 * An interrupt arrived while user code ran (real-time mode): on the interrupted thread's
 * kernel stack, after the device was served, run the tail of a system call: due timers,
 * input, a killed thread ends, and the policy may preempt (the quantum timer's purpose).
 * Returns to the interrupted user code, perhaps much later.
 */
void k_interrupt_exit(void);

/* ---- Programs for TW_TASK_SPAWN -------------------------------------------------------- */

/*
 * Register a native program that user code may start in a new task with TW_TASK_SPAWN
 * (docs/tasks.md): name is NUL-terminated, 1..K_PROGRAM_NAME-1 (31) bytes without a space
 * (the first word of a command line names the program); the kernel copies it. entry is
 * user code (ring 3 on UEFI); it runs as the new task's one thread with the address of the
 * task's struct tw_spawn_start (core/abi.h) as its argument, and must not return. Called
 * in kernel context after k_init (which forgets every program), before the run. Returns
 * TW_OK, TW_E_INVAL (bad name, NULL entry), TW_E_BUSY (the name is taken) or TW_E_LIMIT
 * (K_MAX_PROGRAMS, 32, are registered).
 */
int k_program_register(const char *name, void (*entry)(uintptr_t arg))
    __attribute__((warn_unused_result));

/* ---- Native programs ------------------------------------------------------------------ */

/*
 * For a program that runs native user code on the kernel instead of a scenario (the UEFI
 * test build's fault tests and IPC benchmark, boot/uefi/tests.c), in kernel context after
 * the HAL is up. The scenario loader, which sets every detail, uses core/kernel.h instead.
 * In order: k_native_init; providers_register_all (providers/providers.h); k_native_spawn
 * for each task; k_native_run; then k_native_task_end for any task.
 */
struct k_native_config {
    uint64_t seed;            /* the kernel's PRNG */
    bool realtime;            /* real-time mode (the HAL's clock); else deterministic */
    uint64_t quantum_ns;      /* round robin's time slice */
    uint32_t cost_syscall_ns; /* deterministic mode's cost model (docs/architecture.md) */
    uint32_t cost_switch_ns;
    uint32_t cost_byte_ps;
    uint64_t max_time_ns; /* the run stops at this time */
    size_t pool_pages;    /* 0: all the HAL gives; else at most this many */
};

/*
 * Boot the kernel (reset every module) with cfg under the round-robin policy, trace records
 * going to hal_trace_write: TW_OK, TW_E_NOMEM (the pool is too small) or TW_E_INVAL.
 */
int k_native_init(const struct k_native_config *cfg) __attribute__((warn_unused_result));

/*
 * A task named name[0..name_len) at priority (0..31), with one thread running entry(arg)
 * as user code (ring 3 on UEFI): TW_OK and the task's id in *task_id, or TW_E_NOMEM /
 * TW_E_LIMIT, or TW_E_INVAL (an empty name, one of K_TASK_NAME bytes or more, a priority
 * out of range). entry must not return: it ends with TW_TASK_EXIT or TW_TASK_THREAD_EXIT.
 */
int k_native_spawn(const char *name, size_t name_len, int32_t priority,
                   void (*entry)(uintptr_t arg), uintptr_t arg, uint32_t *task_id)
    __attribute__((warn_unused_result));

/* Run until every thread ended, deadlock, or the time limit: an enum trace_end. */
int k_native_run(void);

/* How a task ended (exited: all its threads did; killed: by a fault, a crash or a kill). */
struct k_task_end {
    bool exited;
    bool killed;
    int32_t status; /* its exit status (TW_EXIT_CRASHED for a crash) */
};

/* Fill *out for task task_id of the last k_native_init: TW_OK, or TW_E_NOENT. */
int k_native_task_end(uint32_t task_id, struct k_task_end *out) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_KENTRY_H */
