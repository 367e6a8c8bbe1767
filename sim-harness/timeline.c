/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/timeline.c - text timeline (see timeline.h). Each cell shows the state the
 * thread spent most of that time slice in: '#' running, '-' ready, '.' blocked; ' ' before
 * it started or after it ended. Markers: 'K' a fault killed its task, 'X' it exited. Above
 * the lanes a time ruler; after each its share of running; below, timer fires and IPC
 * messages per column.
 */
#include "timeline.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../viz/fmt.h"

#define MAX_LANES 64
#define MAX_COLS  200

enum lane_state { L_NONE = 0, L_READY, L_RUN, L_BLOCKED, L_GONE };

struct lane {
    uint32_t tid;
    uint32_t task;
    char name[24];
    enum lane_state state;
    uint64_t since;
    uint64_t spent[MAX_COLS][4]; /* ns per state (ready, run, blocked) in each column */
    char mark[MAX_COLS];
};

struct tl {
    struct lane *lanes;
    unsigned nlanes;
    unsigned width;
    uint64_t t0, t1;
    char timers[MAX_COLS];   /* '^' where a timer fired */
    uint32_t msgs[MAX_COLS]; /* IPC messages sent in each column */
    char task_names[MAX_LANES * 4][9];
};

static struct lane *lane_of(struct tl *t, uint32_t tid)
{
    for (unsigned i = 0; i < t->nlanes; i++)
        if (t->lanes[i].tid == tid)
            return &t->lanes[i];
    return NULL;
}

static unsigned col_of(const struct tl *t, uint64_t time)
{
    uint64_t span = t->t1 > t->t0 ? t->t1 - t->t0 : 1;
    uint64_t c = (time - t->t0) * t->width / span;
    return c >= t->width ? t->width - 1 : (unsigned)c;
}

/* Account [l->since, now) to l's current state, column by column. */
static void settle(struct tl *t, struct lane *l, uint64_t now)
{
    if (l->state == L_NONE || l->state == L_GONE || now <= l->since) {
        l->since = now;
        return;
    }
    uint64_t span = t->t1 > t->t0 ? t->t1 - t->t0 : 1;
    uint64_t a = l->since;
    while (a < now) {
        unsigned c = col_of(t, a);
        uint64_t col_end = t->t0 + (span * (c + 1) + t->width - 1) / t->width;
        uint64_t b = now < col_end || c == t->width - 1 ? now : col_end;
        if (b <= a)
            b = now;
        l->spent[c][l->state] += b - a;
        a = b;
    }
    l->since = now;
}

static void set_state(struct tl *t, uint32_t tid, enum lane_state s, uint64_t now)
{
    struct lane *l = lane_of(t, tid);
    if (l == NULL)
        return;
    settle(t, l, now);
    l->state = s;
}

static void add_lane(struct tl *t, const struct trace_rec *r)
{
    if (t->nlanes >= MAX_LANES)
        return;
    struct lane *l = &t->lanes[t->nlanes++];
    l->tid = (uint32_t)r->a;
    l->task = (uint32_t)r->b;
    l->state = L_READY;
    l->since = r->time;
    const char *tn = l->task < MAX_LANES * 4 ? t->task_names[l->task] : "?";
    snprintf(l->name, sizeof(l->name), "%s/t%u", tn, l->tid);
}

static void apply(struct tl *t, const struct trace_rec *r)
{
    switch (r->type) {
    case TR_TASK_START:
        if (r->a < MAX_LANES * 4)
            memcpy(t->task_names[r->a], &r->c, 8);
        break;
    case TR_THREAD_START:
        add_lane(t, r);
        break;
    case TR_SWITCH:
        if (r->a != 0 && r->c != TW_WHY_EXIT)
            set_state(t, (uint32_t)r->a, r->c == TW_WHY_BLOCK ? L_BLOCKED : L_READY, r->time);
        if (r->b != 0)
            set_state(t, (uint32_t)r->b, L_RUN, r->time);
        break;
    case TR_WAKE:
        set_state(t, (uint32_t)r->a, L_READY, r->time);
        break;
    case TR_THREAD_EXIT: {
        struct lane *l = lane_of(t, (uint32_t)r->a);
        if (l != NULL)
            l->mark[col_of(t, r->time)] = 'X';
        /* the thread still runs until the switch that follows; it ends there */
        set_state(t, (uint32_t)r->a, L_GONE, r->time);
        break;
    }
    case TR_TIMER_FIRE:
        t->timers[col_of(t, r->time)] = '^';
        break;
    case TR_IPC_SEND:
        t->msgs[col_of(t, r->time)]++;
        break;
    case TR_FAULT:
        for (unsigned i = 0; i < t->nlanes; i++)
            if (t->lanes[i].task == r->b && t->lanes[i].state != L_GONE)
                t->lanes[i].mark[col_of(t, r->time)] = 'K';
        break;
    default:
        break;
    }
}

