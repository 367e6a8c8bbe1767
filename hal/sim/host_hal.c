/* SPDX-License-Identifier: MIT */
/*
 * hal/sim/host_hal.c - the simulator's host side of hal.h: the page pool (one mapping),
 * the context switch with its sanitizer hand-off, the real clock (real-time mode only),
 * console to stdout, the trace sink, and stopping on panic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../core/kentry.h"
#include "../hal.h"
#include "../x86_64/context.h"
#include "host.h"
#include "host_asan.h"

/* Where the page pool goes when that address range is free: clear of ASan's shadow and
 * of its allocator (which takes 0x600000000000), so every build puts it at one place. */
#define POOL_AT ((void *)0x500000000000ull)

static struct {
    void *pool;
    size_t pool_pages;
    size_t want_pages;
    host_trace_fn trace_fn;
    void *trace_ctx;
    host_console_fn console_fn;
    void *console_ctx;
    host_poll_fn poll_fn;
    void *poll_ctx;
    const void *main_stack_lo; /* the host stack the idle loop runs on (for ASan) */
    size_t main_stack_size;
    uint64_t timer_deadline;
} host = {.want_pages = 16384, .timer_deadline = UINT64_MAX};

static bool stack_guards = true; /* see host_set_stack_guards */

void host_set_pool_pages(size_t npages)
{
    host.want_pages = npages;
}

void host_set_trace_sink(host_trace_fn fn, void *ctx)
{
    host.trace_fn = fn;
    host.trace_ctx = ctx;
}

void host_set_console(host_console_fn fn, void *ctx)
{
    host.console_fn = fn;
    host.console_ctx = ctx;
}

void host_set_poll(host_poll_fn fn, void *ctx)
{
    host.poll_fn = fn;
    host.poll_ctx = ctx;
}

void hal_poll(void)
{
    if (host.poll_fn != NULL)
        host.poll_fn(host.poll_ctx);
}

void hal_pool(void **base, size_t *npages)
{
    if (host.pool == NULL || host.want_pages > host.pool_pages) {
        if (host.pool != NULL)
            munmap(host.pool, host.pool_pages * HAL_PAGE_SIZE);
        /* At a fixed place when it is free: user pointers then have the same values in
         * every run, and a raw system call (a scenario's syscall step) may pass one where
         * the trace records a plain integer. Anywhere else otherwise. */
        host.pool = mmap(POOL_AT, host.want_pages * HAL_PAGE_SIZE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (host.pool == MAP_FAILED)
            host.pool = mmap(NULL, host.want_pages * HAL_PAGE_SIZE, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (host.pool == MAP_FAILED) {
            perror("twain: mmap of the page pool");
            exit(2);
        }
        host.pool_pages = host.want_pages;
        /* Transparent huge pages where the host allows: a fresh 4 KiB page costs a fault
         * (about 10 us under a hypervisor), and a cold 64 MiB file read touches 16,384 of
         * them in the cache alone (docs/storage.md). Advice only: ignored where unsupported. */
        madvise(host.pool, host.pool_pages * HAL_PAGE_SIZE, MADV_HUGEPAGE);
    }
    /* A new boot: stack guards of a previous one (threads that were never reaped) go. */
    if (stack_guards &&
        mprotect(host.pool, host.pool_pages * HAL_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
        perror("twain: mprotect of the page pool");
        exit(2);
    }
    *base = host.pool;
    *npages = host.want_pages;
}

void hal_context_switch(struct hal_context *from, struct hal_context *to)
{
    void *fake = NULL;
    const void *lo = to->stack_lo != NULL ? to->stack_lo : host.main_stack_lo;
    size_t size = to->stack_lo != NULL ? to->stack_size : host.main_stack_size;
    /* ASan keeps a fake stack per context (use-after-return detection, on by default
     * since clang 15): an exiting thread's goes with its last switch, or each leaked it. */
    asan_start_switch(from->final ? NULL : &fake, lo, size);
    x86_64_switch(&from->sp, to->sp);
    const void *old_lo;
    size_t old_size;
    asan_finish_switch(fake, &old_lo, &old_size);
}

/* No __asan_handle_no_return before k_thread_trampoline: see K_THREAD_EDGE (core/klib.h). */
__attribute__((no_sanitize("address"))) _Noreturn void host_thread_entry(uintptr_t unused)
{
    (void)unused;
    const void *old_lo;
    size_t old_size;
    asan_finish_switch(NULL, &old_lo, &old_size);
    if (host.main_stack_lo == NULL) { /* the first switch ever came from the main stack */
        host.main_stack_lo = old_lo;
        host.main_stack_size = old_size;
    }
    k_thread_trampoline();
}

void host_set_stack_guards(bool on)
{
    stack_guards = on;
}

void host_guard_page(void *p, bool guard)
{
    if (!stack_guards)
        return;
    if (mprotect(p, HAL_PAGE_SIZE, guard ? PROT_NONE : PROT_READ | PROT_WRITE) != 0) {
        perror("twain: mprotect of a stack guard page");
        abort();
    }
}

/*
 * Without guard pages (host_set_stack_guards(false), the fuzz driver) the lowest page of a
 * user stack is still never used (hal_context_init starts above it), so it stays as zeroed
 * as page_alloc left it. A frame that went deeper wrote into its top first: say so, as the
 * guard would have.
 */
static void check_unguarded_stack(const struct hal_thread_start *start)
{
    const uint64_t *top = (const uint64_t *)((const uint8_t *)start->ustack + HAL_PAGE_SIZE - 512);
    uint64_t written = 0;
    for (size_t i = 0; i < 512 / sizeof(*top); i++)
        written |= top[i];
    if (written != 0) {
        fprintf(stderr,
                "twain: a thread's stack overflowed into its lowest page (%zu-byte stack, "
                "guard pages off)\n",
                start->ustack_size);
        abort();
    }
}

void hal_stacks_released(const struct hal_thread_start *start)
{
    if (!stack_guards)
        check_unguarded_stack(start);
    host_guard_page(start->ustack, false);
    asan_unpoison(start->ustack, start->ustack_size);
    asan_unpoison(start->kstack, start->kstack_size);
}

uint64_t hal_clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void hal_timer_arm(uint64_t deadline_ns)
{
    host.timer_deadline = deadline_ns;
}

void hal_idle(void)
{
    uint64_t now = hal_clock_now_ns();
    if (host.timer_deadline != UINT64_MAX && host.timer_deadline > now) {
        uint64_t ns = host.timer_deadline - now;
        struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
        nanosleep(&ts, NULL);
    }
    k_timer_interrupt();
}

/* The last write that went to a console sink: a panic's report, if the sink drops it. */
static char last_write[600];
static size_t last_len;

void hal_console_write(const char *bytes, size_t len)
{
    if (host.console_fn != NULL) {
        last_len = len < sizeof(last_write) ? len : sizeof(last_write);
        memcpy(last_write, bytes, last_len);
        host.console_fn(host.console_ctx, bytes, len);
        return;
    }
    fwrite(bytes, 1, len, stdout);
}

void hal_trace_write(const void *records, size_t len)
{
    if (host.trace_fn != NULL)
        host.trace_fn(host.trace_ctx, records, len);
}

_Noreturn void hal_panic_halt(void)
{
    /* k_panic_at writes its whole report in one console write just before this: a sink
     * (the fuzz targets' quiet one) must not swallow it. */
    if (host.console_fn != NULL)
        fwrite(last_write, 1, last_len, stderr);
    fflush(stdout);
    fflush(stderr);
    abort();
}
