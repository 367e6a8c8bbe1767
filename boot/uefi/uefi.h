/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/uefi.h - the UEFI application (prefix uefi_): the program that boots the x86_64
 * UEFI machine (hal/x86_64-efi, xe.h) and runs the kernel on it. efi_main (efi_boot.c)
 * does everything that needs the firmware, then ExitBootServices and uefi_kmain (kmain.c)
 * on the kernel's own stack: the machine up, the scenario booted through the loader, its
 * report. Builds with -DTWAIN_VIEW add the scheduling view (view.c), test builds
 * (-DTWAIN_TEST_BUILD) the native test programs (tests.c, user_tests.c). The application
 * reaches core only through core/kentry.h, the loader's API (boot/loader.h) and
 * providers/providers.h.
 */
#ifndef TWAIN_BOOT_UEFI_H
#define TWAIN_BOOT_UEFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../hal/x86_64-efi/xe.h"

#define UEFI_BOOT_STACK_SIZE (64u * 1024)

/* Switches read from the ESP (\twain\<name> files exist). */
struct uefi_switches {
    bool trace_serial; /* \twain\trace: every trace record on serial */
    bool kernel_fault; /* test builds: \twain\kernel-fault */
    bool user_fault;   /* test builds: \twain\user-fault */
    bool bench_ipc;    /* test builds: \twain\bench-ipc */
};

/* What efi_boot.c hands to uefi_kmain after ExitBootServices. */
struct uefi_boot_info {
    const uint8_t *blob; /* the compiled scenario */
    size_t blob_len;
    bool builtin_blob; /* no \twain\scenario.bin: the built-in demo */
    void *pool;        /* core's page pool, pool_pages long */
    size_t pool_pages;
    struct xe_machine machine;
    struct uefi_switches sw;
    /* \twain\diskN.img, named by line N of \twain\disknames (else "diskN") */
    struct xe_disk disks[XE_MAX_DISKS];
    uint32_t ndisks;
    void *view_mem; /* VIEW builds: the scheduling view's region (view.c), else NULL */
    size_t view_pages;
};

/* The kernel after ExitBootServices (kmain.c), on its own stack. Does not return. */
_Noreturn void uefi_kmain(struct uefi_boot_info *bi);

/*
 * The application's trace sink (trace_out.c), which hal_trace_write hands records to:
 * every record on serial when on (\twain\trace), the crash vectors the test build checks,
 * and the scheduling view's feed.
 */
void uefi_trace_init(bool serial);
/* The CPU vector of the crash of task task_id (ids below 64) seen in the trace, or 0. */
uint32_t uefi_trace_fault_vector(uint32_t task_id);

/*
 * Test builds only (tests.c): run a test instead of the scenario when a switch asks;
 * returns false when no test switch is set. Other builds have no tests.
 */
#ifdef TWAIN_TEST_BUILD
bool uefi_tests_run(const struct uefi_boot_info *bi);
#else
static inline bool uefi_tests_run(const struct uefi_boot_info *bi)
{
    (void)bi;
    return false;
}
#endif

/*
 * The scheduling view on the framebuffer (view.c), in builds with -DTWAIN_VIEW only: it
 * takes over the screen from the text console, is fed every trace record, redraws now and
 * then, and draws the final frame at the end. Other builds have stubs.
 */
struct trace_rec;
#ifdef TWAIN_VIEW
void uefi_view_init(const struct uefi_boot_info *bi, const char *title, size_t title_len);
void uefi_view_feed(const struct trace_rec *r, size_t n);
void uefi_view_final(void);
#else
static inline void uefi_view_init(const struct uefi_boot_info *bi, const char *title, size_t len)
{
    (void)bi;
    (void)title;
    (void)len;
}
static inline void uefi_view_feed(const struct trace_rec *r, size_t n)
{
    (void)r;
    (void)n;
}
static inline void uefi_view_final(void)
{
}
#endif

#endif /* TWAIN_BOOT_UEFI_H */
