/* SPDX-License-Identifier: MIT */
/*
 * core/native.c - booting the kernel for native programs (kentry.h, "Native programs"):
 * the configuration, task creation, run and end status those programs need, over
 * core/kernel.h, task.h and thread.h, so that they need none of core's internals.
 */
#include "kentry.h"
#include "kernel.h"
#include "task.h"
#include "thread.h"

int k_native_init(const struct k_native_config *cfg)
{
    struct k_config k = {
        .seed = cfg->seed,
        .policy = SCHED_RR,
        .clock = {.realtime = cfg->realtime,
                  .quantum_ns = cfg->quantum_ns,
                  .cost_syscall_ns = cfg->cost_syscall_ns,
                  .cost_switch_ns = cfg->cost_switch_ns,
                  .cost_byte_ps = cfg->cost_byte_ps},
        .max_time_ns = cfg->max_time_ns,
        .pool_pages = cfg->pool_pages,
        .trace_sink = true,
    };
    return k_init(&k);
}

int k_native_spawn(const char *name, size_t name_len, int32_t priority,
                   void (*entry)(uintptr_t arg), uintptr_t arg, uint32_t *task_id)
{
    struct task *t;
    int rc = task_create(name, name_len, priority, &t);
    if (rc != TW_OK)
        return rc;
    rc = thread_create(t, entry, arg, priority, NULL);
    if (rc != TW_OK)
        return rc;
    *task_id = t->id;
    return TW_OK;
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
    return TW_OK;
}
