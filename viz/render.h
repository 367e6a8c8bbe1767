/* SPDX-License-Identifier: MIT */
/*
 * viz/render.h - drawing one frame of the scheduling view into a pixel buffer: header,
 * time axis with timer marks, CPU load strip, one lane per thread grouped by task with
 * state slices, IPC arrows and markers, the console pane, the details panel of the
 * selected slice and the per-thread statistics.
 *
 * A frame's cost depends on the screen, not on the trace: per lane and pixel column two
 * galloping searches (viz_lane_sum), and arrows and markers thinned to about one per
 * column when more than that fall in view.
 */
#ifndef TWAIN_VIZ_RENDER_H
#define TWAIN_VIZ_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "fb.h"
#include "index.h"
#include "layout.h"

/* Colours (0x00RRGGBB). Tests read pixels against these. */
#define VIZ_C_BG       0x16161cu
#define VIZ_C_LANE_A   0x1c1c24u
#define VIZ_C_LANE_B   0x212129u
#define VIZ_C_LANE_SEP 0x2e2e3au /* the last pixel row of every lane */
#define VIZ_C_TASK_SEP 0x5a5a78u /* the last row of a task's last lane */
#define VIZ_C_RUN      0x3cc35au
#define VIZ_C_READY    0xe0a030u
#define VIZ_C_BLOCKED  0x4a6fa5u
#define VIZ_C_SLEEP    0x7a5fa0u
#define VIZ_C_ARROW    0xe060f0u
#define VIZ_C_TIMER    0xffd24au
#define VIZ_C_FAULT    0xff3b3bu
#define VIZ_C_EXIT     0xf0f0f0u
#define VIZ_C_EXPECT   0xff8c1au
#define VIZ_C_CPU      0x2f9e4au
#define VIZ_C_TEXT     0xd8d8e0u
#define VIZ_C_DIM      0x8a8aa0u
#define VIZ_C_HEADER   0x26263cu
#define VIZ_C_PANEL    0x1a1a22u
#define VIZ_C_SELECT   0xffffffu
#define VIZ_C_CURSOR   0xff8040u

/* What the host adds to a frame: the state of the run and of the console input. */
struct viz_status {
    const char *title;         /* scenario name */
    const char *state;         /* "LIVE", "PAUSED", "ENDED", "REPLAY" ... */
    const char *speed;         /* "5 ms/s", "max"; NULL: not shown */
    const char *hint;          /* the keys, NULL: a default line */
    bool console_focus;        /* typed keys go to console:// readers */
    const char *console_input; /* typed and not yet delivered */
};

/* Draw the frame for view v of ix into fb with layout L (computed for fb's size). */
void viz_render(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                const struct viz_view *v, const struct viz_status *st);

/* Pixel y of the middle of the lane at display position pos (-1: not visible). */
int viz_lane_mid(const struct viz_layout *L, const struct viz_view *v, uint32_t pos);
/*
 * When more arrows (or timer marks) fall in view than `per_column` times the plot's pixel
 * columns, only every stride-th is drawn (counting from the first in view).
 */
#define VIZ_ARROWS_PER_COLUMN 2
uint32_t viz_thin_stride(uint32_t count, int columns, int per_column);
/* Half-heights of the bars: running fills the lane, ready half of it, blocked a line. */
int viz_bar_half(const struct viz_layout *L, uint8_t state);

#endif /* TWAIN_VIZ_RENDER_H */
