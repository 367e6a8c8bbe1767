/* SPDX-License-Identifier: MIT */
/*
 * viz/index.c - building the trace index from records, and the time queries over it
 * (see index.h). Building is one pass, O(1) amortised per record; every query is a
 * binary (or galloping) search.
 */
#include "index.h"

#include "../core/kassert.h"
#include "../core/klib.h"

#define CLINE_MAX 240 /* longer console lines wrap into the next */

/* Grow *arr (elements of size elem, capacity *cap) to hold at least need. */
static bool grow(struct viz_index *ix, void **arr, uint32_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    if (ix->oom || need > UINT32_MAX / 2)
        return false;
    uint64_t ncap = *cap < 16 ? 16 : (uint64_t)*cap * 2;
    while (ncap < need)
        ncap *= 2;
    void *p = ix->alloc.resize(ix->alloc.ctx, *arr, (size_t)*cap * elem, (size_t)ncap * elem);
    if (p == NULL) {
        ix->oom = true;
        return false;
    }
    k_memset((char *)p + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
    *arr = p;
    *cap = (uint32_t)ncap;
    return true;
}

#define GROW(ix, arr, cap, need) grow((ix), (void **)&(arr), &(cap), (need), sizeof(*(arr)))

void viz_index_init(struct viz_index *ix, const struct viz_alloc *a)
{
    K_ASSERT(a != NULL && a->resize != NULL);
    k_memset(ix, 0, sizeof(*ix));
    ix->alloc = *a;
    ix->cpu.pending_block = VIZ_NO_REC;
    ix->cpu.end = UINT64_MAX;
}

static void release(struct viz_index *ix, void *p, size_t size)
{
    if (p != NULL)
        ix->alloc.resize(ix->alloc.ctx, p, size, 0);
}

void viz_index_free(struct viz_index *ix)
{
    for (uint32_t i = 0; i < ix->nlanes; i++)
        release(ix, ix->lanes[i].iv, ix->lanes[i].cap * sizeof(struct viz_iv));
    release(ix, ix->cpu.iv, ix->cpu.cap * sizeof(struct viz_iv));
    release(ix, ix->lanes, ix->lanes_cap * sizeof(*ix->lanes));
    release(ix, ix->order, ix->order_cap * sizeof(*ix->order));
    release(ix, ix->lane_of_tid, ix->ntids_cap * sizeof(*ix->lane_of_tid));
    release(ix, ix->tasks, ix->tasks_cap * sizeof(*ix->tasks));
    release(ix, ix->arrows, ix->arrows_cap * sizeof(*ix->arrows));
    release(ix, ix->arrow_of_seq, ix->nseq_cap * sizeof(*ix->arrow_of_seq));
    release(ix, ix->marks, ix->marks_cap * sizeof(*ix->marks));
    release(ix, ix->con, ix->con_cap);
    release(ix, ix->clines, ix->clines_cap * sizeof(*ix->clines));
    struct viz_alloc a = ix->alloc;
    viz_index_init(ix, &a);
}

size_t viz_index_bytes(const struct viz_index *ix)
{
    size_t n = sizeof(*ix) + ix->cpu.cap * sizeof(struct viz_iv);
    for (uint32_t i = 0; i < ix->nlanes; i++)
        n += ix->lanes[i].cap * sizeof(struct viz_iv);
    n += ix->lanes_cap * sizeof(*ix->lanes) + ix->order_cap * sizeof(*ix->order);
    n += ix->ntids_cap * sizeof(*ix->lane_of_tid) + ix->tasks_cap * sizeof(*ix->tasks);
    n += ix->arrows_cap * sizeof(*ix->arrows) + ix->nseq_cap * sizeof(*ix->arrow_of_seq);
    n += ix->marks_cap * sizeof(*ix->marks) + ix->con_cap + ix->clines_cap * sizeof(*ix->clines);
    return n;
}

/* ---- lanes ------------------------------------------------------------------------------ */

static struct viz_lane *lane_by_tid(struct viz_index *ix, uint32_t tid)
{
    if (tid == 0 || tid >= ix->ntids_cap || ix->lane_of_tid[tid] == 0)
        return NULL;
    return &ix->lanes[ix->lane_of_tid[tid] - 1];
}

const struct viz_lane *viz_lane_of_tid(const struct viz_index *ix, uint32_t tid)
{
    return lane_by_tid((struct viz_index *)ix, tid);
}

static uint32_t lane_index(const struct viz_index *ix, uint32_t tid)
{
    if (tid == 0 || tid >= ix->ntids_cap || ix->lane_of_tid[tid] == 0)
        return UINT32_MAX;
    return ix->lane_of_tid[tid] - 1;
}

/* Enter state s at time t: a new interval carrying the sums of the one it ends. */
static void set_state(struct viz_index *ix, struct viz_lane *l, uint8_t s, uint64_t t, uint32_t rec,
                      uint8_t why)
{
    struct viz_iv nv = {.t0 = t, .rec = rec, .state = s, .why = why};
    if (l->niv > 0) {
        struct viz_iv *p = &l->iv[l->niv - 1];
        if (p->state == s)
            return;
        if (t < p->t0)
            nv.t0 = t = p->t0; /* records are in time order; never let a lane go backwards */
        uint64_t dt = t - p->t0;
        nv.run_before = p->run_before + (p->state == VIZ_RUN ? dt : 0);
        nv.ready_before = p->ready_before + (p->state == VIZ_READY ? dt : 0);
        if (dt == 0 && (l->niv == 1 || l->iv[l->niv - 2].state != s)) {
            *p = nv; /* a zero-length interval: replace it */
            return;
        }
        if (dt == 0) { /* replacing p would merge with the one before it: drop p instead */
            l->niv--;
            return;
        }
    }
    if (!GROW(ix, l->iv, l->cap, (uint64_t)l->niv + 1))
        return;
    l->iv[l->niv++] = nv;
}

static void order_insert(struct viz_index *ix, uint32_t li)
{
    const struct viz_lane *n = &ix->lanes[li];
    uint32_t lo = 0, hi = ix->nlanes - 1; /* order holds nlanes - 1 entries so far */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct viz_lane *m = &ix->lanes[ix->order[mid]];
        if (m->task < n->task || (m->task == n->task && m->tid < n->tid))
            lo = mid + 1;
        else
            hi = mid;
    }
    k_memmove(&ix->order[lo + 1], &ix->order[lo], (ix->nlanes - 1 - lo) * sizeof(*ix->order));
    ix->order[lo] = li;
    for (uint32_t p = lo; p < ix->nlanes; p++)
        ix->lanes[ix->order[p]].pos = p;
}

