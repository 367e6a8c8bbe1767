/* SPDX-License-Identifier: MIT */
/*
 * hal/hal.h - the contract between the kernel core and a machine.
 *
 * Every function a backend (hal/sim, hal/x86_64-efi) must supply is declared here once,
 * with its contract. The backend is chosen at link time by the Makefile; core/ includes
 * this header and nothing else from outside core/. It includes no core header in turn:
 * HAL functions report failures with the HAL's own result codes (below), which core
 * translates; a backend reaches core only through core/kentry.h.
 *
 * Virtual time and the cost model are not here: they live in core (core/clock.c) so that
 * both backends run them identically in deterministic mode. The HAL clock is the real
 * one, used only in real-time mode.
 */
#ifndef TWAIN_HAL_H
#define TWAIN_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Results ----------------------------------------------------------------------- */

/*
 * What a HAL function that can fail returns: HAL_OK, or one of the negative HAL_E_* codes.
 * They are the HAL's own, not the kernel's TW_E_* (core/abi.h, the user ABI): core turns a
 * HAL result into the error it reports (core/task.c for address spaces, core/disk.c for
 * disks), so no HAL code ever reaches user code or the trace as it is.
 */
enum hal_result {
    HAL_OK = 0,
    HAL_E_NOMEM = -1, /* out of the backend's own memory (page tables) */
    HAL_E_NOENT = -2, /* no such device */
    HAL_E_RANGE = -3, /* the bytes asked for are not all inside the device */
    HAL_E_IO = -4,    /* the device failed */
};

/* ---- CPU contexts ------------------------------------------------------------------ */

/*
 * A suspended CPU context: the saved stack pointer. The callee-saved registers live on
 * that stack, pushed by hal_context_switch (one assembly routine, hal/x86_64/switch.S,
 * serves both backends).
 */
struct hal_context {
    void *sp;
    const void *stack_lo; /* the stack's lowest address and size (sanitizer hand-off); */
    size_t stack_size;    /* NULL/0 for a backend's boot stack */
    bool final;           /* set by core before a switch away that is never resumed (an
                             exiting thread): the backend may drop what it keeps per context */
};

/*
 * How a new thread starts. kstack is the kernel stack (used by backends with a privilege
 * split); ustack is the stack the thread's code runs on. Both are memory core allocated.
 */
struct hal_thread_start {
    void *kstack;
    size_t kstack_size;
    void *ustack;
    size_t ustack_size;
    void (*entry)(uintptr_t arg); /* must not return: it ends with TW_TASK_THREAD_EXIT */
    uintptr_t arg;
    bool user; /* true: runs as user code (ring 3 where the backend has one) */
};

/*
 * Prepare ctx so that the first hal_context_switch to it calls core's k_thread_trampoline()
 * on the thread's stack, which then enters start->entry(start->arg) in user mode.
 * Precondition: interrupts masked. Never fails.
 */
void hal_context_init(struct hal_context *ctx, const struct hal_thread_start *start);

/*
 * Save the current context into from and resume to. Returns when someone switches back
 * to from. Precondition: interrupts masked; from != to.
 */
void hal_context_switch(struct hal_context *from, struct hal_context *to);

/*
 * Enter user code for a thread that has just started: calls start->entry(start->arg) on
 * start->ustack at the thread's user privilege. Does not return.
 */
_Noreturn void hal_enter_user(const struct hal_thread_start *start);

/*
 * A thread ended and its stacks go back to core's pool (the backend first removes any
 * guard page it put in them): forget anything the backend keeps
 * about them (the simulator's sanitizer stack poisoning). Precondition: not running on them.
 */
void hal_stacks_released(const struct hal_thread_start *start);

/* ---- Address spaces ----------------------------------------------------------------- */

/*
 * One address space per task: the kernel mapped supervisor-only, the task's regions
 * mapped user-accessible. Opaque to core. Backends without protection (the simulator)
 * return a dummy and do nothing; page-table memory is the backend's own, not core's pool.
 */
struct hal_aspace;

/* A new address space with no user regions. NULL when out of page-table memory. */
struct hal_aspace *hal_aspace_create(void);
/* Free it. Precondition: no thread of it runs, every region was unmapped. */
void hal_aspace_destroy(struct hal_aspace *as);
/* Make [base, base+len) (page aligned, from core's pool) user read/write in as: HAL_OK,
 * or HAL_E_NOMEM when the backend's page-table memory is exhausted. */
int hal_aspace_map(struct hal_aspace *as, void *base, size_t len);
void hal_aspace_unmap(struct hal_aspace *as, void *base, size_t len);
/* Switch the CPU to as (called by core before running a thread of another task). */
void hal_aspace_switch(struct hal_aspace *as);

/* ---- System-call trap (user side) -------------------------------------------------- */

/*
 * Called by user/ stubs: trap into the kernel with system call nr and six arguments, and
 * return the kernel's result unchanged (k_syscall's: >= 0 or a TW_E_* code of core/abi.h).
 * In the simulator a direct call into k_syscall(); on x86_64-efi the `syscall` instruction.
 */
int64_t hal_trap(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                 uint64_t a5);

