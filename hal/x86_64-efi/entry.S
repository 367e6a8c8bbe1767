/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/entry.S - the ways into and out of the kernel on the UEFI backend:
 * interrupt and exception stubs (one 16-byte stub per vector, then xe_trap in C), the
 * `syscall` entry (switch to the thread's kernel stack, call k_syscall with the six
 * arguments, `sysretq`), the first drop to ring 3 (`iretq`), loading the GDT, and running
 * a function on another stack.
 */
#include "cpu.h"

/* Test builds route system calls through the handler a test may set (hal.c, xe.h). */
#ifdef TWAIN_TEST_BUILD
#define XE_SYSCALL_C xe_syscall_test_entry
#else
#define XE_SYSCALL_C k_syscall
#endif

    .text

/*
 * void xe_call_on_stack(void *stack_top, void (*fn)(void *), void *arg) - noreturn.
 */
    .globl xe_call_on_stack
    .hidden xe_call_on_stack
    .type xe_call_on_stack, @function
xe_call_on_stack:
    movq %rdi, %rsp
    movq %rdx, %rdi
    xorl %ebp, %ebp
    callq *%rsi
    ud2
    .size xe_call_on_stack, .-xe_call_on_stack

/*
 * void xe_gdt_load(const void *gdtr) - load the GDT, reload CS with a far return and the
 * data segment registers (SS the kernel's, the others null as 64-bit mode allows).
 */
    .globl xe_gdt_load
    .hidden xe_gdt_load
    .type xe_gdt_load, @function
xe_gdt_load:
    lgdt (%rdi)
    pushq $XE_SEL_KCODE
    leaq 1f(%rip), %rax
    pushq %rax
    lretq
1:  movl $XE_SEL_KDATA, %eax
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %fs
    movl %eax, %gs
    ret
    .size xe_gdt_load, .-xe_gdt_load

/*
 * Interrupt and exception stubs: 256 of them, 16 bytes apart from xe_isr_stubs, so that
 * vector v's stub is at xe_isr_stubs + 16 * v. Each pushes a zero error code where the CPU
 * does not push one, then the vector, and joins xe_trap_common.
 */
    .balign 16
    .globl xe_isr_stubs
    .hidden xe_isr_stubs
xe_isr_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp xe_trap_common
    .set vec, vec + 1
    .endr

/* The frame built here is struct xe_frame (xe.h); rsp is 16-byte aligned at the call. */
xe_trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    cld
    call xe_trap
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp
    iretq

/*
 * The `syscall` entry (LSTAR). The CPU left the user rip in rcx and rflags in r11 and
 * cleared IF (SFMASK). Arguments: rax = number, rdi rsi rdx r10 r8 r9 = a0..a5 (hal_trap
 * in user_trap.S). k_syscall(nr, a0..a5) wants rdi rsi rdx rcx r8 r9 and a5 on the stack.
 * Only callee-saved registers must survive (hal_trap is an ordinary call to user code), and
 * the C code keeps those; the scratch registers are cleared so no kernel value leaks out.
 */
    .globl xe_syscall_entry
    .hidden xe_syscall_entry
    .type xe_syscall_entry, @function
xe_syscall_entry:
    movq %rsp, xe_syscall_ustack(%rip)
    movq xe_syscall_kstack(%rip), %rsp
    pushq xe_syscall_ustack(%rip)
    pushq %rcx
    pushq %r11
    pushq %r9
    movq %r8, %r9
    movq %r10, %r8
    movq %rdx, %rcx
    movq %rsi, %rdx
    movq %rdi, %rsi
    movq %rax, %rdi
    call XE_SYSCALL_C
    addq $8, %rsp
    popq %r11
    popq %rcx
    popq %rsp
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    sysretq
    .size xe_syscall_entry, .-xe_syscall_entry

/*
 * _Noreturn void xe_enter_user(uint64_t rip, uint64_t arg, uint64_t rsp, uint64_t rflags)
 * A new thread's first entry to ring 3: rip(arg) on the user stack rsp.
 */
    .globl xe_enter_user
    .hidden xe_enter_user
    .type xe_enter_user, @function
xe_enter_user:
    pushq $(XE_SEL_UDATA | 3)
    pushq %rdx
    pushq %rcx
    pushq $(XE_SEL_UCODE | 3)
    pushq %rdi
    movq %rsi, %rdi
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    iretq
    .size xe_enter_user, .-xe_enter_user

    .section .note.GNU-stack,"",@progbits