static void thread_start(struct viz_index *ix, const struct trace_rec *r, uint32_t rec)
{
    uint32_t tid = (uint32_t)r->a;
    if (tid == 0 || lane_by_tid(ix, tid) != NULL)
        return;
    if (!GROW(ix, ix->lanes, ix->lanes_cap, (uint64_t)ix->nlanes + 1) ||
        !GROW(ix, ix->order, ix->order_cap, (uint64_t)ix->nlanes + 1))
        return;
    if (!GROW(ix, ix->lane_of_tid, ix->ntids_cap, (uint64_t)tid + 1))
        return;
    struct viz_lane *l = &ix->lanes[ix->nlanes];
    k_memset(l, 0, sizeof(*l));
    l->tid = tid;
    l->task = (uint32_t)r->b;
    l->priority = (uint32_t)r->c;
    l->pending_block = VIZ_NO_REC;
    l->start = r->time;
    l->end = UINT64_MAX;
    ix->lane_of_tid[tid] = ++ix->nlanes;
    order_insert(ix, ix->nlanes - 1);
    set_state(ix, l, VIZ_READY, r->time, rec, VIZ_WHY_NEW);
}

static void task_start(struct viz_index *ix, const struct trace_rec *r)
{
    uint64_t id = r->a;
    if (id == 0 || id > UINT32_MAX / 2 || !GROW(ix, ix->tasks, ix->tasks_cap, id))
        return;
    struct viz_task *t = &ix->tasks[id - 1];
    t->id = (uint32_t)id;
    for (int i = 0; i < 8; i++) {
        char ch = (char)(r->c >> (8 * i));
        t->name[i] = ch >= 32 && ch < 127 ? ch : '\0';
        if (ch == '\0')
            break;
    }
    t->name[8] = '\0';
    if (id > ix->ntasks)
        ix->ntasks = (uint32_t)id;
}

