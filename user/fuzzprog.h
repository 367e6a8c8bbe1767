/* SPDX-License-Identifier: MIT */
/*
 * user/fuzzprog.h - system-call programs decoded from fuzzer bytes (issue 6).
 *
 * The input becomes one to four tasks with one or two threads each; each thread reads its
 * own slice of the bytes as a program of system calls whose arguments come from pools, as
 * syzkaller's typed descriptions do: live, closed, negative, huge and foreign handles;
 * user pointers that are valid, NULL, misaligned, one past a region, straddling its end,
 * or kernel addresses; lengths at the boundaries; deadlines past, now and far; URLs from a
 * dictionary plus mutations. Every thread has a step budget. The same code runs in the
 * libFuzzer target, under AFL++, and in `twain fuzz-repro`, so a crash replays exactly.
 */
#ifndef TWAIN_USER_FUZZPROG_H
#define TWAIN_USER_FUZZPROG_H

#include <stddef.h>
#include <stdint.h>

#define FZ_MAX_TASKS   4
#define FZ_MAX_THREADS 2 /* per task, at start (programs may spawn more) */
#define FZ_STEP_BUDGET 48
#define FZ_POOL_PAGES  1024
#define FZ_MAX_TIME_NS (20ull * 1000 * 1000)

/* Receives one line per system call made (`twain fuzz-repro` prints them). */
typedef void (*fz_listing_fn)(const char *line);

/*
 * Boot the kernel for input data[0..len) and create its tasks and threads (kernel
 * context, like the scenario loader). The bytes must stay valid until the run ends.
 * Returns TW_OK or a TW_E_* code (only TW_E_NOMEM is possible with sane limits).
 */
int fz_boot(const uint8_t *data, size_t len, fz_listing_fn listing)
    __attribute__((warn_unused_result));

/* Thread entry of a fuzz program (registered for TW_TASK_SPAWN_THREAD). */
_Noreturn void fz_thread(uintptr_t arg);

#endif /* TWAIN_USER_FUZZPROG_H */
