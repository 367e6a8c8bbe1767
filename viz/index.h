/* SPDX-License-Identifier: MIT */
/*
 * viz/index.h - the trace index the view is drawn from, built once as records arrive
 * (live) or from a whole trace file (replay), and queried by time so that a frame never
 * scans the trace.
 *
 * Per thread, a lane: the sorted array of its state intervals (ready, running, blocked),
 * each with the running and ready time accumulated before it, so that the time a lane
 * spent in each state over any span is two binary searches away (viz_lane_sum). One more
 * lane (tid 0) records the CPU: busy or idle. IPC arrows (send -> receive, matched by the
 * message sequence number), markers (timer fires, faults, exits, failed expectations,
 * the end) and console lines are arrays sorted by time.
 *
 * The index does not copy records: it keeps the caller's array (which may move between
 * feeds, as a growing array does) and refers to records by their index in it.
 * Memory comes from the caller's allocator, so the same code runs on the host (realloc)
 * and on UEFI (the boot services' pool).
 */
#ifndef TWAIN_VIZ_INDEX_H
#define TWAIN_VIZ_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/trace.h"

/* Resize a block: p NULL allocates, new_size 0 frees (returning NULL). NULL on failure. */
typedef void *(*viz_resize_fn)(void *ctx, void *p, size_t old_size, size_t new_size);

struct viz_alloc {
    viz_resize_fn resize;
    void *ctx;
};

enum viz_state {
    VIZ_NONE = 0, /* before the thread started */
    VIZ_READY,    /* runnable, waiting for the CPU */
    VIZ_RUN,      /* on the CPU (the CPU lane: busy) */
    VIZ_BLOCKED,  /* waiting on objects, a sleep or a deadline */
    VIZ_GONE,     /* the thread ended (the CPU lane: idle) */
};
#define VIZ_IDLE VIZ_GONE /* the CPU lane's "no thread runs" */

#define VIZ_NO_REC UINT32_MAX

/* One state interval of a lane: it lasts until the next one starts (the last: until now). */
struct viz_iv {
    uint64_t t0;           /* start, virtual ns */
    uint64_t run_before;   /* ns the lane ran before t0 */
    uint64_t ready_before; /* ns the lane was ready before t0 */
    uint32_t rec;          /* record that began it: switch, wake, or the block record */
    uint8_t state;         /* enum viz_state */
    uint8_t why;           /* ready: enum trace_why of the switch out, or 0xff woken/new */
    uint16_t pad;
};
_Static_assert(sizeof(struct viz_iv) == 32, "intervals are 32 bytes");

#define VIZ_WHY_WOKEN 0xfe
#define VIZ_WHY_NEW   0xff

struct viz_lane {
    uint32_t tid;  /* 0: the CPU lane */
    uint32_t task; /* task id (0 for the CPU lane) */
    uint32_t pos;  /* display position: this lane is order[pos] */
    uint32_t priority;
    struct viz_iv *iv;
    uint32_t niv, cap;
    uint32_t pending_block; /* a block record not yet followed by the switch out */
    uint32_t switches;      /* times it was switched in */
    uint64_t max_latency;   /* longest ready -> running wait, ns */
    uint64_t max_latency_at;
    uint64_t start, end; /* thread start; end (exit switch) or UINT64_MAX */
    uint32_t syscalls;
    bool exited;
};

struct viz_task {
    uint32_t id;
    char name[9];
    bool exited, killed, crashed;
    int64_t status;
    uint64_t exit_time;
};

/* An IPC message: from the sender's lane at send time to the receiver's at receive time. */
struct viz_arrow {
    uint64_t t_send;
    uint64_t t_recv; /* UINT64_MAX: not received (yet) */
    uint32_t from;   /* lane index of the sender */
    uint32_t to;     /* lane index of the receiver (UINT32_MAX: none yet) */
    uint32_t rec_send;
    uint32_t rec_recv;
};

enum viz_mark_kind {
    VIZ_MARK_TIMER = 1, /* a timer fired (global) */
    VIZ_MARK_KILL,      /* a fault killed a task (all its lanes) */
    VIZ_MARK_CRASH,     /* a task crashed (all its lanes) */
    VIZ_MARK_EXIT,      /* a thread exited (its lane) */
    VIZ_MARK_EXPECT,    /* an expectation failed (its lane) */
    VIZ_MARK_END,       /* the run ended (global) */
};

