/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/user_fault.c - user-executable (the build moves this file's sections into
 * the user runtime's pages): hal_user_fault, the real CPU faults user code asks for
 * (user/syscall.c's tw_crash). The instruction runs in ring 3; trap.c sees the exception
 * come from user code and hands it to core (k_user_fault), which ends the task as crashed.
 */
#include <stdint.h>

#include "../hal.h"

_Noreturn void hal_user_fault(uint32_t vector)
{
    if (vector == HAL_VEC_PF) {
        /* A store to address 16: page 0 of every address space is absent (mmu.c), so the
         * CPU raises #PF, error code "not present, write, user". The absolute address is
         * written in the instruction, so the compiler sees no null pointer to reason about. */
        __asm__ volatile("movb $0x5a, 0x10" ::: "memory");
    } else if (vector == HAL_VEC_GP) {
        /* hlt is privileged: at CPL 3 the CPU raises #GP(0) instead of halting. */
        __asm__ volatile("hlt" ::: "memory");
    }
    /* Not reached after either fault: core never returns to the faulting instruction. An
     * unknown vector (a broken caller) ends the same way, with #UD (vector 6). */
    for (;;)
        __builtin_trap();
}
