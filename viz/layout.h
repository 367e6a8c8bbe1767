/* SPDX-License-Identifier: MIT */
/*
 * viz/layout.h - what part of the trace is shown (the view: a time window, a lane scroll
 * position, the selection) and where everything sits on the screen (the layout), with
 * the mappings between pixels and virtual time, lanes and rows. Integer arithmetic only.
 *
 *   +--------------------------------------------------------------+-------------+
 *   | header: title, status, keys                                                |
 *   | labels  | time axis (ticks, timer marks)                       | details     |
 *   | CPU     | CPU load strip                                       | (selected   |
 *   | task t1 | lane: running / ready / blocked slices, IPC arrows   |  slice)     |
 *   |    ...  | ...                                                  +-------------+
 *   +---------+------------------------------------------------------+ statistics  |
 *   | console pane (console:// output, and input when focused)      | per thread  |
 *   +----------------------------------------------------------------+-------------+
 */
#ifndef TWAIN_VIZ_LAYOUT_H
#define TWAIN_VIZ_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "index.h"

#define VIZ_MIN_SPAN 50ull        /* ns across the plot, fully zoomed in */
#define VIZ_MAX_SPAN (1ull << 48) /* about 78 hours: keeps the pixel maths in 64 bits */
#define VIZ_MAX_W    8192
#define VIZ_MAX_H    8192

struct viz_view {
    uint64_t t0;          /* virtual time at the plot's left edge */
    uint64_t span;        /* virtual ns across the plot's width */
    uint32_t lane_scroll; /* display position of the first lane shown */
    bool follow;          /* live: keep the newest time at the right edge */
    bool has_sel;         /* a slice is selected: lane index and interval */
    uint32_t sel_lane, sel_iv;
    bool has_cursor; /* a record is the cursor (stepping): drawn as a line */
    uint32_t cursor_rec;
};

struct viz_layout {
    int w, h;
    int header_h;
    int label_w;          /* lane labels: [0, label_w) */
    int plot_x0, plot_x1; /* the time plot: [plot_x0, plot_x1) */
    int panel_x0;         /* details and statistics: [panel_x0, w) */
    int axis_y, axis_h;
    int cpu_y, cpu_h;
    int lanes_y0, lanes_y1; /* lanes: [lanes_y0, lanes_y1) */
    int lane_h;
    uint32_t lanes_fit; /* lanes that fit at once */
    int console_y0, console_y1;
    int details_y0, details_y1;
    int stats_y0, stats_y1;
};

/* The layout of a w x h screen showing nlanes lanes. */
void viz_layout_compute(struct viz_layout *L, int w, int h, uint32_t nlanes);

/*
 * Screen x of time t (may lie far outside the plot); and the first time drawn in column x
 * (viz_x_of(viz_t_of(x)) == x whenever a column spans at least a nanosecond).
 */
int64_t viz_x_of(const struct viz_layout *L, const struct viz_view *v, uint64_t t);
uint64_t viz_t_of(const struct viz_layout *L, const struct viz_view *v, int64_t x);
/* Top y of the lane at display position pos, or -1 when it is scrolled out of sight. */
int viz_lane_y(const struct viz_layout *L, const struct viz_view *v, uint32_t pos);
/* Display position of lane index li (its place in ix->order); UINT32_MAX if unknown. */
uint32_t viz_lane_pos(const struct viz_index *ix, uint32_t li);

/* Show the whole trace (first to last record). */
void viz_view_fit(struct viz_view *v, const struct viz_index *ix);
/* Zoom by num/den (> 1 zooms out) keeping the time under screen x in place. */
void viz_view_zoom(struct viz_view *v, const struct viz_layout *L, int x, uint64_t num,
                   uint64_t den);
/* Pan by dx pixels (positive moves the view to earlier times, as dragging right does). */
void viz_view_pan(struct viz_view *v, const struct viz_layout *L, int64_t dx);
/* Scroll lanes by n (negative: up), within [0, nlanes - fit]. */
void viz_view_scroll(struct viz_view *v, const struct viz_layout *L, const struct viz_index *ix,
                     int n);
/* Keep the view within sane bounds (span limits, no time before 0). */
void viz_view_clamp(struct viz_view *v);

enum viz_hit { VIZ_HIT_NONE = 0, VIZ_HIT_SLICE, VIZ_HIT_LANE_EMPTY, VIZ_HIT_CONSOLE, VIZ_HIT_PLOT };

/* What is at (x, y): for a slice, its lane index and interval. */
enum viz_hit viz_pick(const struct viz_index *ix, const struct viz_view *v,
                      const struct viz_layout *L, int x, int y, uint32_t *lane, uint32_t *iv);

#endif /* TWAIN_VIZ_LAYOUT_H */