static void switch_rec(struct viz_index *ix, const struct trace_rec *r, uint32_t rec)
{
    struct viz_lane *from = lane_by_tid(ix, (uint32_t)r->a), *to = lane_by_tid(ix, (uint32_t)r->b);
    if (from != NULL) {
        if (r->c == TW_WHY_BLOCK) {
            uint32_t b = from->pending_block != VIZ_NO_REC ? from->pending_block : rec;
            set_state(ix, from, VIZ_BLOCKED, r->time, b, (uint8_t)r->c);
        } else if (r->c == TW_WHY_EXIT) {
            set_state(ix, from, VIZ_GONE, r->time, rec, (uint8_t)r->c);
            from->end = r->time;
        } else {
            set_state(ix, from, VIZ_READY, r->time, rec, (uint8_t)r->c);
        }
        from->pending_block = VIZ_NO_REC;
    }
    if (to != NULL) {
        if (to->niv > 0 && to->iv[to->niv - 1].state == VIZ_READY) {
            uint64_t wait = r->time - to->iv[to->niv - 1].t0;
            if (wait > to->max_latency) {
                to->max_latency = wait;
                to->max_latency_at = r->time;
            }
        }
        to->switches++;
        set_state(ix, to, VIZ_RUN, r->time, rec, (uint8_t)r->c);
    }
    set_state(ix, &ix->cpu, r->b != 0 ? VIZ_RUN : VIZ_IDLE, r->time, rec, (uint8_t)r->c);
}

/* ---- arrows, marks, console ------------------------------------------------------------- */

static void ipc_send(struct viz_index *ix, const struct trace_rec *r, uint32_t rec)
{
    uint64_t seq = r->a;
    if (seq == 0 || seq > UINT32_MAX / 2 || !GROW(ix, ix->arrow_of_seq, ix->nseq_cap, seq + 1) ||
        !GROW(ix, ix->arrows, ix->arrows_cap, (uint64_t)ix->narrows + 1))
        return;
    struct viz_arrow *a = &ix->arrows[ix->narrows];
    a->t_send = r->time;
    a->t_recv = UINT64_MAX;
    a->from = lane_index(ix, r->tid);
    a->to = UINT32_MAX;
    a->rec_send = rec;
    a->rec_recv = VIZ_NO_REC;
    ix->arrow_of_seq[seq] = ++ix->narrows;
}

static void ipc_recv(struct viz_index *ix, const struct trace_rec *r, uint32_t rec)
{
    uint64_t seq = r->a;
    if (seq >= ix->nseq_cap || ix->arrow_of_seq[seq] == 0)
        return;
    struct viz_arrow *a = &ix->arrows[ix->arrow_of_seq[seq] - 1];
    if (a->rec_recv != VIZ_NO_REC)
        return; /* delivered again (a repeatable request after its server died): the arrow
                   goes to its first delivery (docs/supervision.md) */
    a->t_recv = r->time;
    a->to = lane_index(ix, r->tid);
    a->rec_recv = rec;
    if (r->time - a->t_send > ix->max_arrow_span)
        ix->max_arrow_span = r->time - a->t_send;
}

static void mark(struct viz_index *ix, const struct trace_rec *r, uint32_t rec, uint32_t kind,
                 uint32_t lane, uint32_t task)
{
    if (!GROW(ix, ix->marks, ix->marks_cap, (uint64_t)ix->nmarks + 1))
        return;
    ix->marks[ix->nmarks++] =
        (struct viz_mark){.t = r->time, .lane = lane, .task = task, .rec = rec, .kind = kind};
}

