/* SPDX-License-Identifier: MIT */
/*
 * viz/describe.c - details and statistics text (see describe.h).
 */
#include "describe.h"

#include <stdarg.h>

#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "fmt.h"

#define SCAN_BACK      64   /* records searched before a block for its system call */
#define SCAN_FORWARD   4096 /* records searched through one slice */
#define SYSCALLS_SHOWN 7

static void add(struct viz_text *o, uint32_t color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct viz_text *o, uint32_t color, const char *fmt, ...)
{
    if (o->n >= VIZ_TEXT_LINES)
        return;
    va_list ap;
    va_start(ap, fmt);
    k_vsnprintf(o->line[o->n], VIZ_TEXT_COLS, fmt, ap);
    va_end(ap);
    o->color[o->n++] = color;
}

void viz_lane_label(const struct viz_index *ix, const struct viz_lane *l, char *buf, size_t len)
{
    const char *name = l->task >= 1 && l->task <= ix->ntasks ? ix->tasks[l->task - 1].name : "?";
    k_snprintf(buf, len, "%s t%u", name, l->tid);
}

static const char *why_text(uint8_t why)
{
    switch (why) {
    case TW_WHY_YIELD:
        return "it yielded";
    case TW_WHY_BLOCK:
        return "it blocked";
    case TW_WHY_PREEMPT:
        return "it was preempted";
    case TW_WHY_EXIT:
        return "it exited";
    case VIZ_WHY_WOKEN:
        return "it was woken";
    case VIZ_WHY_NEW:
        return "the thread started";
    default:
        return "it was started";
    }
}

static const char *state_name(uint8_t s)
{
    static const char *const names[] = {"not started", "READY (waiting for the CPU)", "RUNNING",
                                        "BLOCKED", "ended"};
    return s < K_ARRAY_SIZE(names) ? names[s] : "?";
}

/* The end record of interval i: the record that began the next one, or the last record. */
static uint32_t end_rec(const struct viz_index *ix, const struct viz_lane *l, uint32_t i)
{
    return i + 1 < l->niv ? l->iv[i + 1].rec : (uint32_t)(ix->nrecs - 1);
}

static void describe_run(const struct viz_index *ix, const struct viz_lane *l, uint32_t i,
                         struct viz_text *o)
{
    uint32_t from = l->iv[i].rec, to = end_rec(ix, l, i), shown = 0, calls = 0;
    char call[VIZ_TEXT_COLS];
    const struct trace_rec *sw = &ix->recs[from];
    if (sw->type == TR_SWITCH && sw->a == 0)
        add(o, 0, "switched in from the idle loop");
    else if (sw->type == TR_SWITCH)
        add(o, 0, "switched in from t%llu", (unsigned long long)sw->a);
    for (uint32_t r = from; r <= to && r < ix->nrecs && r - from < SCAN_FORWARD; r++) {
        const struct trace_rec *rec = &ix->recs[r];
        if (rec->tid != l->tid || rec->type != TR_SYSCALL)
            continue;
        calls++;
        if (shown >= SYSCALLS_SHOWN)
            continue;
        viz_fmt_syscall(call, sizeof(call), rec);
        for (uint32_t s = r + 1; s <= to && s < ix->nrecs && s - r < SCAN_FORWARD; s++)
            if (ix->recs[s].tid == l->tid && ix->recs[s].type == TR_SYSRET) {
                int64_t res = (int64_t)ix->recs[s].b;
                add(o, 0, "  %s -> %lld %s", call, (long long)res,
                    res < 0 ? viz_error_name(res) : "");
                call[0] = '\0';
                break;
            }
        if (call[0] != '\0')
            add(o, 0, "  %s ...", call);
        shown++;
    }
    add(o, 0, "system calls in this slice: %u%s", calls, calls > shown ? " (first shown)" : "");
    if (i + 1 < l->niv)
        add(o, 0, "it ended because %s", why_text(l->iv[i + 1].why));
}

/* The TR_SYSCALL of l's thread at or before record r (bounded search), or NULL. */
static const struct trace_rec *syscall_before(const struct viz_index *ix, const struct viz_lane *l,
                                              uint32_t r)
{
    for (uint32_t k = 0; k < SCAN_BACK && k <= r; k++) {
        const struct trace_rec *x = &ix->recs[r - k];
        if (x->tid == l->tid && x->type == TR_SYSCALL)
            return x;
    }
    return NULL;
}

