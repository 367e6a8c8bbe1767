/* SPDX-License-Identifier: MIT */
/*
 * core/kernel.c - k_init, k_run and teardown (see kernel.h).
 */
#include "kernel.h"
#include "../hal/hal.h"
#include "chan.h"
#include "console.h"
#include "fault.h"
#include "kentry.h"
#include "kassert.h"
#include "klib.h"
#include "obj.h"
#include "page.h"
#include "program.h"
#include "provider.h"
#include "syscall.h"
#include "task.h"
#include "thread.h"
#include "trace.h"
#include "uprov.h"
#include "watch.h"

static struct {
    struct k_config cfg;
    struct prng prng;
    size_t base_used;
} kern;

int k_init(const struct k_config *cfg)
{
    void *base;
    size_t npages;
    hal_pool(&base, &npages);
    if (cfg->pool_pages != 0 && cfg->pool_pages < npages)
        npages = cfg->pool_pages;
    if (npages < K_MIN_POOL_PAGES)
        return TW_E_NOMEM; /* not even the kernel's own tables fit */
    uint32_t ustack = cfg->ustack_pages != 0 ? cfg->ustack_pages : K_USTACK_PAGES;
    if (ustack < K_USTACK_MIN_PAGES || ustack > K_USTACK_PAGES || (ustack & (ustack - 1)) != 0)
        return TW_E_INVAL;
    kern.cfg = *cfg;
    prng_seed(&kern.prng, cfg->seed);
    page_init(base, npages);
    kobj_reset_ids();
    thread_set_current(NULL);
    trace_init(cfg->trace_sink);
    if (cfg->trace_batch != 0)
        trace_set_batch(cfg->trace_batch);
    int rc = clock_init(&cfg->clock);
    if (rc == TW_OK)
        rc = sched_init(cfg->policy);
    if (rc != TW_OK)
        return rc;
    task_module_init();
    thread_module_init(ustack);
    chan_module_init();
    console_init();
    watch_reset();
    provider_registry_init();
    uprov_reset();
    syscall_module_init();
    program_reset();
    fault_reset();
    kern.base_used = page_total_count() - page_free_count();
    trace_emit(TR_BOOT, cfg->seed, (uint64_t)cfg->policy, page_total_count());
    return TW_OK;
}

const struct k_config *k_config(void)
{
    return &kern.cfg;
}

struct prng *k_prng(void)
{
    return &kern.prng;
}

size_t k_base_pages_used(void)
{
    return kern.base_used;
}

int k_run(void)
{
    int why = sched_run(kern.cfg.max_time_ns);
    trace_emit(TR_END, (uint64_t)why, thread_live_count(), 0);
    trace_flush();
    return why;
}

void k_timer_interrupt(void)
{
    clock_fire_due();
}

void k_teardown(void)
{
    trace_init(false); /* the run's trace ended with TR_END */
    uprov_release_all();
    for (struct task *t = task_first(); t != NULL; t = task_next(t))
        task_kill(t, TW_EXIT_KILLED, true);
    sched_clear_stop();
    (void)sched_run(UINT64_MAX);
    K_ASSERT(thread_live_count() == 0);
    provider_release_all(); /* kernel-owned objects of providers (services' ports) */
    /* Drop the task list's references: every object must now be gone (spawned tasks went
     * with their last handle and thread: only boot tasks are left). */
    struct task *t = task_first();
    while (t != NULL) {
        struct task *next = task_next(t);
        K_ASSERT(t->exited && t->obj.refs == 1 && !t->spawned);
        kobj_unref(&t->obj);
        t = next;
    }
    chan_module_check_empty();
    K_ASSERT(kobj_live_count() == 0);
}
