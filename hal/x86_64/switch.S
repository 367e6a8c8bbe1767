/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64/switch.S - the context switch both backends share (System V ABI).
 *
 *   void x86_64_switch(void **save_sp, void *load_sp)
 *
 * Pushes the callee-saved registers on the current stack, stores rsp in *save_sp, loads
 * load_sp, pops the registers saved there and returns on the new stack. A new context is
 * a stack prepared by x86_64_context_prepare (the same layout, with x86_64_thread_start as
 * the return address).
 */
    .text
    .globl x86_64_switch
    .type x86_64_switch, @function
x86_64_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size x86_64_switch, .-x86_64_switch

/*
 * First code of a new context: r12 holds the function to call (with r13 as its argument).
 * The stack is 16-byte aligned here, as a call requires; the function never returns.
 */
    .globl x86_64_thread_start
    .type x86_64_thread_start, @function
x86_64_thread_start:
    xorl %ebp, %ebp
    movq %r13, %rdi
    callq *%r12
    ud2
    .size x86_64_thread_start, .-x86_64_thread_start

    .section .note.GNU-stack,"",@progbits
