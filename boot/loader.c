/* SPDX-License-Identifier: MIT */
/*
 * boot/loader.c - boot a compiled scenario and judge it (see loader.h). Runs in kernel
 * context, as an init would, and reaches core through core/kentry.h's "Booting the
 * kernel" only.
 */
#include "loader.h"
#include "../core/kentry.h"
#include "../providers/providers.h"
#include "../user/programs.h"

/* The kernel's ids of the scenario's tasks, by index (scn_boot creates them in order). */
static uint32_t task_ids[SCN_MAX_TASKS];

static void config_from_view(const struct scn_view *v, const struct scn_boot_options *opt,
                             struct k_native_config *cfg)
{
    static const enum k_native_policy policies[] = {
        [SCN_POLICY_RR] = K_POLICY_RR,
        [SCN_POLICY_PRIORITY] = K_POLICY_PRIORITY,
        [SCN_POLICY_RANDOM] = K_POLICY_RANDOM,
    };
    k_memset(cfg, 0, sizeof(*cfg));
    cfg->seed = opt->seed_override ? opt->seed : v->config.seed;
    cfg->policy = policies[v->config.policy];
    cfg->realtime = v->config.mode == SCN_MODE_REALTIME;
    cfg->quantum_ns = v->config.quantum_ns;
    cfg->cost_syscall_ns = v->config.cost_syscall_ns;
    cfg->cost_switch_ns = v->config.cost_switch_ns;
    cfg->cost_byte_ps = v->config.cost_byte_ps;
    cfg->max_time_ns = v->config.max_time_ns;
    cfg->pool_pages = opt->pool_pages != 0 ? opt->pool_pages : v->config.pool_pages;
    cfg->quiet_trace = !opt->trace_sink;
    cfg->trace_batch = opt->trace_batch;
}

static int create_task(const struct scn_view *v, uint32_t i, uint32_t *id)
{
    const struct scn_task *st = &v->tasks[i];
    int rc = k_native_task(st->name, st->name_len, st->priority, id);
    if (rc != TW_OK)
        return rc;
    K_STATIC_ASSERT(K_NATIVE_PAGE == 4096, "scn_task_region_pages counts 4 KiB pages");
    size_t pages = scn_task_region_pages(v, i);
    void *heap = k_native_heap(*id, pages);
    if (heap == NULL)
        return TW_E_NOMEM;
    uintptr_t arg;
    rc = scn_task_setup(heap, pages * K_NATIVE_PAGE, v->blob, v->len, i, &arg);
    if (rc != TW_OK)
        return rc;
    rc = k_native_thread(*id, scn_interp_thread, arg, st->priority);
    for (uint32_t k = 1; rc == TW_OK && k < st->boot_threads; k++) /* in order, as fuzzboot */
        rc = k_native_thread(*id, scn_interp_thread, scn_task_thread_arg(arg, k), st->priority);
    return rc;
}

/* A fault of the scenario, with the kernel (the decoder checked every field). */
static int schedule_fault(const struct scn_fault *f)
{
    switch (f->kind) {
    case SCN_FAULT_KILL_SERVER:
        return k_native_kill_server_at(f->target, f->target_len, f->at_ns);
    case SCN_FAULT_CAMPAIGN:
        return k_native_campaign(f->target, f->target_len, f->count, f->at_ns, f->to_ns);
    default:
        return k_native_kill_at(task_ids[f->task], f->at_ns);
    }
}