static char cell(const struct lane *l, unsigned c)
{
    if (l->mark[c] != 0)
        return l->mark[c];
    const uint64_t *s = l->spent[c];
    if (s[L_RUN] == 0 && s[L_READY] == 0 && s[L_BLOCKED] == 0)
        return ' ';
    if (s[L_RUN] > 0 && s[L_RUN] * 4 >= s[L_READY] + s[L_BLOCKED])
        return '#'; /* running a quarter of the slice or more: show it */
    return s[L_READY] >= s[L_BLOCKED] ? '-' : '.';
}

/* A row of times: a '|' and the time every 20 columns. */
static void ruler(FILE *f, const struct tl *t)
{
    char row[MAX_COLS + 32];
    memset(row, ' ', sizeof(row));
    for (unsigned c = 0; c < t->width; c += 20) {
        char when[24];
        viz_fmt_time3(when, sizeof(when), t->t0 + (t->t1 - t->t0) * c / t->width);
        int n = snprintf(row + c, sizeof(row) - c, "|%s", when);
        row[c + (unsigned)n] = ' ';
    }
    row[t->width] = '\0';
    fprintf(f, "%-16s  %s\n", "", row);
}

/* Run share and switches of a lane over the whole timeline. */
static const char *summary(const struct lane *l, const struct tl *t, char *buf, size_t len)
{
    uint64_t run = 0, all = 0;
    for (unsigned c = 0; c < t->width; c++) {
        run += l->spent[c][L_RUN];
        all += l->spent[c][L_RUN] + l->spent[c][L_READY] + l->spent[c][L_BLOCKED];
    }
    snprintf(buf, len, "run %llu%%", (unsigned long long)(all > 0 ? run * 100 / all : 0));
    return buf;
}

/* Timer fires ('^') and IPC messages per column (a digit, '+' for ten or more). */
static void extra_rows(FILE *f, const struct tl *t)
{
    bool any_timer = false, any_msg = false;
    for (unsigned c = 0; c < t->width; c++) {
        any_timer |= t->timers[c] != 0;
        any_msg |= t->msgs[c] != 0;
    }
    if (any_timer) {
        fprintf(f, "%-16s |", "timer fires");
        for (unsigned c = 0; c < t->width; c++)
            fputc(t->timers[c] != 0 ? '^' : ' ', f);
        fputs("|\n", f);
    }
    if (any_msg) {
        fprintf(f, "%-16s |", "IPC messages");
        for (unsigned c = 0; c < t->width; c++)
            fputc(t->msgs[c] == 0 ? ' ' : (t->msgs[c] < 10 ? (char)('0' + t->msgs[c]) : '+'), f);
        fputs("|\n", f);
    }
}

void timeline_print(FILE *f, const struct trace_rec *recs, size_t n, unsigned width)
{
    if (n == 0)
        return;
    char line[64];
    struct tl t = {.width = width > MAX_COLS ? MAX_COLS : (width == 0 ? 1 : width)};
    t.lanes = calloc(MAX_LANES, sizeof(struct lane));
    if (t.lanes == NULL)
        return;
    t.t0 = recs[0].time;
    t.t1 = recs[n - 1].time + 1;
    for (size_t i = 0; i < n; i++)
        apply(&t, &recs[i]);
    for (unsigned i = 0; i < t.nlanes; i++)
        settle(&t, &t.lanes[i], t.t1);
    fprintf(f,
            "\ntimeline: %llu us .. %llu us, %llu us per column ('#' running, '-' ready, "
            "'.' blocked, X exit, K killed)\n",
            (unsigned long long)(t.t0 / 1000), (unsigned long long)(t.t1 / 1000),
            (unsigned long long)((t.t1 - t.t0) / t.width / 1000));
    ruler(f, &t);
    for (unsigned i = 0; i < t.nlanes; i++) {
        fprintf(f, "%-16.16s |", t.lanes[i].name);
        for (unsigned c = 0; c < t.width; c++)
            fputc(cell(&t.lanes[i], c), f);
        fprintf(f, "| %s\n", summary(&t.lanes[i], &t, line, sizeof(line)));
    }
    extra_rows(f, &t);
    if (t.nlanes == MAX_LANES)
        fprintf(f, "(only the first %d threads are shown)\n", MAX_LANES);
    free(t.lanes);
}
