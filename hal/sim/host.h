/* SPDX-License-Identifier: MIT */
/*
 * hal/sim/host.h - the simulator's host side: what the harness (sim-harness/) sets up
 * before booting the kernel, and the declared functions the kernel-side sim files call.
 * Host files (host_*.c) may use libc; kernel-side files (sim_*.c) are freestanding and
 * meet the host only through the functions declared here (NuttX's split).
 */
#ifndef TWAIN_HAL_SIM_HOST_H
#define TWAIN_HAL_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Trace records (whole 48-byte records) are delivered here when the kernel's sink is on. */
typedef void (*host_trace_fn)(void *ctx, const void *records, size_t len);
/* Console output of the kernel. */
typedef void (*host_console_fn)(void *ctx, const char *bytes, size_t len);

/* Pages of the pool (mapped once, at the first boot; later calls must not grow it). */
void host_set_pool_pages(size_t npages);
void host_set_trace_sink(host_trace_fn fn, void *ctx);
/* NULL: write to stdout. */
void host_set_console(host_console_fn fn, void *ctx);

/* Called at every kernel boundary (hal_poll): a window may feed k_console_input here. */
typedef void (*host_poll_fn)(void *ctx);
void host_set_poll(host_poll_fn fn, void *ctx);

/*
 * Disks for blk:// (host_disk.c). An image file is loaded into memory; writes stay in
 * memory (copy-on-write) unless write_through. Return 0, or -1 with err set.
 */
int host_disk_add_file(const char *name, const char *path, bool write_through, char *err,
                       size_t errlen);
int host_disk_add_ram(const char *name, uint64_t size, char *err, size_t errlen);
void host_disks_clear(void);

/*
 * Make the page at p inaccessible (guard) or accessible again: the lowest page of every
 * user stack is a guard, so a stack overflow stops the simulator at once instead of
 * writing over the kernel objects that share the page pool.
 */
void host_guard_page(void *p, bool guard);
/* Stack guards are on by default; the fuzz driver turns them off (its user code is the
 * fuzzer's own program, and two mprotect calls per thread dominate an input's cost). */
void host_set_stack_guards(bool on);

/* First code of a new thread on its stack (the sanitizer fiber hand-off), then core. */
_Noreturn void host_thread_entry(uintptr_t unused);

#endif /* TWAIN_HAL_SIM_HOST_H */