static void console_byte(struct viz_index *ix, const struct trace_rec *r, char ch)
{
    if (ch == '\n') {
        if (!ix->con_open_line && GROW(ix, ix->clines, ix->clines_cap, ix->nclines + 1ull))
            ix->clines[ix->nclines++] =
                (struct viz_cline){.t = r->time, .off = ix->con_len, .len = 0, .tid = r->tid};
        ix->con_open_line = false;
        return;
    }
    if (ix->con_open_line && ix->clines[ix->nclines - 1].len >= CLINE_MAX)
        ix->con_open_line = false;
    if (!ix->con_open_line) {
        if (!GROW(ix, ix->clines, ix->clines_cap, ix->nclines + 1ull))
            return;
        ix->clines[ix->nclines++] =
            (struct viz_cline){.t = r->time, .off = ix->con_len, .len = 0, .tid = r->tid};
        ix->con_open_line = true;
    }
    if (!GROW(ix, ix->con, ix->con_cap, ix->con_len + 1ull))
        return;
    ix->con[ix->con_len++] = ch;
    ix->clines[ix->nclines - 1].len++;
}

static void console(struct viz_index *ix, const struct trace_rec *r)
{
    uint64_t words[2] = {r->b, r->c};
    const char *bytes = (const char *)words;
    for (uint64_t i = 0; i < r->a && i < 16; i++)
        console_byte(ix, r, bytes[i]);
}

static void task_exit(struct viz_index *ix, const struct trace_rec *r)
{
    if (r->a == 0 || r->a > ix->ntasks)
        return;
    struct viz_task *t = &ix->tasks[r->a - 1];
    t->exited = true;
    t->status = (int64_t)r->b;
    t->killed = r->c != 0;
    t->exit_time = r->time;
}

/* ---- feeding ------------------------------------------------------------------------------ */

static void apply(struct viz_index *ix, const struct trace_rec *r, uint32_t rec)
{
    struct viz_lane *cur = lane_by_tid(ix, r->tid);
    switch (r->type) {
    case TR_BOOT:
        ix->seed = r->a;
        ix->policy = (uint32_t)r->b;
        break;
    case TR_TASK_START:
        task_start(ix, r);
        break;
    case TR_THREAD_START:
        thread_start(ix, r, rec);
        break;
    case TR_SWITCH:
        switch_rec(ix, r, rec);
        break;
    case TR_SYSCALL:
        if (cur != NULL)
            cur->syscalls++;
        break;
    case TR_BLOCK:
        if (cur != NULL)
            cur->pending_block = rec;
        break;
    case TR_WAKE: {
        struct viz_lane *l = lane_by_tid(ix, (uint32_t)r->a);
        if (l != NULL && l->niv > 0 && l->iv[l->niv - 1].state == VIZ_BLOCKED)
            set_state(ix, l, VIZ_READY, r->time, rec, VIZ_WHY_WOKEN);
        break;
    }
    case TR_IPC_SEND:
        ipc_send(ix, r, rec);
        break;
    case TR_IPC_RECV:
        ipc_recv(ix, r, rec);
        break;
    case TR_TIMER_FIRE:
        mark(ix, r, rec, VIZ_MARK_TIMER, UINT32_MAX, 0);
        break;
    case TR_FAULT:
        mark(ix, r, rec, r->a == 2 ? VIZ_MARK_CRASH : VIZ_MARK_KILL, UINT32_MAX, (uint32_t)r->b);
        if (r->a == 2 && r->b >= 1 && r->b <= ix->ntasks)
            ix->tasks[r->b - 1].crashed = true;
        break;
    case TR_THREAD_EXIT:
        mark(ix, r, rec, VIZ_MARK_EXIT, lane_index(ix, (uint32_t)r->a), (uint32_t)r->b);
        if (lane_by_tid(ix, (uint32_t)r->a) != NULL)
            lane_by_tid(ix, (uint32_t)r->a)->exited = true;
        break;
    case TR_TASK_EXIT:
        task_exit(ix, r);
        break;
    case TR_CONSOLE:
        console(ix, r);
        break;
    case TR_EXPECT_FAIL:
        mark(ix, r, rec, VIZ_MARK_EXPECT, lane_index(ix, r->tid), (uint32_t)r->a);
        break;
    case TR_END:
        ix->ended = true;
        ix->end_reason = (uint32_t)r->a;
        mark(ix, r, rec, VIZ_MARK_END, UINT32_MAX, 0);
        break;
    default:
        break;
    }
}

