/* SPDX-License-Identifier: MIT */
/*
 * user/fuzzprog.h - system-call programs decoded from fuzzer bytes (docs/fuzzing.md).
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
#define FZ_SMALL_POOL  192 /* a few threads and handles: allocations fail mid-program */
/* 32 KiB user stacks (the kernel's default is 64): zeroing them was a twentieth of an
 * execution. The deepest stack over the whole corpus was 10.4 KiB (16.7 KiB under ASan);
 * the simulator reports an overflow into the unused lowest page (guards are off here). */
#define FZ_USTACK_PAGES 8
#define FZ_MAX_TIME_NS  (5ull * 1000 * 1000)
#define FZ_QUANTUM_NS   1000000
#define FZ_SYSCALL_NS   200 /* cost model */
#define FZ_SWITCH_NS    400
#define FZ_BYTE_PS      250

/* How a system-call argument was chosen: what a listing or a scenario needs to rebuild it. */
enum fz_arg_kind {
    FZ_ARG_INT = 0, /* a number (handles, lengths, flags, operations, absolute deadlines) */
    FZ_ARG_STACK,   /* the calling thread's stack buffer + off (off < 0: free stack below) */
    FZ_ARG_HEAP,    /* the task's heap region + off (off == FZ_HEAP_BYTES: one past it) */
    FZ_ARG_FOREIGN, /* an address in no task's memory (kernel data) */
    FZ_ARG_ENTRY,   /* spawn: the fuzz program's thread entry; off = the new thread's number */
    FZ_ARG_NULL,    /* the null pointer */
};

#define FZ_HEAP_PAGES 4
#define FZ_HEAP_BYTES (FZ_HEAP_PAGES * 4096)

/* One system call a fuzz program made, as it was made. */
struct fz_call {
    uint32_t task;   /* fuzz task index (0..3) */
    uint32_t thread; /* thread number within the task, in creation order */
    uint64_t nr;     /* TW_SYS_* or any number */
    uint64_t args[6];
    uint8_t kind[6]; /* enum fz_arg_kind of each argument */
    int64_t off[6];  /* FZ_ARG_STACK/HEAP: offset; FZ_ARG_ENTRY: thread number */
    /* Bytes the program stored before the call (a URL in the heap buffer, poll items on the
     * stack): mem_len bytes at mem_kind (STACK/HEAP) + mem_off. mem_len 0: none. */
    uint8_t mem_kind;
    int64_t mem_off;
    const uint8_t *mem;
    uint32_t mem_len;
    int64_t result;
};

/* Receives every system call a fuzz program makes, after it returns (fuzz-repro). */
typedef void (*fz_listing_fn)(const struct fz_call *call);

/*
 * Receives every system call just before it is made (no result yet), or NULL (the default).
 * A crash inside the kernel still leaves its call on record (fuzz-repro --to-scenario), and
 * the stored bytes are seen as the kernel will read them (before a poll writes back what it
 * observed into its items). Stays set across fz_boot calls.
 */
void fz_set_announce(fz_listing_fn announce);

/* One line describing call (no newline) into buf[0..len). */
void fz_format_call(const struct fz_call *call, char *buf, size_t len);

/* How fz_boot lays an input out. */
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
