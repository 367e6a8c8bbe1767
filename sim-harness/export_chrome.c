/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/export_chrome.c - Chrome trace-event JSON from a trace (see
 * export_chrome.h). The events come from viz/'s index, so the export shows exactly the
 * slices, arrows and markers the window draws.
 *
 * Every event is a cJSON object printed by cJSON; only the enclosing array is written by
 * hand, so that a million-record trace streams out in constant memory instead of
 * building one tree of millions of nodes.
 */
#include "export_chrome.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../viz/describe.h"
#include "../viz/fmt.h"
#include "../viz/index.h"
#include "screenshot.h"
#include "trace_file.h"

#define KERNEL_PID 0 /* the pseudo-process of global events and the CPU counter */

struct out {
    FILE *f;
    uint64_t events;
    bool failed;
};

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

/* Print ev (taking ownership) as the next element of traceEvents. */
static void emit(struct out *o, cJSON *ev)
{
    char *s = ev != NULL ? cJSON_PrintUnformatted(ev) : NULL;
    cJSON_Delete(ev);
    if (s == NULL) {
        o->failed = true;
        return;
    }
    if (fprintf(o->f, "%s\n%s", o->events++ > 0 ? "," : "", s) < 0) /* one event a line */
        o->failed = true;
    free(s);
}

static cJSON *event(const char *name, const char *ph, uint32_t pid, uint32_t tid)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", name);
    cJSON_AddStringToObject(e, "ph", ph);
    cJSON_AddNumberToObject(e, "pid", pid);
    cJSON_AddNumberToObject(e, "tid", tid);
    return e;
}

static void meta(struct out *o, const char *what, uint32_t pid, uint32_t tid, const char *key,
                 const char *sval, double nval)
{
    cJSON *e = event(what, "M", pid, tid);
    cJSON *args = cJSON_AddObjectToObject(e, "args");
    if (sval != NULL)
        cJSON_AddStringToObject(args, key, sval);
    else
        cJSON_AddNumberToObject(args, key, nval);
    emit(o, e);
}

static void names(struct out *o, const struct viz_index *ix, const char *scenario)
{
    char label[64];
    meta(o, "process_name", KERNEL_PID, 0, "name", scenario, 0);
    meta(o, "process_sort_index", KERNEL_PID, 0, "sort_index", NULL, -1);
    for (uint32_t t = 0; t < ix->ntasks; t++) {
        if (ix->tasks[t].id == 0)
            continue;
        meta(o, "process_name", ix->tasks[t].id, 0, "name", ix->tasks[t].name, 0);
        meta(o, "process_sort_index", ix->tasks[t].id, 0, "sort_index", NULL, ix->tasks[t].id);
    }
    for (uint32_t i = 0; i < ix->nlanes; i++) {
        const struct viz_lane *l = &ix->lanes[i];
        viz_lane_label(ix, l, label, sizeof(label));
        meta(o, "thread_name", l->task, l->tid, "name", label, 0);
        meta(o, "thread_sort_index", l->task, l->tid, "sort_index", NULL, l->tid);
    }
}

/* The name and arguments of a blocked slice, from its block record. */
static void blocked_info(const struct viz_index *ix, const struct viz_iv *v, cJSON *args,
                         char *name, size_t len)
{
    const struct trace_rec *b = &ix->recs[v->rec];
    if (b->type != TR_BLOCK) {
        snprintf(name, len, "blocked");
        return;
    }
    char sig[64];
    uint32_t items = (uint32_t)(b->b >> 32);
    viz_fmt_signals(sig, sizeof(sig), (uint32_t)b->b);
    if (items == 0)
        snprintf(name, len, "sleep");
    else
        snprintf(name, len, "blocked on obj %llu", (unsigned long long)b->a);
    cJSON_AddNumberToObject(args, "object", (double)b->a);
    cJSON_AddNumberToObject(args, "items", items);
    cJSON_AddStringToObject(args, "signals", sig);
    if (b->c != UINT64_MAX)
        cJSON_AddNumberToObject(args, "deadline_us", us(b->c));
}

