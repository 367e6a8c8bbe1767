/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/tests.c - the test build's native programs, kernel side (only
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
 * It boots the kernel through core/kentry.h's "Native programs" (k_native_init, _spawn,
 * _run, _task_end) and runs native ring-3 code (user_tests.c) instead of a scenario.
 */
#include "../../core/kentry.h"
#include "../../providers/providers.h"
#include "tests.h"
#include "uefi.h"

#define BENCH_ROUNDS 5000 /* five batches of 1000 */

/* Kernel data the reader task tries to read from ring 3. */
static volatile uint64_t kernel_secret = 0x5ec2e75ec2e7ull;

static void boot_kernel(const struct uefi_boot_info *bi, bool realtime)
{
    struct k_native_config cfg = {
        .seed = 1,
        .realtime = realtime,
        .quantum_ns = 1000000,
        .cost_syscall_ns = 200,
        .cost_switch_ns = 400,
        .cost_byte_ps = 250,
        .max_time_ns = 60ull * 1000000000u,
        .pool_pages = bi->pool_pages,
    };
    if (k_native_init(&cfg) != TW_OK || providers_register_all() != TW_OK) {
        xe_printf("tests: the kernel did not boot\n");
        xe_exit(XE_EXIT_BOOT_ERROR);
    }
}

/* A task of the test and how it ended (after k_native_run). */
struct test_task {
    const char *name;
    uint32_t id;
    struct k_task_end end;
};

static struct test_task spawn(const char *name, void (*entry)(uintptr_t), uintptr_t arg)
{
    struct test_task t = {.name = name};
    if (k_native_spawn(name, k_strlen(name), 10, entry, arg, &t.id) != TW_OK) {
        xe_printf("tests: could not create task %s\n", name);
        xe_exit(XE_EXIT_BOOT_ERROR);
    }
    return t;
}

static void ended(struct test_task *t)
{
    if (k_native_task_end(t->id, &t->end) != TW_OK) {
        xe_printf("tests: task %s is gone\n", t->name);
        xe_exit(XE_EXIT_FAIL);
    }
}

/* The kernel-fault test's system-call handler (xe_set_syscall_handler): one number of its
 * own, every other to the kernel. */
static int64_t fault_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                             uint64_t a4, uint64_t a5)
{
    if (nr == UEFI_TEST_SYS_KERNEL_FAULT) {
        xe_printf("kernel-fault test: null dereference in ring 0 now\n");
        volatile uintptr_t null = 0; /* opaque: the compiler must emit the load */
        return *(volatile int64_t *)null;
    }
    return k_syscall(nr, a0, a1, a2, a3, a4, a5);
}

static _Noreturn void kernel_fault_test(const struct uefi_boot_info *bi)
{
    boot_kernel(bi, false);
    xe_set_syscall_handler(fault_syscall);
    spawn("faulter", uefi_test_user_kernel_fault, 0);
    k_native_run();
    xe_printf("kernel-fault test: FAIL: the kernel did not fault\n");
    xe_exit(XE_EXIT_FAIL);
}

/* A misbehaving task must have crashed, with vector in the trace's fault record. */
static bool crashed(struct test_task *t, uint32_t vector)
{
    ended(t);
    uint32_t got = uefi_trace_fault_vector(t->id);
    const struct k_task_end *e = &t->end;
    bool ok = e->exited && e->killed && e->status == TW_EXIT_CRASHED && got == vector;
    xe_printf("user-fault test: task %s %s (exit status %d, fault vector %u, want %u): %s\n",
              t->name, e->killed ? "killed" : "not killed", e->status, got, vector,
              ok ? "ok" : "FAILED");
    return ok;
}

static _Noreturn void user_fault_test(const struct uefi_boot_info *bi)
{
    boot_kernel(bi, false);
    struct test_task reader = spawn("reader", uefi_test_user_reader, (uintptr_t)&kernel_secret);
    struct test_task worker = spawn("worker", uefi_test_user_worker, 0);
    struct test_task priv = spawn("privileged", uefi_test_user_privileged, 0);
    struct test_task writer = spawn("writer", uefi_test_user_writer, (uintptr_t)uefi_test_user_ro);
    struct test_task overflow = spawn("overflow", uefi_test_user_overflow, 0);
    int end = k_native_run();
    bool ok = crashed(&reader, 14); /* each call reports its task: all four, in this order */
    ok &= crashed(&priv, 13);
    ok &= crashed(&writer, 14);
    ok &= crashed(&overflow, 14);
    ended(&worker);
    bool worker_ok = worker.end.exited && !worker.end.killed && worker.end.status == 0;
    xe_printf("user-fault test: task worker exit status %d: %s\n", worker.end.status,
              worker_ok ? "ok" : "FAILED");
    bool end_ok =
        end == TR_END_DONE && kernel_secret == 0x5ec2e75ec2e7ull && uefi_test_user_ro[0] == 'r';
    xe_printf("user-fault test: run ended (%d), kernel and read-only data intact: %s\n", end,
              end_ok ? "ok" : "FAILED");
    ok = ok && worker_ok && end_ok;
    xe_printf("user-fault test: %s\n", ok ? "PASS" : "FAIL");
    xe_exit(ok ? XE_EXIT_PASS : XE_EXIT_FAIL);
}

static _Noreturn void bench_ipc(const struct uefi_boot_info *bi)
{
    if (!xe_timer_ready())
        xe_timer_init_realtime();
    xe_hal_init(bi->pool, bi->pool_pages, true);
    xe_clock_restart();
    boot_kernel(bi, true);
    struct test_task server = spawn("server", uefi_test_bench_server, BENCH_ROUNDS);
    struct test_task client = spawn("client", uefi_test_bench_client, BENCH_ROUNDS);
    k_native_run();
    ended(&server);
    ended(&client);
    bool ok =
        server.end.exited && client.end.exited && server.end.status == 0 && client.end.status == 0;
    xe_printf("bench-ipc: TSC %llu kHz: %s\n", (unsigned long long)(xe_tsc_hz() / 1000),
              ok ? "done" : "FAILED");
    xe_exit(ok ? XE_EXIT_PASS : XE_EXIT_FAIL);
}

bool uefi_tests_run(const struct uefi_boot_info *bi)
{
    if (bi->sw.kernel_fault)
        kernel_fault_test(bi);
    if (bi->sw.user_fault)
        user_fault_test(bi);
    if (bi->sw.bench_ipc)
        bench_ipc(bi);
    return false;
}
