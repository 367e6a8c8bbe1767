/* SPDX-License-Identifier: MIT */
/*
 * tools/bench/bench_svc.c - services for `make bench` (docs/services.md): a kv call to the
 * kernel's service and to a task's (kv-server's code), each against the raw channel round
 * trip of bench_kernel.c in the same run; subscribes with 10 and with 10,000 names
 * registered (the lookup's cost); 100,000 subscriptions made and torn down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/kernel.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../proto/kv_store.h"
#include "../../user/svc.h"
#include "../../user/twain.h"
#include "bench.h"
#include "kv.pb.h"
#include "kv.svc.h"

static uint64_t iters, names;
static uint64_t t_start, t_end;

static void sink(void *ctx, const void *r, size_t n)
{
    (void)ctx;
    (void)r;
    (void)n;
}

static void quiet(void *ctx, const char *b, size_t n)
{
    (void)ctx;
    (void)b;
    (void)n;
}

static void boot(size_t pages)
{
    struct k_config cfg = {
        .seed = 1,
        .policy = SCHED_RR,
        .clock = {.quantum_ns = 1000000,
                  .cost_syscall_ns = 200,
                  .cost_switch_ns = 400,
                  .cost_byte_ps = 250},
        .max_time_ns = UINT64_MAX / 2,
        .pool_pages = pages,
        .trace_sink = true,
    };
    host_set_pool_pages(pages);
    host_set_trace_sink(sink, NULL);
    host_set_console(quiet, NULL);
    if (k_init(&cfg) != 0 || providers_register_all() != 0)
        abort();
}

static void spawn(const char *name, void (*entry)(uintptr_t), uintptr_t arg)
{
    struct task *t;
    if (task_create(name, strlen(name), 10, &t) != 0 || thread_create(t, entry, arg, 10, NULL))
        abort();
}

static int32_t kv_handle(void *ctx, const struct svc_method *m, const void *req, void *rep)
{
    return kv_store_apply(ctx, m, req, rep);
}

static void kv_task(uintptr_t arg)
{
    (void)arg;
    struct kv_store store;
    kv_store_clear(&store);
    int64_t p = svc_register(&svc_proto_kv, "kv.bench", 8, SVC_FAIL, false);
    if (p < 0 || svc_serve((int32_t)p, &svc_proto_kv, kv_handle, &store, iters) != 0)
        abort();
    tw_exit(0);
}

static void caller(uintptr_t to_task)
{
    struct svc_sub s;
    struct svc_sub_opts o = {.wait_us = 1000};
    if (svc_subscribe(&s, &svc_proto_kv, to_task ? "kv.bench" : "kv", to_task ? 8 : 2, &o) != 0)
        abort();
    twain_kv_CountRequest req = twain_kv_CountRequest_init_zero;
    twain_kv_CountReply rep;
    t_start = bench_now_ns();
    for (uint64_t i = 0; i < iters; i++)
        if (svc_call(&s, SVC_KV_COUNT, &req, &rep) != TW_OK)
            abort();
    t_end = bench_now_ns();
    tw_exit(0);
}

/* ns per kv COUNT call from a task, to the kernel's kv (to_task 0) or a task's. */
double bench_svc_call_ns(uint64_t n, int to_task)
{
    iters = n;
    boot(4096);
    if (to_task)
        spawn("kv", kv_task, 0);
    spawn("caller", caller, (uintptr_t)to_task);
    if (k_run() != TR_END_DONE)
        abort();
    k_teardown();
    return (double)(t_end - t_start) / (double)n;
}

static void registrar(uintptr_t arg)
{
    (void)arg;
    char name[32];
    for (uint64_t i = 0; i < names; i++) {
        int n = snprintf(name, sizeof(name), "name-%llu", (unsigned long long)i);
        if (svc_register(&svc_proto_kv, name, (size_t)n, SVC_FAIL, false) < 0)
            abort();
    }
    /* subscribe and close, iters times, to names spread over the table */
    struct svc_sub_opts o = {0};
    t_start = bench_now_ns();
    for (uint64_t i = 0; i < iters; i++) {
        int n = snprintf(name, sizeof(name), "name-%llu", (unsigned long long)(i % names));
        struct svc_sub s;
        if (svc_subscribe(&s, &svc_proto_kv, name, (size_t)n, &o) != 0 || tw_close(s.h) != 0)
            abort();
    }
    t_end = bench_now_ns();
    tw_exit(0);
}

/* Seconds for n subscribe+close pairs with nnames names registered. */
double bench_svc_subscribe_s(uint64_t n, uint64_t nnames)
{
    iters = n;
    names = nnames;
    boot(65536);
    spawn("registrar", registrar, 0);
    if (k_run() != TR_END_DONE)
        abort();
    k_teardown();
    return (double)(t_end - t_start) / 1e9;
}
