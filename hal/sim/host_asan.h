/* SPDX-License-Identifier: MIT */
/*
 * hal/sim/host_asan.h - AddressSanitizer fiber annotations for the simulator's stack
 * switches, or nothing in builds without ASan. Kept in a header so that host_hal.c has no
 * #ifdef of its own.
 */
#ifndef TWAIN_HAL_SIM_HOST_ASAN_H
#define TWAIN_HAL_SIM_HOST_ASAN_H

#include <stddef.h>

/* gcc defines __SANITIZE_ADDRESS__; clang 14 only answers __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define TWAIN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TWAIN_ASAN 1
#endif
#endif

#if defined(TWAIN_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
static inline void asan_start_switch(void **fake, const void *bottom, size_t size)
{
    __sanitizer_start_switch_fiber(fake, bottom, size);
}
static inline void asan_finish_switch(void *fake, const void **old_bottom, size_t *old_size)
{
    __sanitizer_finish_switch_fiber(fake, old_bottom, old_size);
}
static inline void asan_unpoison(const void *p, size_t size)
{
    __asan_unpoison_memory_region(p, size);
}
#else
static inline void asan_unpoison(const void *p, size_t size)
{
    (void)p;
    (void)size;
}
static inline void asan_start_switch(void **fake, const void *bottom, size_t size)
{
    (void)fake;
    (void)bottom;
    (void)size;
}
static inline void asan_finish_switch(void *fake, const void **old_bottom, size_t *old_size)
{
    (void)fake;
    *old_bottom = NULL;
    *old_size = 0;
}
#endif

#endif /* TWAIN_HAL_SIM_HOST_ASAN_H */