static void describe_blocked(const struct viz_index *ix, const struct viz_lane *l, uint32_t i,
                             struct viz_text *o)
{
    const struct trace_rec *b = &ix->recs[l->iv[i].rec];
    char text[VIZ_TEXT_COLS], sig[48];
    const struct trace_rec *call = syscall_before(ix, l, l->iv[i].rec);
    if (call != NULL) {
        viz_fmt_syscall(text, sizeof(text), call);
        add(o, 0, "in %s", text);
    }
    if (b->type == TR_BLOCK) {
        uint32_t items = (uint32_t)(b->b >> 32);
        viz_fmt_signals(sig, sizeof(sig), (uint32_t)b->b);
        if (items == 0)
            add(o, 0, "waits on: nothing (a sleep)");
        else
            add(o, 0, "waits on: object %llu for %s", (unsigned long long)b->a, sig);
        if (items > 1)
            add(o, 0, "          and %u more objects (poll)", items - 1);
        if (b->c == TW_DEADLINE_NEVER) {
            add(o, 0, "deadline: none");
        } else {
            viz_fmt_time(text, sizeof(text), b->c);
            add(o, 0, "deadline: at %s", text);
        }
    }
    if (i + 1 < l->niv && l->iv[i + 1].why == VIZ_WHY_WOKEN) {
        int64_t res = (int64_t)ix->recs[l->iv[i + 1].rec].b;
        add(o, 0, "woken: %s (%lld)", viz_error_name(res), (long long)res);
    } else if (i + 1 >= l->niv) {
        add(o, 0, "still blocked at the last record");
    }
}

static void describe_ready(const struct viz_index *ix, const struct viz_lane *l, uint32_t i,
                           struct viz_text *o)
{
    char text[32];
    add(o, 0, "ready because %s", why_text(l->iv[i].why));
    if (i + 1 < l->niv && l->iv[i + 1].state == VIZ_RUN) {
        viz_fmt_time(text, sizeof(text), l->iv[i + 1].t0 - l->iv[i].t0);
        add(o, 0, "latency to the CPU: %s", text);
    }
    (void)ix;
}

void viz_describe(const struct viz_index *ix, uint32_t li, uint32_t i, struct viz_text *o)
{
    K_ASSERT(li < ix->nlanes);
    const struct viz_lane *l = &ix->lanes[li];
    K_ASSERT(i < l->niv);
    const struct viz_iv *v = &l->iv[i];
    char label[32], t0[32], t1[32], dur[32];
    o->n = 0;
    viz_lane_label(ix, l, label, sizeof(label));
    uint64_t end = viz_iv_end(ix, l, i);
    viz_fmt_time(t0, sizeof(t0), v->t0);
    viz_fmt_time(t1, sizeof(t1), end);
    viz_fmt_time(dur, sizeof(dur), end - v->t0);
    add(o, 0, "%s (task %u, priority %u)", label, l->task, l->priority);
    add(o, 0, "%s for %s", state_name(v->state), dur);
    add(o, 0, "from %s to %s", t0, t1);
    if (v->state == VIZ_RUN)
        describe_run(ix, l, i, o);
    else if (v->state == VIZ_BLOCKED)
        describe_blocked(ix, l, i, o);
    else if (v->state == VIZ_READY)
        describe_ready(ix, l, i, o);
    add(o, 0, "record #%u", v->rec);
}

void viz_lane_stats(const struct viz_index *ix, const struct viz_lane *l, struct viz_lane_stats *s)
{
    uint32_t hint = UINT32_MAX;
    struct viz_sums sum = viz_lane_sum(l, ix->t_last, &hint);
    s->run = sum.run;
    s->ready = sum.ready;
    s->blocked = sum.blocked;
    s->switches = l->switches;
    s->max_latency = l->max_latency;
    /* a thread still waiting at the end has waited at least this long */
    if (l->niv > 0 && l->iv[l->niv - 1].state == VIZ_READY &&
        ix->t_last - l->iv[l->niv - 1].t0 > s->max_latency)
        s->max_latency = ix->t_last - l->iv[l->niv - 1].t0;
}
