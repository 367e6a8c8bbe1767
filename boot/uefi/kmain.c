/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/kmain.c - the kernel after ExitBootServices: bring the machine up (the HAL's
 * xe_machine_init, and in real-time mode its timers and input interrupts), then boot the
 * scenario with the loader exactly as the simulator does, print its report and
 * `trace-hash:` line like `twain run`, and exit with its status.
 */
#include "../../core/kentry.h"
#include "../../hal/hal.h"
#include "../loader.h"
#include "uefi.h"

static struct scn_view view;
static struct scn_outcome outcome;

static const char *mode_name(uint8_t mode)
{
    return mode == SCN_MODE_REALTIME ? "real-time" : "deterministic";
}

static _Noreturn void run_scenario(const struct uefi_boot_info *bi)
{
    struct scn_error err;
    struct scn_boot_options opt = {.trace_sink = true};
    if (view.config.mode == SCN_MODE_REALTIME)
        xe_clock_restart();
    if (scn_boot(bi->blob, bi->blob_len, &opt, &view, &err) != TW_OK) {
        xe_printf("twain: %s\n", err.msg);
        xe_exit(XE_EXIT_BAD_INPUT);
    }
    scn_run(&view, &outcome);
    uefi_view_final(); /* VIEW builds: the last frame stays on the screen */
    hal_console_write(outcome.report, outcome.report_len);
    xe_printf("result: %s\n", outcome.failed == 0 ? "PASS" : "FAIL");
    xe_printf("trace-hash: %016llx\n", (unsigned long long)outcome.trace_hash);
    xe_serial_printf("twain: %llu trace records delivered to the HAL, %zu page-table pages used\n",
                     (unsigned long long)xe_trace_records(), xe_mmu_pages_used());
    xe_exit(outcome.failed == 0 ? XE_EXIT_PASS : XE_EXIT_FAIL);
}

_Noreturn void uefi_kmain(struct uefi_boot_info *bi)
{
    xe_machine_init(&bi->machine);
    uefi_trace_init(bi->sw.trace_serial);
    struct scn_error err;
    if (scn_decode(bi->blob, bi->blob_len, &view, &err) != TW_OK) { /* checked at boot */
        xe_printf("twain: scenario rejected at byte %u: %s\n", err.offset, err.msg);
        xe_exit(XE_EXIT_BAD_INPUT);
    }
    bool realtime = view.config.mode == SCN_MODE_REALTIME;
    xe_printf("twain: kernel up: scenario %.*s (%s), seed %llu, %s mode, pool %zu pages\n",
              (int)view.name_len, view.name,
              bi->builtin_blob ? "built-in demo" : "\\twain\\scenario.bin",
              (unsigned long long)view.config.seed, mode_name(view.config.mode), bi->pool_pages);
    xe_hal_init(bi->pool, bi->pool_pages, realtime);
    xe_disks_init(bi->disks, bi->ndisks);
    for (uint32_t i = 0; i < bi->ndisks; i++)
        xe_printf("twain: disk %s: %llu bytes from \\twain\\disk%u.img\n", bi->disks[i].name,
                  (unsigned long long)bi->disks[i].size, i);
    if (realtime)
        xe_realtime_init();
    uefi_view_init(bi, view.name, view.name_len); /* VIEW builds: the screen shows the view */
    if (uefi_tests_run(bi))
        xe_exit(XE_EXIT_BOOT_ERROR); /* a test returns only when it could not run */
    run_scenario(bi);
}
