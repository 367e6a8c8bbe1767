/* SPDX-License-Identifier: MIT */
/*
 * viz/describe.h - the text of the details panel (one selected slice: its system calls
 * and their arguments and results, what it waited on and for how long, how it ended) and
 * of the per-thread statistics panel. Each reads a bounded number of records around the
 * slice, never the whole trace.
 */
#ifndef TWAIN_VIZ_DESCRIBE_H
#define TWAIN_VIZ_DESCRIBE_H

#include <stdint.h>

#include "index.h"

#define VIZ_TEXT_LINES 20
#define VIZ_TEXT_COLS  56

struct viz_text {
    uint32_t n;
    char line[VIZ_TEXT_LINES][VIZ_TEXT_COLS];
    uint32_t color[VIZ_TEXT_LINES]; /* 0: the default text colour */
};

/* Describe interval iv of lane index li. */
void viz_describe(const struct viz_index *ix, uint32_t li, uint32_t iv, struct viz_text *out);
/* The label of a lane: "server t1" (task name, thread id). */
void viz_lane_label(const struct viz_index *ix, const struct viz_lane *l, char *buf, size_t len);
/* Whole-run totals of a lane up to the index's last record. */
struct viz_lane_stats {
    uint64_t run, ready, blocked, max_latency;
    uint32_t switches;
};
void viz_lane_stats(const struct viz_index *ix, const struct viz_lane *l, struct viz_lane_stats *s);

#endif /* TWAIN_VIZ_DESCRIBE_H */
