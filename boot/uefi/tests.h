/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/tests.h - the test build's native programs (TWAIN_TEST_BUILD only):
 * their ring-3 halves (user_tests.c, user-executable) and what those ask of the kernel
 * half (tests.c). The boot tests (tools/boot-tests) pick one with a switch file on the ESP.
 */
#ifndef TWAIN_BOOT_UEFI_TESTS_H
#define TWAIN_BOOT_UEFI_TESTS_H

#include <stdint.h>

/* A system-call number no kernel serves: the kernel-fault test's handler (tests.c) runs
 * the fault on it. */
#define UEFI_TEST_SYS_KERNEL_FAULT 0x7e57fa17u

/* Ring-3 entries (user_tests.c). Each ends its task with tw_exit. */
void uefi_test_user_kernel_fault(uintptr_t unused); /* asks for a null dereference in ring 0 */
void uefi_test_user_reader(uintptr_t kernel_addr);  /* reads kernel memory */
void uefi_test_user_writer(uintptr_t ro_addr);      /* writes the user runtime's read-only data */
void uefi_test_user_privileged(uintptr_t unused);   /* executes hlt */
void uefi_test_user_worker(uintptr_t unused);       /* system calls, then exit 0 */
void uefi_test_user_overflow(uintptr_t unused);     /* recurses into its stack guard */
void uefi_test_bench_server(uintptr_t rounds);      /* answers rounds messages */
void uefi_test_bench_client(uintptr_t rounds);      /* times rounds round trips */

/* Read-only data of the user runtime (the writer's target). */
extern const char uefi_test_user_ro[16];

#endif /* TWAIN_BOOT_UEFI_TESTS_H */
