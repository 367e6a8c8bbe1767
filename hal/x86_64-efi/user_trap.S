/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/user_trap.S - user-executable: hal_trap, the system-call trap of the
 * user stubs (user/syscall.c). System V arguments nr, a0..a4 in rdi rsi rdx rcx r8 r9 and
 * a5 on the stack become the `syscall` convention: rax = nr, a0..a5 in rdi rsi rdx r10 r8
 * r9 (rcx and r11 are the CPU's). The kernel's entry is xe_syscall_entry (entry.S).
 */
    .text
    .globl hal_trap
    .hidden hal_trap
    .type hal_trap, @function
hal_trap:
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rdx, %rsi
    movq %rcx, %rdx
    movq %r8, %r10
    movq %r9, %r8
    movq 8(%rsp), %r9
    syscall
    ret
    .size hal_trap, .-hal_trap

    .section .note.GNU-stack,"",@progbits