int scn_boot(const uint8_t *blob, size_t len, const struct scn_boot_options *opt,
             struct scn_view *view, struct scn_error *err)
{
    int rc = scn_decode(blob, len, view, err);
    if (rc != TW_OK)
        return TW_E_INVAL;
    struct k_native_config cfg;
    config_from_view(view, opt, &cfg);
    rc = k_native_init(&cfg);
    if (rc == TW_OK)
        rc = providers_register_all();
    if (rc == TW_OK)
        rc = k_native_register_entry(scn_interp_thread);
    for (const struct tw_program *p = tw_programs(); rc == TW_OK && p->name != NULL; p++)
        rc = k_program_register(p->name, tw_program_entry); /* what TW_TASK_SPAWN starts */
    for (uint32_t i = 0; rc == TW_OK && i < view->ntasks; i++)
        rc = create_task(view, i, &task_ids[i]);
    for (uint32_t i = 0; rc == TW_OK && i < view->nfaults; i++)
        rc = schedule_fault(&view->faults[i]);
    if (rc == TW_OK && view->expect.nshare > 0)
        k_native_cpu_window(view->expect.share_from_ns, view->expect.share_to_ns);
    if (rc != TW_OK) {
        err->offset = 0;
        k_snprintf(err->msg, sizeof(err->msg), "the kernel could not set the scenario up: %s",
                   rc == TW_E_NOMEM ? "out of memory (raise config.pool_pages)" : "limit");
    }
    return rc;
}

/* ---- judging ------------------------------------------------------------------------ */

