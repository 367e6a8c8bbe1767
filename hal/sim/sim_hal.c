/* SPDX-License-Identifier: MIT */
/*
 * hal/sim/sim_hal.c - the simulator's kernel side of hal.h: contexts, the system-call
 * trap (a direct call: user and kernel share the process), the CPU faults user code asks
 * for (delivered to core as the UEFI trap handler delivers real ones) and the interrupt
 * mask (there are no interrupts in the simulator). Freestanding, like core.
 */
#include "../../core/kentry.h"
#include "../hal.h"
#include "../x86_64/context.h"
#include "host.h"

void hal_context_init(struct hal_context *ctx, const struct hal_thread_start *start)
{
    /* In the simulator a thread's kernel code runs on its own (user) stack, whose lowest
     * page is a guard (hal_stacks_released removes it). */
    uint8_t *lo = (uint8_t *)start->ustack + HAL_PAGE_SIZE;
    size_t size = start->ustack_size - HAL_PAGE_SIZE;
    host_guard_page(start->ustack, true);
    ctx->sp = x86_64_context_prepare(lo, size, host_thread_entry, 0);
    ctx->stack_lo = lo;
    ctx->stack_size = size;
    ctx->final = false;
}

_Noreturn void hal_enter_user(const struct hal_thread_start *start)
{
    start->entry(start->arg);
    k_syscall(TW_SYS_INVOKE, TW_HANDLE_SELF, TW_TASK_THREAD_EXIT, 0, 0, 0, 0);
    __builtin_unreachable();
}

/*
 * The trap's own frame: everything below it on the thread's stack is the kernel's. Never
 * inlined, so that its frame lies below every frame of the user code that called it.
 */
static uintptr_t trap_floor;

__attribute__((noinline)) int64_t hal_trap(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                           uint64_t a3, uint64_t a4, uint64_t a5)
{
    trap_floor = (uintptr_t)__builtin_frame_address(0);
    return k_syscall(nr, a0, a1, a2, a3, a4, a5);
}

uintptr_t hal_user_stack_floor(void)
{
    return trap_floor;
}

/* The simulator has one address space, the process's: tasks share it, unprotected. */
struct hal_aspace {
    int unused;
};

static struct hal_aspace sim_aspace;

struct hal_aspace *hal_aspace_create(void)
{
    return &sim_aspace;
}

void hal_aspace_destroy(struct hal_aspace *as)
{
    (void)as;
}

int hal_aspace_map(struct hal_aspace *as, void *base, size_t len)
{
    (void)as;
    (void)base;
    (void)len;
    return TW_OK;
}

void hal_aspace_unmap(struct hal_aspace *as, void *base, size_t len)
{
    (void)as;
    (void)base;
    (void)len;
}

void hal_aspace_switch(struct hal_aspace *as)
{
    (void)as;
}

uint64_t hal_irq_save(void)
{
    return 0;
}

void hal_irq_restore(uint64_t state)
{
    (void)state;
}

/*
 * The simulator's CPU fault of user code: there is no ring 3 to fault in, so deliver what
 * the x86_64-efi trap handler delivers for the real one, the fault's vector to core's
 * k_user_fault, at once (nothing has moved the virtual clock since the thread's last
 * system call, on UEFI neither). Runs on the faulting thread's stack, as every kernel entry
 * of the simulator does; core ends the task as crashed and never comes back here.
 */
_Noreturn void hal_user_fault(uint32_t vector)
{
    /* An unknown vector would run x86_64-efi's ud2 instead: #UD, vector 6. */
    k_user_fault(vector == HAL_VEC_PF || vector == HAL_VEC_GP ? vector : 6u);
}
