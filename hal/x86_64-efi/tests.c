/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/tests.c - the test build's native programs, kernel side (only
 * build/efi-test links this file; TWAIN_TEST_BUILD). A switch file on the ESP picks one
 * instead of the scenario:
 *
 *   \twain\kernel-fault  a task asks, through a system-call number only this build serves,
 *                        for a null dereference in ring 0: the panic report, exit 0x10
 *   \twain\user-fault    tasks that read kernel memory, write the user runtime's read-only
 *                        data, execute hlt or overflow their stack in ring 3 are killed
 *                        (crashed, with the CPU vector in the trace) while a worker task
 *                        finishes normally
 *   \twain\bench-ipc     real-time IPC round trips over a channel port, timed by the TSC
 *
 * Like user/loader.c, this boots the kernel through core's API (k_init, task_create,
 * thread_create) and runs native ring-3 code (user_tests.c) instead of the interpreter.
 */
#include "../../core/abi.h"
#include "../../core/kentry.h"
#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../providers/providers.h"
#include "tests.h"
#include "xe.h"

#define BENCH_ROUNDS 5000 /* five batches of 1000 */

/* Kernel data the reader task tries to read from ring 3. */
static volatile uint64_t kernel_secret = 0x5ec2e75ec2e7ull;

static void boot_kernel(const struct xe_boot_info *bi, bool realtime)
{
    struct k_config cfg;
    k_memset(&cfg, 0, sizeof(cfg));
    cfg.seed = 1;
    cfg.policy = SCHED_RR;
    cfg.clock.realtime = realtime;
    cfg.clock.quantum_ns = 1000000;
    cfg.clock.cost_syscall_ns = 200;
    cfg.clock.cost_switch_ns = 400;
    cfg.clock.cost_byte_ps = 250;
    cfg.max_time_ns = 60ull * 1000000000u;
    cfg.pool_pages = bi->pool_pages;
    cfg.trace_sink = true;
    if (k_init(&cfg) != TW_OK || providers_register_all() != TW_OK) {
        xe_printf("tests: the kernel did not boot\n");
        xe_exit(XE_EXIT_BOOT_ERROR);
    }
}

static struct task *spawn(const char *name, void (*entry)(uintptr_t), uintptr_t arg)
{
    struct task *t;
    if (task_create(name, k_strlen(name), 10, &t) != TW_OK ||
        thread_create(t, entry, arg, 10, NULL) != TW_OK) {
        xe_printf("tests: could not create task %s\n", name);
        xe_exit(XE_EXIT_BOOT_ERROR);
    }
    return t;
}

int64_t xe_test_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                        uint64_t a4, uint64_t a5)
{
    if (nr == XE_TEST_SYS_KERNEL_FAULT) {
        xe_printf("kernel-fault test: null dereference in ring 0 now\n");
        volatile uintptr_t null = 0; /* opaque: the compiler must emit the load */
        return *(volatile int64_t *)null;
    }
    return k_syscall(nr, a0, a1, a2, a3, a4, a5);
}

static _Noreturn void kernel_fault_test(const struct xe_boot_info *bi)
{
    boot_kernel(bi, false);
    spawn("faulter", xe_test_user_kernel_fault, 0);
    k_run();
    xe_printf("kernel-fault test: FAIL: the kernel did not fault\n");
    xe_exit(XE_EXIT_FAIL);
}

/* A misbehaving task must have crashed, with vector in the trace's fault record. */
static bool crashed(struct task *t, uint32_t vector)
{
    uint32_t got = xe_trace_fault_vector(t->id);
    bool ok = t->exited && t->killed && t->exit_status == TW_EXIT_CRASHED && got == vector;
    xe_printf("user-fault test: task %s %s (exit status %d, fault vector %u, want %u): %s\n",
              t->name, t->killed ? "killed" : "not killed", t->exit_status, got, vector,
              ok ? "ok" : "FAILED");
    return ok;
}

static _Noreturn void user_fault_test(const struct xe_boot_info *bi)
{
    boot_kernel(bi, false);
    struct task *reader = spawn("reader", xe_test_user_reader, (uintptr_t)&kernel_secret);
    struct task *worker = spawn("worker", xe_test_user_worker, 0);
    struct task *priv = spawn("privileged", xe_test_user_privileged, 0);
    struct task *writer = spawn("writer", xe_test_user_writer, (uintptr_t)xe_test_user_ro);
    struct task *overflow = spawn("overflow", xe_test_user_overflow, 0);
    int end = k_run();
    bool ok = crashed(reader, 14); /* each call reports its task: all four, in this order */
    ok &= crashed(priv, 13);
    ok &= crashed(writer, 14);
    ok &= crashed(overflow, 14);
    bool worker_ok = worker->exited && !worker->killed && worker->exit_status == 0;
    xe_printf("user-fault test: task worker exit status %d: %s\n", worker->exit_status,
              worker_ok ? "ok" : "FAILED");
    bool end_ok =
        end == TR_END_DONE && kernel_secret == 0x5ec2e75ec2e7ull && xe_test_user_ro[0] == 'r';
    xe_printf("user-fault test: run ended (%d), kernel and read-only data intact: %s\n", end,
              end_ok ? "ok" : "FAILED");
    ok = ok && worker_ok && end_ok;
    xe_printf("user-fault test: %s\n", ok ? "PASS" : "FAIL");
    xe_exit(ok ? XE_EXIT_PASS : XE_EXIT_FAIL);
}

static _Noreturn void bench_ipc(const struct xe_boot_info *bi)
{
    if (!xe_timer_ready())
        xe_timer_init_realtime();
    xe_hal_init(bi->pool, bi->pool_pages, true);
    xe_clock_restart();
    boot_kernel(bi, true);
    struct task *server = spawn("server", xe_test_bench_server, BENCH_ROUNDS);
    struct task *client = spawn("client", xe_test_bench_client, BENCH_ROUNDS);
    k_run();
    bool ok =
        server->exited && client->exited && server->exit_status == 0 && client->exit_status == 0;
    xe_printf("bench-ipc: TSC %llu kHz: %s\n", (unsigned long long)(xe_tsc_hz() / 1000),
              ok ? "done" : "FAILED");
    xe_exit(ok ? XE_EXIT_PASS : XE_EXIT_FAIL);
}

bool xe_tests_run(const struct xe_boot_info *bi)
{
    if (bi->sw.kernel_fault)
        kernel_fault_test(bi);
    if (bi->sw.user_fault)
        user_fault_test(bi);
    if (bi->sw.bench_ipc)
        bench_ipc(bi);
    return false;
}
