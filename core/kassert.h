/* SPDX-License-Identifier: MIT */
/*
 * core/kassert.h - assertions in three strengths and the kernel panic.
 *
 * K_ASSERT is on in every build (panic with file:line on both backends); K_DEBUG_ASSERT
 * only when TWAIN_DEBUG is set (expensive checks); K_STATIC_ASSERT at compile time.
 */
#ifndef TWAIN_CORE_KASSERT_H
#define TWAIN_CORE_KASSERT_H

/*
 * Print "PANIC at file:line: message" with the running thread to the console, then stop
 * the machine through hal_panic_halt(). Never returns.
 */
_Noreturn void k_panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define k_panic(...) k_panic_at(__FILE__, __LINE__, __VA_ARGS__)

#define K_ASSERT(cond)                                                                             \
    do {                                                                                           \
        if (__builtin_expect(!(cond), 0))                                                          \
            k_panic_at(__FILE__, __LINE__, "assertion failed: %s", #cond);                         \
    } while (0)

#ifdef TWAIN_DEBUG
#define K_DEBUG_ASSERT(cond) K_ASSERT(cond)
#else
#define K_DEBUG_ASSERT(cond) ((void)0)
#endif

#define K_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif /* TWAIN_CORE_KASSERT_H */
