/* SPDX-License-Identifier: MIT */
/*
 * user/fuzzprog.h - system-call programs decoded from fuzzer bytes (docs/fuzzing.md): the
 * program (user/fuzzprog.c, user code) and what it shares with its boot half
 * (boot/fuzzboot.c, kernel context) and the harness.
 *
 * The input becomes one to four tasks with one or two threads each; each thread reads its
 * own slice of the bytes as a program of system calls whose arguments come from pools, as
 * syzkaller's typed descriptions do: live, closed, negative, huge and foreign handles;
 * user pointers that are valid, NULL, misaligned, one past a region, straddling its end,
 * or kernel addresses; lengths at the boundaries; deadlines past, now and far; URLs from a
 * dictionary plus mutations. Every thread has a step budget. The same code runs in the
 * libFuzzer target, under AFL++, and in `twain fuzz-repro`, so a crash replays exactly.
 *
 * The program reaches the kernel through system calls only. Before each call a thread puts
 * the call on record (struct fz_call, in its own memory; its start argument, struct fz_arg,
 * says where): the boot half reads it as the call enters and leaves the kernel (kentry.h,
 * "Observing system calls") to list it, and to turn an oracle violation, which the program
 * reports by exiting with FZ_EXIT_ORACLE, into the kernel panic that ends the fuzz run.
 */
#ifndef TWAIN_USER_FUZZPROG_H
#define TWAIN_USER_FUZZPROG_H

#include <stddef.h>
#include <stdint.h>

#define FZ_MAX_TASKS   4
#define FZ_MAX_THREADS 2 /* per task, at start (programs may spawn more) */
#define FZ_MAX_SPAWNS  4 /* threads a task's programs may spawn */
#define FZ_STEP_BUDGET 48

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

/* Kernel limits the pools are built around (sim-harness/fuzz_driver.c checks them against
 * core/limits.h): lengths around them, and buffers the kernel's writes stay inside. */
#define FZ_IO_MAX         (1u << 20) /* the longest read or write a call takes (SYS_IO_MAX) */
#define FZ_IO_CHUNK       4096u      /* the most one call moves at a time (SYS_IO_CHUNK) */
#define FZ_THREAD_HANDLES 16         /* a thread's local handles (K_THREAD_HANDLES) */
#define FZ_STACK_LEN      (FZ_IO_CHUNK + 64) /* each thread's stack buffer (FZ_ARG_STACK) */

/* What a record is, which says how the boot half reports it. */
enum fz_call_what {
    FZ_CALL = 0,   /* a call: announced as it enters the kernel, listed as it returns */
    FZ_CALL_END,   /* the thread's end (TW_TASK_EXIT or THREAD_EXIT): listed as it enters */
    FZ_CALL_ORACLE /* the oracle's verdict: mem holds the message; the boot half panics */
};

/* One system call a fuzz program made, as it was made. */
struct fz_call {
    uint32_t task;   /* fuzz task index (0..3) */
    uint32_t thread; /* thread number within the task, in creation order */
    uint32_t what;   /* enum fz_call_what */
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

/* One line describing call (no newline) into buf[0..len). */
void fz_format_call(const struct fz_call *call, char *buf, size_t len);

/*
 * A thread's start argument, in its task's heap region (a spawn passes its address, which
 * listings show as heap+off: the size is part of the input's meaning).
 */
struct fz_arg {
    struct fz_task *task;         /* the task's state: the start of its heap region */
    const uint8_t *data;          /* the thread's program, len bytes */
    const struct fz_call *record; /* while the thread is in a system call: the call */
    uint32_t len;
    uint16_t thread; /* its number within the task, in creation order */
    uint8_t main;    /* 1: the task's first thread (its end ends the task) */
};

#define FZ_ARG_BYTES 32

/* The exit status of a task whose program caught the kernel out (FZ_CALL_ORACLE). */
#define FZ_EXIT_ORACLE 0x6f7261 /* "ora" */
#define FZ_ORACLE_MSG  384      /* bytes of the oracle's message, with its NUL */

/* What a task's program starts with (fz_task_setup). */
struct fz_task_init {
    uint32_t index;          /* the fuzz task's index, 0 .. FZ_MAX_TASKS - 1 */
    uint32_t nthreads;       /* threads it starts with, 1 .. FZ_MAX_THREADS */
    const uint8_t *programs; /* their programs: nthreads slices of slice bytes, in order */
    uint32_t slice;
};

/*
 * In kernel context, before the task's threads run (as the scenario loader's
 * scn_task_setup): lay task init->index's state out in its heap region heap[0 ..
 * FZ_HEAP_BYTES) (zeroed), and give in args[0 .. init->nthreads) the start argument of each
 * thread it starts with (for fz_thread). The programs must stay valid until the run ends.
 */
void fz_task_setup(void *heap, const struct fz_task_init *init, uintptr_t args[FZ_MAX_THREADS]);

/*
 * Then, once every task is set up: what task heap's program knows of the run - the heap
 * regions of all ntasks tasks (a handle pool takes the values of the others' live handles)
 * and an address in no task's memory (the foreign pointer pool).
 */
void fz_task_world(void *heap, void *const heaps[], uint32_t ntasks, uintptr_t foreign);

/* Thread entry of a fuzz program (registered for TW_TASK_SPAWN_THREAD); arg: a fz_arg. */
_Noreturn void fz_thread(uintptr_t arg);

#endif /* TWAIN_USER_FUZZPROG_H */