static void slice(struct out *o, const struct viz_index *ix, const struct viz_lane *l, uint32_t i)
{
    static const char *const why[] = {"start", "yield", "block", "preempt", "exit"};
    const struct viz_iv *v = &l->iv[i];
    uint64_t end = viz_iv_end(ix, l, i);
    if (v->state == VIZ_GONE || v->state == VIZ_NONE || end <= v->t0)
        return;
    char name[64];
    cJSON *args = cJSON_CreateObject();
    if (v->state == VIZ_RUN) {
        snprintf(name, sizeof(name), "running");
    } else if (v->state == VIZ_READY) {
        snprintf(name, sizeof(name), "ready");
        cJSON_AddStringToObject(args, "because",
                                v->why == VIZ_WHY_WOKEN ? "woken"
                                : v->why == VIZ_WHY_NEW ? "new thread"
                                : v->why < 5            ? why[v->why]
                                                        : "?");
    } else {
        blocked_info(ix, v, args, name, sizeof(name));
        if (i + 1 < l->niv && l->iv[i + 1].why == VIZ_WHY_WOKEN)
            cJSON_AddStringToObject(args, "woken",
                                    viz_error_name((int64_t)ix->recs[l->iv[i + 1].rec].b));
    }
    cJSON_AddNumberToObject(args, "record", v->rec);
    cJSON *e = event(name, "X", l->task, l->tid);
    cJSON_AddStringToObject(e, "cat", "sched");
    cJSON_AddNumberToObject(e, "ts", us(v->t0));
    cJSON_AddNumberToObject(e, "dur", us(end - v->t0));
    cJSON_AddItemToObject(e, "args", args);
    emit(o, e);
}

static void flows(struct out *o, const struct viz_index *ix)
{
    for (uint32_t i = 0; i < ix->narrows; i++) {
        const struct viz_arrow *a = &ix->arrows[i];
        if (a->t_recv == UINT64_MAX || a->from == UINT32_MAX || a->to == UINT32_MAX)
            continue;
        const struct viz_lane *s = &ix->lanes[a->from], *r = &ix->lanes[a->to];
        const struct trace_rec *send = &ix->recs[a->rec_send];
        for (int end = 0; end < 2; end++) {
            cJSON *e = event("ipc", end == 0 ? "s" : "f", end == 0 ? s->task : r->task,
                             end == 0 ? s->tid : r->tid);
            cJSON_AddStringToObject(e, "cat", "ipc");
            cJSON_AddNumberToObject(e, "id", (double)send->a);
            cJSON_AddNumberToObject(e, "ts", us(end == 0 ? a->t_send : a->t_recv));
            if (end == 1)
                cJSON_AddStringToObject(e, "bp", "e");
            emit(o, e);
        }
    }
}

static void instant(struct out *o, const char *name, const char *scope, uint32_t pid, uint32_t tid,
                    uint64_t t, cJSON *args)
{
    cJSON *e = event(name, "i", pid, tid);
    cJSON_AddStringToObject(e, "s", scope);
    cJSON_AddNumberToObject(e, "ts", us(t));
    if (args != NULL)
        cJSON_AddItemToObject(e, "args", args);
    emit(o, e);
}

static void marks(struct out *o, const struct viz_index *ix)
{
    for (uint32_t i = 0; i < ix->nmarks; i++) {
        const struct viz_mark *m = &ix->marks[i];
        const struct trace_rec *r = &ix->recs[m->rec];
        const struct viz_lane *l = m->lane != UINT32_MAX ? &ix->lanes[m->lane] : NULL;
        cJSON *args = cJSON_CreateObject();
        cJSON_AddNumberToObject(args, "record", m->rec);
        switch (m->kind) {
        case VIZ_MARK_TIMER:
            cJSON_AddNumberToObject(args, "timer_object", (double)r->a);
            instant(o, "timer fired", "g", KERNEL_PID, 0, m->t, args);
            break;
        case VIZ_MARK_KILL:
        case VIZ_MARK_CRASH:
            instant(o, m->kind == VIZ_MARK_KILL ? "fault: killed" : "fault: crashed", "p", m->task,
                    0, m->t, args);
            break;
        case VIZ_MARK_EXIT:
        case VIZ_MARK_EXPECT:
            if (l == NULL) {
                cJSON_Delete(args);
                break;
            }
            instant(o, m->kind == VIZ_MARK_EXIT ? "thread exit" : "expectation failed", "t",
                    l->task, l->tid, m->t, args);
            break;
        default:
            instant(o, "end", "g", KERNEL_PID, 0, m->t, args);
            break;
        }
    }
}

