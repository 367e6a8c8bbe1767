/* SPDX-License-Identifier: MIT */
/*
 * core/usercopy.h - checking user pointers against the running task's memory regions
 * before the kernel touches them (docs/architecture.md, "System calls"). On UEFI the page
 * tables enforce the same ranges; here they are checked the same way in both worlds.
 */
#ifndef TWAIN_CORE_USERCOPY_H
#define TWAIN_CORE_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when [p, p+len) lies in the running thread's task memory; len 0 is always fine. */
bool user_range_ok(uint64_t p, uint64_t len);

/*
 * Copy in/out after checking; TW_OK or TW_E_FAULT. These are the only functions that
 * touch user memory: object operations always work on kernel buffers.
 */
int copy_from_user(void *dst, uint64_t src, size_t len) __attribute__((warn_unused_result));
int copy_to_user(uint64_t dst, const void *src, size_t len) __attribute__((warn_unused_result));

/* The same for ranges the caller has already checked with user_range_ok in this call. */
void copy_from_user_checked(void *dst, uint64_t src, size_t len);
void copy_to_user_checked(uint64_t dst, const void *src, size_t len);

#endif /* TWAIN_CORE_USERCOPY_H */