/*
 * Called by core at system-call entry: the lowest address of the calling thread's user
 * stack that its code may still own (the user stack pointer at the trap). User buffers on
 * the caller's own stack must lie at or above it: below is free stack (in the simulator,
 * the kernel's own frames for this very call). Valid only at entry, before anything blocks.
 */
uintptr_t hal_user_stack_floor(void);

/* ---- CPU faults of user code (user side) ------------------------------------------- */

#define HAL_VEC_GP 13u /* general protection: a privileged instruction in ring 3 */
#define HAL_VEC_PF 14u /* page fault: an access to an unmapped address */

/*
 * Called by user/ code (user/syscall.c's tw_crash): make the calling user thread take CPU
 * exception vector for real, as a buggy program would. HAL_VEC_PF: a one-byte store to
 * address 16, in the page every machine leaves unmapped; HAL_VEC_GP: `hlt` in ring 3. On
 * x86_64-efi the instruction runs in ring 3 and the trap handler hands the fault to core
 * (k_user_fault(vector), on the thread's kernel stack). The simulator has no privilege
 * split, so it calls k_user_fault(vector) at once, on the thread's stack, at the same
 * virtual time and with the same trace records: nothing the trace sees happens between
 * the user's last system call and the fault in either world. Never returns (core ends the
 * task as crashed). Precondition: vector is HAL_VEC_PF or HAL_VEC_GP.
 */
_Noreturn void hal_user_fault(uint32_t vector);

/* ---- Interrupt mask ---------------------------------------------------------------- */

/* Mask interrupts and return the previous state for hal_irq_restore. */
uint64_t hal_irq_save(void);
void hal_irq_restore(uint64_t state);

/* ---- Real clock (real-time mode only) ---------------------------------------------- */

/* Monotonic real time in ns since boot. Never called by core in deterministic mode. */
uint64_t hal_clock_now_ns(void);
/* Arm a one-shot interrupt at absolute real time deadline_ns (UINT64_MAX: disarm). */
void hal_timer_arm(uint64_t deadline_ns);
/* Wait for an interrupt (real-time idle). Returns after one was handled. */
void hal_idle(void);

/*
 * Called by core at every kernel boundary (system-call exit, each idle-loop turn), in kernel
 * context with interrupts masked: the backend may deliver pending input here with
 * k_console_input (keyboard, serial, the simulator window). Must be cheap when idle.
 */
void hal_poll(void);

/* ---- Console ----------------------------------------------------------------------- */

/* Write len bytes to the machine console (stdout / serial + screen). Never fails. */
void hal_console_write(const char *bytes, size_t len);

/* ---- Memory ------------------------------------------------------------------------ */

#define HAL_PAGE_SIZE 4096u

/*
 * The pool of physical pages core owns: *base is page aligned, *npages pages long.
 * Called once per k_init; the same pool is returned each time (core reinitialises it).
 */
void hal_pool(void **base, size_t *npages);

/* ---- Disks ------------------------------------------------------------------------- */

/*
 * The machine's disks: byte-addressed backing stores (the simulator: host image files a
 * scenario names, copy-on-write unless it asks for write-through, and RAM disks; UEFI:
 * image files of the ESP loaded into memory). The only device interface of the HAL, and
 * only core/disk.c calls it: providers reach a disk through core/disk.h (blk://,
 * docs/storage.md). The set of disks is fixed before k_init and does not change while the
 * kernel runs. Every call is synchronous (the bytes have moved when it returns), takes no
 * lock and may be made with interrupts masked.
 */

/* How many disks there are: they are numbered 0 .. hal_disk_count() - 1, without gaps. */
uint32_t hal_disk_count(void);
/*
 * The name of disk idx (NUL-terminated, 1 to 15 bytes, e.g. "disk0"; should two disks share
 * one, core finds the lower number) into name, and its size in bytes into *size: HAL_OK, or
 * HAL_E_NOENT when idx is not a disk (name and *size are then untouched).
 */
int hal_disk_info(uint32_t idx, char name[16], uint64_t *size);
/*
 * Copy the len bytes at byte offset off of disk idx into buf (read), or from buf onto the
 * disk (write): HAL_OK; HAL_E_RANGE, with nothing moved, when idx is not a disk or
 * [off, off + len) is not inside it; HAL_E_IO when the device failed (part of the range may
 * then have moved). len 0 inside the disk is HAL_OK. A read after a write of the same bytes
 * returns what was written, for as long as the machine runs.
 */
int hal_disk_read(uint32_t idx, uint64_t off, void *buf, size_t len);
int hal_disk_write(uint32_t idx, uint64_t off, const void *buf, size_t len);

/* ---- Trace sink -------------------------------------------------------------------- */

/* Deliver len bytes of trace records (whole records only) to the backend's sink. */
void hal_trace_write(const void *records, size_t len);

/* ---- Ending ------------------------------------------------------------------------ */

/*
 * Called by k_panic after the report has been written to the console: stop the machine
 * (the simulator aborts so that tests and fuzzers see a crash). Does not return.
 */
_Noreturn void hal_panic_halt(void);

#endif /* TWAIN_HAL_H */