static void say(struct scn_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct scn_outcome *o, const char *fmt, ...)
{
    if (o->report_len >= sizeof(o->report) - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    size_t n = k_vsnprintf(o->report + o->report_len, sizeof(o->report) - o->report_len, fmt, ap);
    va_end(ap);
    o->report_len = K_MIN(o->report_len + n, sizeof(o->report) - 1);
}

/* How scenario task i ended (scn_boot created it: it is known to the kernel). */
static struct k_task_end task_end(uint32_t i)
{
    struct k_task_end e;
    int rc = k_native_task_end(task_ids[i], &e);
    K_ASSERT(rc == TW_OK);
    return e;
}

static void check(struct scn_outcome *o, bool ok, const char *what)
{
    say(o, "expect %s: %s\n", what, ok ? "ok" : "FAILED");
    o->failed += !ok;
}

static void check_exits(const struct scn_view *v, struct scn_outcome *o)
{
    char what[128];
    for (uint32_t i = 0; i < v->expect.nexit; i++) {
        const struct scn_task *st = &v->tasks[v->expect.exit[i].task];
        struct k_task_end t = task_end(v->expect.exit[i].task);
        int32_t want = v->expect.exit[i].status;
        bool ok = t.exited && (want == TW_EXIT_KILLED ? t.killed : !t.killed && t.status == want);
        char got[32];
        if (!t.exited)
            k_snprintf(got, sizeof(got), "still running");
        else if (t.killed)
            k_snprintf(got, sizeof(got), "killed");
        else
            k_snprintf(got, sizeof(got), "%d", t.status);
        if (want == TW_EXIT_KILLED)
            k_snprintf(what, sizeof(what), "exit %.*s killed (got %s)", (int)st->name_len, st->name,
                       got);
        else
            k_snprintf(what, sizeof(what), "exit %.*s == %d (got %s)", (int)st->name_len, st->name,
                       want, got);
        check(o, ok, what);
    }
}

static bool contains(const char *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (k_memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static void check_console(const struct scn_view *v, struct scn_outcome *o)
{
    static char captured[K_NATIVE_CONSOLE_KEPT];
    size_t n = k_native_console(captured, sizeof(captured));
    char what[128];
    for (uint32_t i = 0; i < v->expect.ncontains; i++) {
        const char *text = v->expect.contains[i].text;
        uint32_t len = v->expect.contains[i].len;
        k_snprintf(what, sizeof(what), "console contains \"%.*s\"", (int)K_MIN(len, 60u), text);
        check(o, contains(captured, n, text, len), what);
    }
}

static void check_order(const struct scn_view *v, struct scn_outcome *o)
{
    if (v->expect.norder == 0)
        return;
    bool ok = true;
    uint32_t last_rank = 0;
    char what[160];
    size_t w = k_snprintf(what, sizeof(what), "finish order");
    for (uint32_t i = 0; i < v->expect.norder; i++) {
        const struct scn_task *st = &v->tasks[v->expect.order[i]];
        struct k_task_end t = task_end(v->expect.order[i]);
        ok = ok && t.exited && t.finish_rank > last_rank;
        last_rank = t.exited ? t.finish_rank : UINT32_MAX;
        if (w < sizeof(what))
            w += k_snprintf(what + w, sizeof(what) - w, " %.*s(#%u)", (int)st->name_len, st->name,
                            t.finish_rank);
    }
    check(o, ok, what);
}

static void check_times(const struct scn_view *v, struct scn_outcome *o)
{
    char what[96];
    if (v->expect.max_time_ns != 0) {
        k_snprintf(what, sizeof(what), "end time <= %llu us (got %llu us)",
                   (unsigned long long)(v->expect.max_time_ns / 1000),
                   (unsigned long long)(o->end_time / 1000));
        check(o, o->end_time <= v->expect.max_time_ns, what);
    }
    if (v->expect.min_time_ns != 0) {
        k_snprintf(what, sizeof(what), "end time >= %llu us (got %llu us)",
                   (unsigned long long)(v->expect.min_time_ns / 1000),
                   (unsigned long long)(o->end_time / 1000));
        check(o, o->end_time >= v->expect.min_time_ns, what);
    }
    if (v->expect.no_deadlock)
        check(o, o->end_reason == TR_END_DONE, "no deadlock: every task ended");
}

/* Each listed task's CPU time inside the window, in basis points of the window. */
static void check_shares(const struct scn_view *v, struct scn_outcome *o)
{
    const struct scn_expect *x = &v->expect;
    if (x->nshare == 0)
        return;
    uint64_t from = x->share_from_ns, to = x->share_to_ns, len = to - from;
    char what[160];
    if (o->end_time < to) {
        k_snprintf(what, sizeof(what),
                   "cpu share window %llu..%llu us inside the run (it ended at %llu us)",
                   (unsigned long long)(from / 1000), (unsigned long long)(to / 1000),
                   (unsigned long long)(o->end_time / 1000));
        check(o, false, what);
        return;
    }
    for (uint32_t i = 0; i < x->nshare; i++) {
        const struct scn_task *st = &v->tasks[x->share[i].task];
        struct k_task_end t = task_end(x->share[i].task);
        uint64_t bp = t.cpu_window_ns * 10000 / len;
        uint32_t lo = x->share[i].min_bp, hi = x->share[i].max_bp;
        k_snprintf(
            what, sizeof(what),
            "cpu share %.*s in %u.%02u..%u.%02u%% of %llu..%llu us (got %llu.%02llu%%, %llu us)",
            (int)st->name_len, st->name, lo / 100, lo % 100, hi / 100, hi % 100,
            (unsigned long long)(from / 1000), (unsigned long long)(to / 1000),
            (unsigned long long)(bp / 100), (unsigned long long)(bp % 100),
            (unsigned long long)(t.cpu_window_ns / 1000));
        check(o, bp >= lo && bp <= hi, what);
    }
}

static void check_script_failures(const struct scn_view *v, struct scn_outcome *o)
{
    for (uint32_t i = 0; i < v->ntasks; i++) {
        struct k_task_end t = task_end(i);
        if (t.expect_failures == 0)
            continue;
        say(o, "expect steps of task %.*s: FAILED (%u failed)\n", (int)v->tasks[i].name_len,
            v->tasks[i].name, t.expect_failures);
        o->failed++;
    }
}

void scn_run(const struct scn_view *view, struct scn_outcome *out)
{
    static const char *const why[] = {"all tasks ended", "deadlock: threads blocked forever",
                                      "time limit reached"};
    k_memset(out, 0, sizeof(*out));
    out->end_reason = k_native_run();
    struct k_run_stats stats;
    k_native_stats(&stats);
    out->end_time = stats.now_ns;
    out->trace_hash = stats.trace_hash;
    out->records = stats.trace_records;
    out->syscalls = stats.syscalls;
    say(out, "end: %s at %llu us, %llu system calls, %llu trace records\n", why[out->end_reason],
        (unsigned long long)(out->end_time / 1000), (unsigned long long)out->syscalls,
        (unsigned long long)out->records);
    check_exits(view, out);
    check_console(view, out);
    check_order(view, out);
    check_times(view, out);
    check_shares(view, out);
    check_script_failures(view, out);
}
