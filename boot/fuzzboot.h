/* SPDX-License-Identifier: MIT */
/*
 * boot/fuzzboot.h - the boot half of the system-call fuzz programs (docs/fuzzing.md): in
 * kernel context, like the scenario loader, it lays a fuzzer input out, boots the kernel for
 * it and creates its tasks, whose threads run the program half (user/fuzzprog.c); then it
 * follows every system call those threads make, through the records they keep (kentry.h,
 * "Observing system calls"): the listings below, and the oracle's verdict, which it turns
 * into the kernel panic that ends the fuzz run.
 */
#ifndef TWAIN_BOOT_FUZZBOOT_H
#define TWAIN_BOOT_FUZZBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "../user/fuzzprog.h"

/* The kernel a fuzz input runs on. */
#define FZ_POOL_PAGES 1024
#define FZ_SMALL_POOL 192 /* a few threads and handles: allocations fail mid-program */
/* 32 KiB user stacks (the kernel's default is 64): zeroing them was a twentieth of an
 * execution. The deepest stack over the whole corpus was 10.4 KiB (16.7 KiB under ASan);
 * the simulator reports an overflow into the unused lowest page (guards are off here). */
#define FZ_USTACK_PAGES 8
#define FZ_MAX_TIME_NS  (5ull * 1000 * 1000)
#define FZ_QUANTUM_NS   1000000
#define FZ_SYSCALL_NS   200 /* cost model */
#define FZ_SWITCH_NS    400
#define FZ_BYTE_PS      250

/*
 * How fz_boot lays an input out: byte 0 picks the number of tasks, the scheduling policy,
 * the pool and a kill; byte 1 the seed; then one byte per task for its thread count; the
 * rest is cut into equal slices, one per thread, in creation order.
 */
struct fz_layout {
    uint32_t ntasks;
    uint32_t nthreads[FZ_MAX_TASKS]; /* threads each task starts with */
    uint32_t policy;                 /* 0 round-robin, 1 priority, 2 random */
    uint64_t seed;
    uint32_t pool_pages; /* FZ_POOL_PAGES, or FZ_SMALL_POOL: out of memory comes early */
    int32_t kill_task;   /* a task killed from outside at kill_at_ns (a fault), or -1 */
    uint64_t kill_at_ns;
};

void fz_layout(const uint8_t *data, size_t len, struct fz_layout *out);

/* Receives the system calls of a fuzz program (fuzz-repro, the fuzz record). */
typedef void (*fz_listing_fn)(const struct fz_call *call);

/*
 * Boot the kernel for input data[0..len) and create its tasks and threads. The bytes must
 * stay valid until the run ends. listing (or NULL) receives every system call as it returns,
 * and every thread's end as it is made. Returns TW_OK or a TW_E_* code (only TW_E_NOMEM is
 * possible with sane limits).
 */
int fz_boot(const uint8_t *data, size_t len, fz_listing_fn listing)
    __attribute__((warn_unused_result));

/*
 * Receives every system call just before the kernel acts on it (no result yet), or NULL (the
 * default). A crash inside the kernel still leaves its call on record (fuzz-repro
 * --to-scenario), and the stored bytes are seen as the kernel will read them (before a poll
 * writes back what it observed into its items). Stays set across fz_boot calls.
 */
void fz_set_announce(fz_listing_fn announce);

#endif /* TWAIN_BOOT_FUZZBOOT_H */
