/* SPDX-License-Identifier: MIT */
/*
 * core/native.c - booting the kernel for the programs that boot it (kentry.h, "Booting the
 * kernel"): the configuration, tasks, their memory and threads, scheduled kills, the run
 * and what it came to, over core/kernel.h, task.h, thread.h and friends, so that those
 * programs need none of core's internals.
 */
#include "clock.h"
#include "console.h"
#include "fault.h"
#include "kentry.h"
#include "sched.h"
#include "kernel.h"
#include "limits.h"
#include "syscall.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

K_STATIC_ASSERT(K_NATIVE_PAGE == K_PAGE_SIZE, "k_native_heap counts the kernel's pages");
K_STATIC_ASSERT(K_NATIVE_CONSOLE_KEPT == K_CONSOLE_CAPTURE, "the console keeps that much");
K_STATIC_ASSERT((int)K_POLICY_RR == (int)SCHED_RR && (int)K_POLICY_PRIORITY == (int)SCHED_PRIO &&
                    (int)K_POLICY_RANDOM == (int)SCHED_RANDOM,
                "kentry.h's policies are the scheduler's");

int k_native_init(const struct k_native_config *cfg)
{
    struct k_config k = {
        .seed = cfg->seed,
        .policy = (enum sched_policy_id)cfg->policy,
        .clock = {.realtime = cfg->realtime,
                  .quantum_ns = cfg->quantum_ns,
                  .cost_syscall_ns = cfg->cost_syscall_ns,
                  .cost_switch_ns = cfg->cost_switch_ns,
                  .cost_byte_ps = cfg->cost_byte_ps},
        .max_time_ns = cfg->max_time_ns,
        .pool_pages = cfg->pool_pages,
        .trace_sink = !cfg->quiet_trace,
        .trace_batch = cfg->trace_batch,
        .ustack_pages = cfg->ustack_pages,
    };
    return k_init(&k);
}

int k_native_register_entry(void (*entry)(uintptr_t arg))
{
    return syscall_register_entry(entry);
}

int k_native_task(const char *name, size_t name_len, int32_t priority, uint32_t *task_id)
{
    struct task *t;
    int rc = task_create(name, name_len, priority, &t);
    if (rc == TW_OK)
        *task_id = t->id;
    return rc;
}

void *k_native_heap(uint32_t task_id, size_t pages)
{
    struct task *t = task_by_id(task_id);
    return t != NULL ? task_alloc_region(t, pages) : NULL;
}

int k_native_thread(uint32_t task_id, void (*entry)(uintptr_t arg), uintptr_t arg, int32_t priority)
{
    struct task *t = task_by_id(task_id);
    if (t == NULL)
        return TW_E_NOENT;
    return thread_create(t, entry, arg, priority, NULL);
}

int k_native_spawn(const char *name, size_t name_len, int32_t priority,
                   void (*entry)(uintptr_t arg), uintptr_t arg, uint32_t *task_id)
{
    uint32_t id;
    int rc = k_native_task(name, name_len, priority, &id);
    if (rc == TW_OK)
        rc = k_native_thread(id, entry, arg, priority);
    if (rc == TW_OK)
        *task_id = id;
    return rc;
}

int k_native_kill_at(uint32_t task_id, uint64_t at_ns)
{
    return fault_schedule(FAULT_KILL, at_ns, task_id);
}

void k_native_cpu_window(uint64_t from_ns, uint64_t to_ns)
{
    sched_set_window(from_ns, to_ns);
}

int k_native_run(void)
{
    return k_run();
}

int k_native_task_end(uint32_t task_id, struct k_task_end *out)
{
    const struct task *t = task_by_id(task_id);
    if (t == NULL)
        return TW_E_NOENT;
    out->exited = t->exited;
    out->killed = t->killed;
    out->status = t->exit_status;
    out->finish_rank = t->finish_rank;
    out->expect_failures = t->expect_failures;
    out->cpu_ns = t->cpu_ns;
    out->cpu_window_ns = t->cpu_window_ns;
    return TW_OK;
}

void k_native_stats(struct k_run_stats *out)
{
    out->now_ns = clock_now();
    out->trace_hash = trace_hash();
    out->trace_records = trace_count();
    out->syscalls = syscall_count();
}

size_t k_native_console(char *buf, size_t cap)
{
    return console_captured(buf, cap);
}