struct viz_mark {
    uint64_t t;
    uint32_t lane; /* lane index, or UINT32_MAX: global or per task */
    uint32_t task; /* task id for kill / crash */
    uint32_t rec;
    uint32_t kind; /* enum viz_mark_kind */
};

/* A line of console output: bytes con[off .. off+len), begun at time t by thread tid. */
struct viz_cline {
    uint64_t t;
    uint32_t off;
    uint32_t len;
    uint32_t tid;
};

struct viz_index {
    struct viz_alloc alloc;
    const struct trace_rec *recs; /* the caller's records, valid for [0, nrecs) */
    size_t nrecs;
    uint64_t t_first, t_last; /* time of the first and last record */
    bool oom;                 /* an allocation failed: the index stopped growing */
    bool ended;
    uint32_t end_reason;
    uint64_t seed;
    uint32_t policy;
    struct viz_lane cpu;
    struct viz_lane *lanes; /* in order of thread start */
    uint32_t nlanes, lanes_cap;
    uint32_t *order; /* display order: lane indexes sorted by (task id, tid) */
    uint32_t order_cap;
    uint32_t *lane_of_tid; /* tid -> lane index + 1 (0: none) */
    uint32_t ntids_cap;
    struct viz_task *tasks; /* indexed by task id - 1 */
    uint32_t ntasks, tasks_cap;
    struct viz_arrow *arrows; /* sorted by t_send */
    uint32_t narrows, arrows_cap;
    uint64_t max_arrow_span; /* longest t_recv - t_send */
    uint32_t *arrow_of_seq;  /* message seq -> arrow index + 1 */
    uint32_t nseq_cap;
    struct viz_mark *marks; /* sorted by t */
    uint32_t nmarks, marks_cap;
    char *con;
    uint32_t con_len, con_cap;
    struct viz_cline *clines;
    uint32_t nclines, clines_cap;
    bool con_open_line; /* the last line has no newline yet */
};

void viz_index_init(struct viz_index *ix, const struct viz_alloc *a);
/*
 * Take in records [ix->nrecs, n) of recs (the caller's array of every record so far: it
 * may have moved since the last call, but its first ix->nrecs records are unchanged).
 * Returns false when memory ran out (ix->oom; what was indexed stays usable).
 */
bool viz_index_feed(struct viz_index *ix, const struct trace_rec *recs, size_t n);
void viz_index_free(struct viz_index *ix);
/* Bytes the index holds (not counting the records themselves). */
size_t viz_index_bytes(const struct viz_index *ix);

/* The lane of thread tid, or NULL. */
const struct viz_lane *viz_lane_of_tid(const struct viz_index *ix, uint32_t tid);
/* Interval of l in effect at t: the last starting at or before t; VIZ_NO_REC if none. */
uint32_t viz_lane_find(const struct viz_lane *l, uint64_t t);
/* End time of interval i of l (the next one's start; the last: its lane's end, or now). */
uint64_t viz_iv_end(const struct viz_index *ix, const struct viz_lane *l, uint32_t i);

/* Time the lane spent running, ready and blocked over [0, t). */
struct viz_sums {
    uint64_t run, ready, blocked;
};
/*
 * Sums up to t. *hint is an interval index to start from (UINT32_MAX: none); it is set
 * to the interval found, so a caller walking t upwards pays O(1) for each nearby step
 * and O(log n) for a far one (galloping search).
 */
struct viz_sums viz_lane_sum(const struct viz_lane *l, uint64_t t, uint32_t *hint);

/* First arrow with t_send >= t (narrows if none). */
uint32_t viz_arrow_lower(const struct viz_index *ix, uint64_t t);
/* First mark with t >= t (nmarks if none). */
uint32_t viz_mark_lower(const struct viz_index *ix, uint64_t t);
/* First console line with t > t (nclines if none): lines [0, result) were printed by t. */
uint32_t viz_cline_upper(const struct viz_index *ix, uint64_t t);

#endif /* TWAIN_VIZ_INDEX_H */
