/* SPDX-License-Identifier: MIT */
/*
 * core/klib.h - the kernel's small library: memory and string helpers and bounded
 * formatting into buffers. Pure functions with no state: user/ links them too.
 */
#ifndef TWAIN_CORE_KLIB_H
#define TWAIN_CORE_KLIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *k_memcpy(void *dst, const void *src, size_t n);
void *k_memmove(void *dst, const void *src, size_t n);
void *k_memset(void *dst, int c, size_t n);
int k_memcmp(const void *a, const void *b, size_t n);
size_t k_strlen(const char *s);
/* Length of s, at most max (no read past s[max-1]). */
size_t k_strnlen(const char *s, size_t max);
/* True when the len bytes at a equal the NUL-terminated b. */
bool k_memeq_str(const char *a, size_t len, const char *b);
bool k_streq(const char *a, const char *b);

/*
 * Bounded formatting. Supports %d %i %u %x %X %c %s %% with the length modifiers l, ll, z,
 * a field width, '0' and '-' flags, and precision on %s (also %.*s). Always NUL-terminates
 * when size > 0; returns the length the full output would have had (like snprintf).
 * No %p: pointer values never reach output that could be traced.
 */
size_t k_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t k_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Parse a decimal uint64 from s[0..len). False on empty, non-digit or overflow. */
bool k_parse_u64(const char *s, size_t len, uint64_t *out);

#define K_ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))
#define K_MIN(a, b)                       ((a) < (b) ? (a) : (b))
#define K_MAX(a, b)                       ((a) > (b) ? (a) : (b))
#define K_ALIGN_UP(x, a)                  (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define K_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/*
 * For the few functions on a thread's first and last path that call a function that never
 * returns. AddressSanitizer precedes every such call with __asan_handle_no_return, which
 * asks the host for its signal stack (a host system call) before unpoisoning the current
 * stack: 14 host calls per fuzz input, a fifth of its time. The simulator's HAL unpoisons
 * a thread's stacks whole when it releases them (hal_stacks_released), so nothing is lost
 * but the checks in these functions' own bodies, which touch pool memory ASan does not
 * track anyway. Keep such functions short.
 */
#define K_THREAD_EDGE __attribute__((no_sanitize("address")))

#endif /* TWAIN_CORE_KLIB_H */
