/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/hal.c - the rest of hal.h on the UEFI backend: thread contexts (kernel
 * stacks, the shared switch of hal/x86_64/switch.S), the first drop to ring 3, the
 * interrupt mask, the page pool, the trace sink (handed on to the boot program's) and the
 * way out (QEMU's isa-debug-exit, or a halt on real hardware).
 */
#include "../../core/kentry.h"
#include "../hal.h"
#include "../x86_64/context.h"
#include "cpu.h"
#include "xe.h"

/* user_lib.c (user-executable): where a thread's entry function returns to. */
void xe_user_thread_return(void);

static struct {
    void *pool;
    size_t pool_pages;
    bool user_irqs; /* real-time mode: user code runs with interrupts on */
    uint32_t panic_code;
    uint64_t trace_records;
    xe_trace_fn trace_sink;
} hal = {.panic_code = XE_EXIT_PANIC};

void xe_hal_init(void *pool, size_t pool_pages, bool realtime)
{
    hal.pool = pool;
    hal.pool_pages = pool_pages;
    hal.user_irqs = realtime;
}

/* ---- contexts ------------------------------------------------------------------------ */

static void thread_entry(uintptr_t unused)
{
    (void)unused;
    k_thread_trampoline();
}

void hal_context_init(struct hal_context *ctx, const struct hal_thread_start *start)
{
    /* Kernel code of a thread runs on its kernel stack; its user code on the user stack. */
    K_ASSERT(start->kstack != NULL && start->kstack_size >= 2 * XE_PAGE);
    ctx->sp = x86_64_context_prepare(start->kstack, start->kstack_size, thread_entry, 0);
    ctx->stack_lo = start->kstack;
    ctx->stack_size = start->kstack_size;
}

void hal_context_switch(struct hal_context *from, struct hal_context *to)
{
    K_ASSERT(from != to && (xe_save_flags() & XE_RFLAGS_IF) == 0);
    if (to->stack_lo != NULL) /* entries from ring 3 land on the next thread's stack */
        xe_set_kernel_stack(((uint64_t)(uintptr_t)to->stack_lo + to->stack_size) & ~15ull);
    x86_64_switch(&from->sp, to->sp);
}

_Noreturn void hal_enter_user(const struct hal_thread_start *start)
{
    K_ASSERT(start->user && start->ustack != NULL && start->ustack_size > XE_PAGE);
    /* The lowest page of the user stack is a guard, as in the simulator: an overflow in
     * ring 3 faults (the task crashes) instead of writing over the task's other memory. */
    xe_mmu_guard_user_page((uint64_t)(uintptr_t)start->ustack);
    uint64_t top = ((uint64_t)(uintptr_t)start->ustack + start->ustack_size) & ~15ull;
    /* As if called: a return address at rsp (rsp % 16 == 8), should entry ever return. */
    top -= 8;
    *(uint64_t *)(uintptr_t)top = (uint64_t)(uintptr_t)xe_user_thread_return;
    uint64_t rflags = XE_RFLAGS_RESERVED | (hal.user_irqs ? XE_RFLAGS_IF : 0);
    xe_enter_user((uint64_t)(uintptr_t)start->entry, start->arg, top, rflags);
}

void hal_stacks_released(const struct hal_thread_start *start)
{
    /* Nothing to undo: the stack guard goes with the region (hal_aspace_unmap). */
    (void)start;
}

/* ---- interrupt mask ------------------------------------------------------------------ */

uint64_t hal_irq_save(void)
{
    uint64_t f = xe_save_flags();
    xe_cli();
    return f & XE_RFLAGS_IF;
}

void hal_irq_restore(uint64_t state)
{
    if (state & XE_RFLAGS_IF)
        __asm__ volatile("sti" : : : "memory");
}

/* ---- memory, trace ------------------------------------------------------------------- */

void hal_pool(void **base, size_t *npages)
{
    K_ASSERT(hal.pool != NULL);
    *base = hal.pool;
    *npages = hal.pool_pages;
}

void xe_set_trace_sink(xe_trace_fn fn)
{
    hal.trace_sink = fn;
}

uint64_t xe_trace_records(void)
{
    return hal.trace_records;
}

void hal_trace_write(const void *records, size_t len)
{
    hal.trace_records += len / sizeof(struct trace_rec);
    if (hal.trace_sink != NULL)
        hal.trace_sink(records, len);
}

/* ---- the end ------------------------------------------------------------------------- */

void xe_set_panic_code(uint32_t status)
{
    hal.panic_code = status;
}

_Noreturn void xe_exit(uint32_t status)
{
    xe_cli();
    xe_serial_printf("twain: exit status %u\n", status);
    if (xe_cpu_hypervisor())
        xe_outl(0xf4, status); /* QEMU's isa-debug-exit: QEMU exits (status << 1) | 1 */
    xe_printf("twain: halted; the machine can be switched off.\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void hal_panic_halt(void)
{
    xe_exit(hal.panic_code);
}

/* hal.h: the user stack pointer at the trap (entry.S saved it; read at k_syscall entry). */
uintptr_t hal_user_stack_floor(void)
{
    return (uintptr_t)xe_syscall_ustack;
}

/* ---- test builds: the system-call entry -------------------------------------------- */

#ifdef TWAIN_TEST_BUILD
int64_t xe_syscall_test_entry(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                              uint64_t a4, uint64_t a5);

static xe_syscall_fn syscall_handler = k_syscall;

void xe_set_syscall_handler(xe_syscall_fn fn)
{
    syscall_handler = fn;
}

/* What entry.S calls in test builds instead of k_syscall. */
int64_t xe_syscall_test_entry(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                              uint64_t a4, uint64_t a5)
{
    return syscall_handler(nr, a0, a1, a2, a3, a4, a5);
}
#endif