static void console_lines(struct out *o, const struct viz_index *ix)
{
    char text[256];
    for (uint32_t i = 0; i < ix->nclines; i++) {
        const struct viz_cline *c = &ix->clines[i];
        const struct viz_lane *l = viz_lane_of_tid(ix, c->tid);
        snprintf(text, sizeof(text), "%.*s", (int)c->len, ix->con + c->off);
        cJSON *args = cJSON_CreateObject();
        cJSON_AddStringToObject(args, "text", text);
        if (l != NULL)
            instant(o, "console", "t", l->task, l->tid, c->t, args);
        else
            instant(o, "console", "g", KERNEL_PID, 0, c->t, args);
    }
}

static void cpu_counter(struct out *o, const struct viz_index *ix)
{
    for (uint32_t i = 0; i < ix->cpu.niv; i++) {
        cJSON *e = event("cpu busy", "C", KERNEL_PID, 0);
        cJSON_AddNumberToObject(e, "ts", us(ix->cpu.iv[i].t0));
        cJSON *args = cJSON_AddObjectToObject(e, "args");
        cJSON_AddNumberToObject(args, "busy", ix->cpu.iv[i].state == VIZ_RUN ? 1 : 0);
        emit(o, e);
    }
}

static int header(struct out *o, const char *scenario, uint64_t seed, uint64_t hash)
{
    char hex[20];
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);
    cJSON *other = cJSON_CreateObject();
    cJSON_AddStringToObject(other, "scenario", scenario);
    cJSON_AddNumberToObject(other, "seed", (double)seed);
    cJSON_AddStringToObject(other, "trace_hash", hex);
    cJSON_AddStringToObject(other, "time", "virtual");
    char *s = cJSON_PrintUnformatted(other);
    cJSON_Delete(other);
    if (s == NULL)
        return 2;
    fprintf(o->f, "{\"displayTimeUnit\":\"ns\",\"otherData\":%s,\"traceEvents\":[", s);
    free(s);
    return 0;
}

int export_chrome(FILE *out, const struct trace_rec *recs, size_t n, const char *scenario_name,
                  uint64_t seed, uint64_t trace_hash)
{
    struct out o = {.f = out};
    struct viz_index ix;
    viz_index_init(&ix, &shot_host_alloc);
    if (!viz_index_feed(&ix, recs, n) || header(&o, scenario_name, seed, trace_hash) != 0) {
        viz_index_free(&ix);
        fprintf(stderr, "twain trace export: out of memory\n");
        return 2;
    }
    names(&o, &ix, scenario_name);
    for (uint32_t li = 0; li < ix.nlanes; li++)
        for (uint32_t i = 0; i < ix.lanes[li].niv; i++)
            slice(&o, &ix, &ix.lanes[li], i);
    flows(&o, &ix);
    marks(&o, &ix);
    console_lines(&o, &ix);
    cpu_counter(&o, &ix);
    fprintf(out, "\n]}\n");
    viz_index_free(&ix);
    if (o.failed || fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "twain trace export: write error\n");
        return 2;
    }
    return 0;
}

static int usage(FILE *f)
{
    fprintf(f, "usage: twain trace export --chrome TRACE > out.json\n"
               "  Chrome trace-event JSON for Perfetto (ui.perfetto.dev) and chrome://tracing:\n"
               "  a process per task, a thread per kernel thread, state slices, IPC flows,\n"
               "  instants for timers, faults, exits and console lines; microseconds of\n"
               "  virtual time. exit: 0 written, 1 the trace's hash chain is broken (the\n"
               "  records before the break are written), 2 unreadable trace\n");
    return f == stdout ? 0 : 2;
}

int export_cmd(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout);
    if (argc != 3 || strcmp(argv[1], "--chrome") != 0)
        return usage(stderr);
    struct trace_file tf;
    uint64_t bad = UINT64_MAX;
    char err[512], name[128];
    int rc = trace_file_read(argv[2], &tf, &bad, err, sizeof(err));
    if (rc == 2) {
        fprintf(stderr, "twain trace export: %s\n", err);
        return 2;
    }
    if (rc == 1)
        fprintf(stderr, "twain trace export: %s\n", err);
    shot_scenario_name(tf.text, tf.h.text_len, name, sizeof(name));
    size_t n = rc == 1 ? bad : tf.h.records;
    int wrc = export_chrome(stdout, tf.recs, n, name, tf.h.seed, tf.h.final_hash);
    trace_file_free(&tf);
    return wrc != 0 ? wrc : rc;
}
