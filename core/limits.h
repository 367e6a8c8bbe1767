/* SPDX-License-Identifier: MIT */
/*
 * core/limits.h - every fixed limit of the kernel, in one place, related by static
 * assertions. Pools are sized from these at k_init; nothing grows without bound.
 */
#ifndef TWAIN_CORE_LIMITS_H
#define TWAIN_CORE_LIMITS_H

#include "abi.h"
#include "kassert.h"

#define K_PAGE_SIZE   4096u
#define K_MAX_ORDER   10 /* largest block: 2^10 pages = 4 MiB */
#define K_MAX_TASKS   4096
#define K_MAX_THREADS 16384
#define K_MAX_TIMERS  65536 /* most entries in the deadline heap (sized from the pool) */
#define K_TASK_NAME   32
#define K_USTACK_PAGES                                                                             \
    16 /* 64 KiB: user code's stack (the simulator guards its lowest page and runs system calls on \
          it) */
#define K_USTACK_MIN_PAGES 4    /* k_config.ustack_pages: the fuzzer's programs use 8 */
#define K_KSTACK_PAGES     4    /* 16 KiB: kernel stack where the backend has a privilege split */
#define K_HANDLE_PAGE      256  /* handles per table page */
#define K_HANDLE_DIR       1024 /* table pages per task: 262144 handles */
#define K_THREAD_HANDLES   16   /* thread-local handles: -1 .. -16 */
#define K_POLL_MAX         64   /* items per poll */
#define K_REGIONS_MAX      (2 * K_MAX_THREADS) /* memory regions per task */
#define K_CHAN_DEFAULT_CAP 16                  /* message slots per direction */
#define K_CHAN_MAX_CAP     256
#define K_CHAN_NAME        32
#define K_TRACE_BUF        256   /* records buffered before the sink */
#define K_CONSOLE_CAPTURE  65536 /* bytes of console output kept for expectations */
#define K_MAX_PROVIDERS    32
#define K_QUANTUM_MIN_NS   1000ull
#define K_MIN_POOL_PAGES   16       /* smaller pools are refused at boot (TW_E_NOMEM) */
#define K_TIMER_MIN_NS     10000ull /* shortest timer period: 10 us */

K_STATIC_ASSERT(K_THREAD_HANDLES <= 64, "thread-local handles fit a 64-bit mask");
K_STATIC_ASSERT(K_MAX_TIMERS >= K_MAX_THREADS, "every thread can hold a deadline");
K_STATIC_ASSERT(K_POLL_MAX <= 64, "poll ready mask is 64 bits");
K_STATIC_ASSERT((K_CONSOLE_CAPTURE & (K_CONSOLE_CAPTURE - 1)) == 0, "capture is a power of 2");
K_STATIC_ASSERT(TW_MSG_MAX_BYTES % 8 == 0, "message slots are word aligned");

#endif /* TWAIN_CORE_LIMITS_H */
