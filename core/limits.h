/* SPDX-License-Identifier: MIT */
/*
 * core/limits.h - every fixed limit of the kernel, in one place, related by static
 * assertions. Pools are sized from these at k_init; nothing grows without bound.
 *
 * The limits user code sees in the ABI (message sizes, handles a message carries, ...)
 * are defined in abi.h and only referred to here. The kernel's own are K_*; those of one
 * subsystem keep its prefix (URL_ the parser, SYS_ the system-call layer, UPROV_ user
 * providers, FAULT_ fault injection, WATCH_ kernel watchers) so that its code reads as
 * its own. Freestanding and includable by user code (core/optable.c is compiled there).
 */
#ifndef TWAIN_CORE_LIMITS_H
#define TWAIN_CORE_LIMITS_H

#include "abi.h"
#include "kassert.h"

/* ---- memory ------------------------------------------------------------------------ */

#define K_PAGE_SIZE        4096u
#define K_MAX_ORDER        10 /* largest block: 2^10 pages = 4 MiB */
#define K_MIN_POOL_PAGES   16 /* smaller pools are refused at boot (TW_E_NOMEM) */
#define K_USTACK_MIN_PAGES 4  /* k_config.ustack_pages: the fuzzer's programs use 8 */
#define K_KSTACK_PAGES     4  /* 16 KiB: kernel stack where the backend has a privilege split */
#define K_USTACK_PAGES                                                                             \
    16 /* 64 KiB: user code's stack (the simulator guards its lowest page and runs system calls on \
          it) */

/* ---- tasks, threads, scheduling ---------------------------------------------------- */

#define K_MAX_TASKS      4096
#define K_MAX_THREADS    16384
#define K_TASK_NAME      32
#define K_REGIONS_MAX    (2 * K_MAX_THREADS) /* memory regions per task */
#define K_PRIO_LEVELS    32                  /* thread priorities 0 (lowest) .. K_PRIO_MAX */
#define K_PRIO_MAX       (K_PRIO_LEVELS - 1)
#define K_QUANTUM_MIN_NS 1000ull
#define K_USER_ENTRIES   8  /* entry points user code may start threads at (syscall.h) */
#define K_MAX_PROGRAMS   32 /* programs TW_TASK_SPAWN can start (program.h) */
#define K_PROGRAM_NAME   32 /* bytes of a program's name, NUL included */
#define K_SPAWN_HEAP_PAGES                                                                         \
    4 /* a spawned task's heap: 16 KiB, the start block (abi.h's tw_spawn_start) at its base */

/* ---- time ---------------------------------------------------------------------------- */

#define K_MAX_TIMERS   65536    /* most entries in the deadline heap (sized from the pool) */
#define K_TIMER_MIN_NS 10000ull /* shortest timer period: 10 us */

/* ---- handles ------------------------------------------------------------------------- */

#define K_HANDLE_PAGE    256  /* handles per table page */
#define K_HANDLE_DIR     1024 /* table pages per task: 262144 handles */
#define K_THREAD_HANDLES 16   /* thread-local handles: -1 .. -16 */

/* ---- IPC and waiting ----------------------------------------------------------------- */

#define K_POLL_MAX         64 /* items per poll (and wait nodes per thread) */
#define K_CHAN_DEFAULT_CAP 16 /* message slots per direction */
#define K_CHAN_MAX_CAP     256
#define K_CHAN_NAME        32
#define K_CHAN_EVENT_MAX                                                                           \
    40 /* bytes of the one event a subscription keeps when its ring is full                        \
        */

/* ---- URLs (core/url.c) ------------------------------------------------------------- */

#define URL_MAX_LEN    1024 /* whole URL, bytes */
#define URL_MAX_DEPTH  8    /* nesting levels, the outermost URL included */
#define URL_MAX_SCHEME 31
#define URL_MAX_HOST   255
#define URL_MAX_PORT   20 /* digits: any uint64_t fits (UINT64_MAX has 20) */
#define URL_MAX_PATH   1000
#define URL_MAX_QUERY  255

/* ---- system calls (core/syscall.c) --------------------------------------------------- */

