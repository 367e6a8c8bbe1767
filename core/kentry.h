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
 * programs that boot the kernel and run its first programs (boot/: the scenario loader,
 * the fuzz programs' boot half, boot/uefi/) use the same door, plus
 * providers/providers.h: "Booting the kernel" and "Observing system calls" below.
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

/* ---- Booting the kernel ------------------------------------------------------------- */

/*
 * For a program that boots the kernel and creates its first tasks, in kernel context after
 * the HAL is up: the scenario loader (boot/loader.c), the fuzz programs' boot half
 * (boot/fuzzboot.c), the UEFI test build's native programs (boot/uefi/tests.c). In order:
 * k_native_init; providers_register_all (providers/providers.h); k_native_register_entry
 * for the entry points user code may spawn threads at; the tasks (k_native_spawn, or
 * k_native_task, k_native_heap and k_native_thread) and the kills scheduled for them
 * (k_native_kill_at); k_native_run; then k_native_task_end, k_native_stats and
 * k_native_console. A zeroed k_native_config is round robin with the trace delivered.
 */
enum k_native_policy { K_POLICY_RR = 0, K_POLICY_PRIORITY = 1, K_POLICY_RANDOM = 2 };

struct k_native_config {
    uint64_t seed;            /* the kernel's PRNG */
    bool realtime;            /* real-time mode (the HAL's clock); else deterministic */
    uint64_t quantum_ns;      /* round robin's time slice */
    uint32_t cost_syscall_ns; /* deterministic mode's cost model (docs/architecture.md) */
    uint32_t cost_switch_ns;
    uint32_t cost_byte_ps;
    uint64_t max_time_ns;  /* the run stops at this time */
    size_t pool_pages;     /* 0: all the HAL gives; else at most this many */
    uint32_t policy;       /* enum k_native_policy */
    bool quiet_trace;      /* true: records are counted and hashed, not sent to hal_trace_write */
    uint32_t trace_batch;  /* records per delivery: 0 the kernel's default, 1 every record */
    uint32_t ustack_pages; /* a user stack's pages: 0 the kernel's default, else a power of
                              two the kernel allows (TW_E_INVAL otherwise) */
};

/*
 * Boot the kernel (reset every module, forget any system-call observer) with cfg: TW_OK,
 * TW_E_NOMEM (the pool is too small) or TW_E_INVAL (a policy or stack size it lacks).
 */
int k_native_init(const struct k_native_config *cfg) __attribute__((warn_unused_result));

/*
 * entry may start threads of user code (TW_TASK_SPAWN_THREAD accepts only such entries):
 * TW_OK, or TW_E_LIMIT (the kernel's table of them is full).
 */
int k_native_register_entry(void (*entry)(uintptr_t arg)) __attribute__((warn_unused_result));

/*
 * A task named name[0..name_len) at priority (0..31), with no thread yet: TW_OK and its id
 * in *task_id, or TW_E_NOMEM / TW_E_LIMIT, or TW_E_INVAL (an empty name, one of
 * K_TASK_NAME bytes or more, a priority out of range).
 */
int k_native_task(const char *name, size_t name_len, int32_t priority, uint32_t *task_id)
    __attribute__((warn_unused_result));

#define K_NATIVE_PAGE 4096u /* bytes of a page (k_native_heap counts them) */

/*
 * pages zeroed pages of memory for task task_id (its heap, which its user code may use):
 * their address, which kernel context may also write (to lay the task's memory out before
 * its threads run), or NULL (out of memory, or no such task).
 */
void *k_native_heap(uint32_t task_id, size_t pages);

/*
 * A thread of task task_id running entry(arg) as user code (ring 3 on UEFI) at priority:
 * TW_OK, TW_E_NOMEM / TW_E_LIMIT, TW_E_INVAL (priority out of range) or TW_E_NOENT. entry
 * must not return: it ends with TW_TASK_EXIT or TW_TASK_THREAD_EXIT.
 */
int k_native_thread(uint32_t task_id, void (*entry)(uintptr_t arg), uintptr_t arg, int32_t priority)
    __attribute__((warn_unused_result));

/* k_native_task, then k_native_thread with the same priority: *task_id only on TW_OK. */
int k_native_spawn(const char *name, size_t name_len, int32_t priority,
                   void (*entry)(uintptr_t arg), uintptr_t arg, uint32_t *task_id)
    __attribute__((warn_unused_result));

/*
 * Kill task task_id from outside at virtual time at_ns (a fault: it ends as killed, its
 * threads at their next kernel boundary): TW_OK, or TW_E_LIMIT / TW_E_INVAL.
 */
int k_native_kill_at(uint32_t task_id, uint64_t at_ns) __attribute__((warn_unused_result));

/*
 * Faults on servers, which have no id a boot program could know (docs/supervision.md,
 * "Campaign"). k_native_kill_server_at: at virtual time at_ns, kill the task bound to the
 * port named name[0..len) (or else to the port serving the scheme of that name); nothing
 * bound: nothing is killed, and the trace says so. k_native_campaign: count such kills in
 * [from_ns, to_ns), one at a time drawn from the kernel's PRNG in each of count equal
 * slices, each of a server drawn as it fires from servers[0..len): names separated by one
 * space, or "*" (any port's live server). Names are 1..31 bytes of A-Z a-z 0-9 . _ ~ + -,
 * a list at most 127 bytes. TW_OK, TW_E_INVAL (bad names; count 0; from_ns >= to_ns or
 * fewer than count ns apart), TW_E_LIMIT (FAULT_MAX faults of all kinds).
 */
int k_native_kill_server_at(const char *name, size_t len, uint64_t at_ns)
    __attribute__((warn_unused_result));
int k_native_campaign(const char *servers, size_t len, uint32_t count, uint64_t from_ns,
                      uint64_t to_ns) __attribute__((warn_unused_result));

/*
 * Before k_native_run: measure each task's CPU time inside [from_ns, to_ns) of virtual
 * time as well (k_task_end.cpu_window_ns). A task's CPU time is its threads' slices, from
 * the switch that gave a thread the CPU to the one that took it away; switch costs count
 * for nobody. from_ns >= to_ns: an empty window.
 */
void k_native_cpu_window(uint64_t from_ns, uint64_t to_ns);

/* Run until every thread ended, deadlock, or the time limit: an enum trace_end. */
int k_native_run(void);

/* How a task ended (exited: all its threads did; killed: by a fault, a crash or a kill). */
struct k_task_end {
    bool exited;
    bool killed;
    int32_t status;           /* its exit status (TW_EXIT_CRASHED for a crash) */
    uint32_t finish_rank;     /* exited: 1 for the first task to end, 2 for the next ... */
    uint32_t expect_failures; /* TW_TASK_EXPECT_FAIL calls its threads made */
    uint64_t cpu_ns;          /* CPU time of its threads (k_native_cpu_window) */
    uint64_t cpu_window_ns;   /* the part of it inside k_native_cpu_window's window */
};

/* Fill *out for task task_id of the last k_native_init: TW_OK, or TW_E_NOENT. */
int k_native_task_end(uint32_t task_id, struct k_task_end *out) __attribute__((warn_unused_result));

/* What a run came to, since k_native_init. */
struct k_run_stats {
    uint64_t now_ns;     /* the kernel's clock */
    uint64_t trace_hash; /* over every trace record (docs/architecture.md, "Tracing") */
    uint64_t trace_records;
    uint64_t syscalls;
};

void k_native_stats(struct k_run_stats *out);

#define K_NATIVE_CONSOLE_KEPT 65536u /* bytes of console output the kernel keeps */

/* The console output kept (the last K_NATIVE_CONSOLE_KEPT bytes, oldest first) into
 * buf[0..cap); returns the bytes written. */
size_t k_native_console(char *buf, size_t cap);

/* ---- Observing system calls --------------------------------------------------------- */

/*
 * For a boot program that follows its programs' system calls (boot/fuzzboot.c: the listing
 * of each call and the fuzz programs' oracle). The hooks run on the calling thread in
 * kernel context, interrupts masked: enter before the kernel does anything with the call
 * (so a panic inside it still comes after), leave as it returns to user code (never for a
 * call its thread does not return from: it ended, or was killed in it). They must not
 * block or make system calls; they may read the caller's memory (k_call_read) and panic.
 */
struct k_call {
    uint64_t nr;
    uint64_t args[6];
    int64_t result;       /* leave: what the call returns; enter: 0 */
    uint32_t task_id;     /* the calling task */
    uintptr_t thread_arg; /* the argument the calling thread was started with */
};

struct k_call_observer {
    void (*enter)(const struct k_call *call); /* either may be NULL */
    void (*leave)(const struct k_call *call);
};

/* Observe every system call from now until the next k_native_init; NULL: none. obs must
 * stay valid as long. */
void k_observe_calls(const struct k_call_observer *obs);

/*
 * In an observer's hook only: copy len bytes at addr of the calling thread's memory to buf,
 * checked as a system call's buffer is (the task's memory, or the caller's own stack above
 * its stack pointer): TW_OK or TW_E_FAULT.
 */
int k_call_read(void *buf, uint64_t addr, size_t len) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_KENTRY_H */
