/* SPDX-License-Identifier: MIT */
/*
 * tools/bench/bench_kernel.c - kernel workloads for `make bench`, written as native user
 * code (the tw_* stubs, so every operation goes through the system-call path with the
 * trace on) running on the simulator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/kernel.h"
#include "../../core/syscall.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"
#include "bench.h"

static uint64_t iterations;
static uint64_t records_seen;

static void count_sink(void *ctx, const void *records, size_t len)
{
    (void)ctx;
    (void)records;
    records_seen += len / 48;
}

static void quiet_console(void *ctx, const char *b, size_t n)
{
    (void)ctx;
    (void)b;
    (void)n;
}

static void boot(size_t pages, enum sched_policy_id policy)
{
    struct k_config cfg = {
        .seed = 1,
        .policy = policy,
        .clock = {.quantum_ns = 1000000,
                  .cost_syscall_ns = 200,
                  .cost_switch_ns = 400,
                  .cost_byte_ps = 250},
        .max_time_ns = UINT64_MAX / 2,
        .pool_pages = pages,
        .trace_sink = true,
    };
    host_set_pool_pages(pages);
    host_set_trace_sink(count_sink, NULL);
    host_set_console(quiet_console, NULL);
    if (k_init(&cfg) != 0 || providers_register_all() != 0)
        abort();
}

static void spawn(const char *name, void (*entry)(uintptr_t), uintptr_t arg)
{
    struct task *t;
    if (task_create(name, strlen(name), 10, &t) != 0 || thread_create(t, entry, arg, 10, NULL))
        abort();
}

/* User pointers must point into task memory: copy string literals to the stack first. */
static int64_t open_url(const char *url)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", url);
    return tw_open(buf, 0);
}

static void ipc_server(uintptr_t arg)
{
    (void)arg;
    char buf[16];
    char pong[4] = {'p', 'o', 'n', 'g'};
    int64_t p = open_url("chan://bench?listen");
    if (p < 0) {
        fprintf(stderr, "bench: open: %s\n", tw_strerror(p));
        abort();
    }
    for (uint64_t i = 0; i < iterations; i++) {
        int64_t r = tw_read((int32_t)p, buf, sizeof(buf)), w = tw_write((int32_t)p, pong, 4);
        if (r != 4 || w != 4) {
            fprintf(stderr, "bench: server round %llu: read %lld write %lld\n",
                    (unsigned long long)i, (long long)r, (long long)w);
            abort();
        }
    }
    tw_exit(0);
}

static void ipc_client(uintptr_t arg)
{
    (void)arg;
    char buf[16], ping[4] = {'p', 'i', 'n', 'g'};
    int32_t c = (int32_t)open_url("chan://bench");
    for (uint64_t i = 0; i < iterations; i++) {
        if (tw_write(c, ping, 4) != 4 || tw_read(c, buf, sizeof(buf)) != 4)
            abort();
    }
    tw_exit(0);
}

double bench_ipc_roundtrip_ns(uint64_t n)
{
    iterations = n;
    boot(4096, SCHED_RR);
    spawn("server", ipc_server, 0);
    spawn("client", ipc_client, 0);
    uint64_t t0 = bench_now_ns();
    if (k_run() != TR_END_DONE)
        abort();
    uint64_t t1 = bench_now_ns();
    k_teardown();
    return (double)(t1 - t0) / (double)n;
}

static void yielder(uintptr_t arg)
{
    (void)arg;
    for (uint64_t i = 0; i < iterations; i++)
        tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0);
    tw_exit(0);
}

double bench_sched_switch_ns(uint64_t n)
{
    iterations = n;
    boot(4096, SCHED_RR);
    spawn("a", yielder, 0);
    spawn("b", yielder, 0);
    uint64_t t0 = bench_now_ns();
    if (k_run() != TR_END_DONE)
        abort();
    uint64_t t1 = bench_now_ns();
    k_teardown();
    return (double)(t1 - t0) / (double)(2 * n); /* each yield is one switch */
}

/* ---- scale: threads and channels created and torn down ------------------------------ */

static uint32_t scale_threads, scale_channels;

static void scale_waiter(uintptr_t h)
{
    int64_t r = tw_wait((int32_t)h, TW_SIG_PEER_CLOSED, TW_DEADLINE_NEVER);
    if (r < 0)
        abort();
    tw_thread_exit();
}

static void scale_main(uintptr_t arg)
{
    (void)arg;
    int32_t gate = (int32_t)open_url("chan://?pair");
    int32_t other = (int32_t)tw_invoke(gate, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    for (uint32_t i = 0; i < scale_channels; i++)
        if (open_url("chan://?pair") < 0)
            abort();
    for (uint32_t i = 0; i < scale_threads; i++)
        if (tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, (uint64_t)(uintptr_t)scale_waiter,
                      (uint64_t)gate, 10, 0) < 0)
            abort();
    tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0); /* let every waiter block */
    tw_close(other);                                      /* wakes them all */
    for (uint32_t i = 0; i < scale_channels; i++)
        tw_close((int32_t)(i + 3));
    tw_thread_exit();
}

static void scale_child(uint32_t threads, uint32_t channels)
{
    scale_threads = threads;
    scale_channels = channels;
    boot(256 * 1024, SCHED_RR); /* 1 GiB of pool, touched only as used */
    if (syscall_register_entry(scale_waiter) != 0)
        abort();
    spawn("scale", scale_main, 0);
    if (k_run() != TR_END_DONE)
        abort();
    k_teardown();
    _exit(0);
}

void bench_scale(uint32_t threads, uint32_t channels, double *seconds, double *peak_rss_mib)
{
    fflush(stdout);
    uint64_t t0 = bench_now_ns();
    pid_t pid = fork();
    if (pid == 0)
        scale_child(threads, channels);
    int status;
    waitpid(pid, &status, 0);
    uint64_t t1 = bench_now_ns();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: scale child failed\n");
        exit(1);
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    *seconds = (double)(t1 - t0) / 1e9;
    *peak_rss_mib = (double)ru.ru_maxrss / 1024.0;
}