bool viz_index_feed(struct viz_index *ix, const struct trace_rec *recs, size_t n)
{
    K_ASSERT(n >= ix->nrecs);
    K_ASSERT(n < VIZ_NO_REC);
    ix->recs = recs;
    if (ix->nrecs == 0 && n > 0) {
        ix->t_first = ix->t_last = recs[0].time;
        set_state(ix, &ix->cpu, VIZ_IDLE, recs[0].time, 0, 0);
    }
    size_t i;
    for (i = ix->nrecs; i < n && !ix->oom; i++) {
        if (recs[i].time > ix->t_last)
            ix->t_last = recs[i].time;
        apply(ix, &recs[i], (uint32_t)i);
    }
    ix->nrecs = i; /* after running out of memory the rest stays unindexed */
    return !ix->oom;
}

/* ---- queries ------------------------------------------------------------------------------ */

/* Last interval in [lo, hi) starting at or before t, given iv[lo].t0 <= t. */
static uint32_t search(const struct viz_iv *iv, uint32_t lo, uint32_t hi, uint64_t t)
{
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (iv[mid].t0 <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

uint32_t viz_lane_find(const struct viz_lane *l, uint64_t t)
{
    if (l->niv == 0 || t < l->iv[0].t0)
        return VIZ_NO_REC;
    return search(l->iv, 0, l->niv, t);
}

/* Like viz_lane_find, galloping from hint h (a valid index). */
static uint32_t find_from(const struct viz_lane *l, uint64_t t, uint32_t h)
{
    const struct viz_iv *iv = l->iv;
    uint32_t n = l->niv, step = 1;
    if (iv[h].t0 <= t) {
        uint32_t lo = h;
        while (step < n && lo + step < n && iv[lo + step].t0 <= t) {
            lo += step;
            step *= 2;
        }
        uint32_t hi = lo + step < n ? lo + step : n;
        return search(iv, lo, hi, t);
    }
    uint32_t hi = h; /* iv[hi].t0 > t */
    while (step <= hi && iv[hi - step].t0 > t) {
        hi -= step;
        step *= 2;
    }
    uint32_t lo = step <= hi ? hi - step : 0;
    return search(iv, lo, hi, t);
}

struct viz_sums viz_lane_sum(const struct viz_lane *l, uint64_t t, uint32_t *hint)
{
    struct viz_sums s = {0, 0, 0};
    if (l->niv == 0 || t <= l->iv[0].t0)
        return s;
    uint32_t i = *hint < l->niv ? find_from(l, t, *hint) : search(l->iv, 0, l->niv, t);
    *hint = i;
    const struct viz_iv *v = &l->iv[i];
    K_ASSERT(v->t0 <= t);
    uint64_t dt = t - v->t0;
    s.run = v->run_before + (v->state == VIZ_RUN ? dt : 0);
    s.ready = v->ready_before + (v->state == VIZ_READY ? dt : 0);
    s.blocked = v->t0 - l->iv[0].t0 - v->run_before - v->ready_before;
    s.blocked += v->state == VIZ_BLOCKED ? dt : 0;
    return s;
}

uint64_t viz_iv_end(const struct viz_index *ix, const struct viz_lane *l, uint32_t i)
{
    K_ASSERT(i < l->niv);
    if (i + 1 < l->niv)
        return l->iv[i + 1].t0;
    return l->iv[i].state == VIZ_GONE ? l->iv[i].t0 : ix->t_last;
}

uint32_t viz_arrow_lower(const struct viz_index *ix, uint64_t t)
{
    uint32_t lo = 0, hi = ix->narrows;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->arrows[mid].t_send < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t viz_mark_lower(const struct viz_index *ix, uint64_t t)
{
    uint32_t lo = 0, hi = ix->nmarks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->marks[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t viz_cline_upper(const struct viz_index *ix, uint64_t t)
{
    uint32_t lo = 0, hi = ix->nclines;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->clines[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
