/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/tests.h - the test build's native programs (TWAIN_TEST_BUILD only):
 * their ring-3 halves (user_tests.c, user-executable) and what those ask of the kernel
 * half (tests.c). The boot tests (tools/boot-tests) pick one with a switch file on the ESP.
 */
#ifndef TWAIN_XE_TESTS_H
#define TWAIN_XE_TESTS_H

#include <stdint.h>

/* A system-call number no kernel serves: the test build's entry runs the fault on it. */
#define XE_TEST_SYS_KERNEL_FAULT 0x7e57fa17u

/* Ring-3 entries (user_tests.c). Each ends its task with tw_exit. */
void xe_test_user_kernel_fault(uintptr_t unused); /* asks for a null dereference in ring 0 */
void xe_test_user_reader(uintptr_t kernel_addr);  /* reads kernel memory */
void xe_test_user_writer(uintptr_t ro_addr);      /* writes the user runtime's read-only data */
void xe_test_user_privileged(uintptr_t unused);   /* executes hlt */
void xe_test_user_worker(uintptr_t unused);       /* system calls, then exit 0 */
void xe_test_user_overflow(uintptr_t unused);     /* recurses into its stack guard */
void xe_test_bench_server(uintptr_t rounds);      /* answers rounds messages */
void xe_test_bench_client(uintptr_t rounds);      /* times rounds round trips */

/* Read-only data of the user runtime (the writer's target). */
extern const char xe_test_user_ro[16];

/* Kernel side: the test build's system-call entry (entry.S calls it instead of k_syscall). */
int64_t xe_test_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                        uint64_t a4, uint64_t a5);

#endif /* TWAIN_XE_TESTS_H */
