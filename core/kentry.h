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
 * Nothing else in core is for backends: they reach the kernel only through these.
 */
#ifndef TWAIN_CORE_KENTRY_H
#define TWAIN_CORE_KENTRY_H

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

#endif /* TWAIN_CORE_KENTRY_H */