/* Largest length a read or write accepts, and the most one call moves (short I/O). */
#define SYS_IO_MAX   (1u << 20)
#define SYS_IO_CHUNK 4096u
/* Bytes of kernel memory an invoke's buffers are copied into (the optable test checks that
 * every operation's bounds fit: two paths of FS_PATH_MAX bytes are the most). */
#define SYS_INVOKE_BUF 2048u
/* Bytes of a path a file-system operation takes (the FAT driver's FAT_MAX_PATH is the same). */
#define FS_PATH_MAX 1024

/* ---- providers, console, trace, faults ------------------------------------------------ */

#define K_MAX_PROVIDERS   32
#define UPROV_MAX         16                      /* schemes served by user tasks */
#define UPROV_TIMEOUT_NS  (1000ull * 1000 * 1000) /* a provider must answer within 1 s */
#define WATCH_MAX         4                       /* kernel watchers (watch.h) */
#define FAULT_MAX         64                      /* faults a run may schedule */
#define FAULT_NAMES_LEN   128   /* bytes of a server fault's target names ("a b", or "*") */
#define K_CONSOLE_CAPTURE 65536 /* bytes of console output kept for expectations */
#define K_CONSOLE_INPUT   1024  /* bytes of console input buffered */
#define K_TRACE_BUF       256   /* records buffered before the sink */

/* ---- how they relate ----------------------------------------------------------------- */

K_STATIC_ASSERT(K_THREAD_HANDLES <= 64, "thread-local handles fit a 64-bit mask");
K_STATIC_ASSERT(K_MAX_TIMERS >= K_MAX_THREADS, "every thread can hold a deadline");
K_STATIC_ASSERT(K_POLL_MAX <= 64, "poll ready mask is 64 bits");
K_STATIC_ASSERT((K_CONSOLE_CAPTURE & (K_CONSOLE_CAPTURE - 1)) == 0, "capture is a power of 2");
K_STATIC_ASSERT(TW_MSG_MAX_BYTES % 8 == 0, "message slots are word aligned");
K_STATIC_ASSERT(K_PRIO_LEVELS >= 1 && K_PRIO_MAX == K_PRIO_LEVELS - 1, "priorities 0..max");
K_STATIC_ASSERT(URL_MAX_SCHEME < URL_MAX_LEN, "scheme limit inside the URL limit");
K_STATIC_ASSERT(URL_MAX_HOST < URL_MAX_LEN, "host limit inside the URL limit");
K_STATIC_ASSERT(URL_MAX_PORT < URL_MAX_LEN, "port limit inside the URL limit");
K_STATIC_ASSERT(URL_MAX_PATH < URL_MAX_LEN, "path limit inside the URL limit");
K_STATIC_ASSERT(URL_MAX_QUERY < URL_MAX_LEN, "query limit inside the URL limit");
K_STATIC_ASSERT(SYS_IO_CHUNK <= SYS_IO_MAX, "one call moves at most what a call accepts");
K_STATIC_ASSERT(2 * FS_PATH_MAX <= SYS_INVOKE_BUF, "fs_rename's two paths fit the invoke buffer");
K_STATIC_ASSERT(TW_MSG_MAX_BYTES + TW_MSG_MAX_HANDLES * 4 <= SYS_INVOKE_BUF,
                "a message and its handles fit the invoke buffer");
K_STATIC_ASSERT(TW_SPAWN_CMD_MAX + TW_SPAWN_MAX_HANDLES * 4 <= SYS_INVOKE_BUF,
                "a command line and its handles fit the invoke buffer");
K_STATIC_ASSERT(TW_TASK_CHILDREN_MAX * 4 <= SYS_INVOKE_BUF, "the children's ids fit it too");
K_STATIC_ASSERT(sizeof(struct tw_spawn_start) <= K_SPAWN_HEAP_PAGES * K_PAGE_SIZE,
                "the start block fits a spawned task's heap");
K_STATIC_ASSERT(TW_SPAWN_MAX_HANDLES < K_HANDLE_PAGE, "moved handles fit a table's first page");
K_STATIC_ASSERT(K_PROGRAM_NAME <= K_TASK_NAME, "a program's name is its task's name");

#endif /* TWAIN_CORE_LIMITS_H */
