/* SPDX-License-Identifier: MIT */
/*
 * viz/layout.c - screen layout, pixel <-> time mappings, zoom, pan and picking (see
 * layout.h).
 */
#include "layout.h"

#include "../core/kassert.h"
#include "../core/klib.h"
#include "font.h"

#define HEADER_H   18
#define LABEL_W    150
#define PANEL_W    336
#define AXIS_H     22
#define CPU_H      26
#define LANE_H_MAX 26
#define LANE_H_MIN 10
#define CONSOLE_H  158
#define GAP        4

void viz_layout_compute(struct viz_layout *L, int w, int h, uint32_t nlanes)
{
    K_ASSERT(w > 0 && h > 0 && w <= VIZ_MAX_W && h <= VIZ_MAX_H);
    k_memset(L, 0, sizeof(*L));
    L->w = w;
    L->h = h;
    L->header_h = HEADER_H;
    int panel_w = w >= 900 ? PANEL_W : w / 3;
    int label_w = w >= 600 ? LABEL_W : w / 4;
    L->label_w = label_w;
    L->plot_x0 = label_w;
    L->panel_x0 = w - panel_w;
    L->plot_x1 = L->panel_x0 - GAP > L->plot_x0 + 1 ? L->panel_x0 - GAP : L->plot_x0 + 1;
    L->axis_y = HEADER_H;
    L->axis_h = AXIS_H;
    L->cpu_y = L->axis_y + AXIS_H;
    L->cpu_h = CPU_H;
    int console_h = h >= 500 ? CONSOLE_H : h / 4;
    L->console_y1 = h;
    L->console_y0 = h - console_h;
    L->lanes_y0 = L->cpu_y + CPU_H + GAP;
    L->lanes_y1 = L->console_y0 - GAP > L->lanes_y0 ? L->console_y0 - GAP : L->lanes_y0;
    int avail = L->lanes_y1 - L->lanes_y0;
    int lh = LANE_H_MAX;
    while (lh > LANE_H_MIN && nlanes > 0 && (uint64_t)lh * nlanes > (uint64_t)avail)
        lh--;
    L->lane_h = lh;
    L->lanes_fit = (uint32_t)(avail / lh);
    L->details_y0 = HEADER_H;
    L->details_y1 = HEADER_H + (h - HEADER_H) * 9 / 20;
    L->stats_y0 = L->details_y1;
    L->stats_y1 = h;
}

int64_t viz_x_of(const struct viz_layout *L, const struct viz_view *v, uint64_t t)
{
    int64_t W = L->plot_x1 - L->plot_x0;
    uint64_t d = t >= v->t0 ? t - v->t0 : v->t0 - t;
    K_ASSERT(v->span >= 1 && v->span <= VIZ_MAX_SPAN);
    if (d / v->span > 64) /* far outside: any far point will do, without overflow */
        return t >= v->t0 ? L->plot_x1 + 64 * W : L->plot_x0 - 64 * W;
    /* d * W / span split in two so that nothing overflows: d < 65 spans, W < 2^14 */
    int64_t px = (int64_t)((d / v->span) * (uint64_t)W + (d % v->span) * (uint64_t)W / v->span);
    return t >= v->t0 ? L->plot_x0 + px : L->plot_x0 - px;
}

uint64_t viz_t_of(const struct viz_layout *L, const struct viz_view *v, int64_t x)
{
    uint64_t W = (uint64_t)(L->plot_x1 - L->plot_x0);
    K_ASSERT(W > 0 && v->span <= VIZ_MAX_SPAN);
    int64_t dx = x - L->plot_x0;
    uint64_t adx = dx >= 0 ? (uint64_t)dx : (uint64_t)-dx;
    /* rounded up: the first ns that viz_x_of puts in column x, so columns and times agree */
    uint64_t d = (adx / W) * v->span + ((adx % W) * v->span + W - 1) / W;
    if (dx >= 0)
        return v->t0 + d;
    return d > v->t0 ? 0 : v->t0 - d;
}

int viz_lane_y(const struct viz_layout *L, const struct viz_view *v, uint32_t pos)
{
    if (pos < v->lane_scroll || pos - v->lane_scroll >= L->lanes_fit)
        return -1;
    return L->lanes_y0 + (int)(pos - v->lane_scroll) * L->lane_h;
}

uint32_t viz_lane_pos(const struct viz_index *ix, uint32_t li)
{
    if (li >= ix->nlanes)
        return UINT32_MAX;
    K_ASSERT(ix->order[ix->lanes[li].pos] == li);
    return ix->lanes[li].pos;
}

void viz_view_clamp(struct viz_view *v)
{
    if (v->span < VIZ_MIN_SPAN)
        v->span = VIZ_MIN_SPAN;
    if (v->span > VIZ_MAX_SPAN)
        v->span = VIZ_MAX_SPAN;
    if (v->t0 > VIZ_MAX_SPAN * 4)
        v->t0 = VIZ_MAX_SPAN * 4;
}

void viz_view_fit(struct viz_view *v, const struct viz_index *ix)
{
    uint64_t span = ix->t_last - ix->t_first;
    v->span = span + span / 50 + 1; /* a little room after the end */
    v->t0 = ix->t_first;
    viz_view_clamp(v);
}

void viz_view_zoom(struct viz_view *v, const struct viz_layout *L, int x, uint64_t num,
                   uint64_t den)
{
    K_ASSERT(num > 0 && den > 0);
    if (x < L->plot_x0)
        x = L->plot_x0;
    if (x >= L->plot_x1)
        x = L->plot_x1 - 1;
    uint64_t at = viz_t_of(L, v, x);
    uint64_t span = v->span / den * num + v->span % den * num / den;
    if (span < VIZ_MIN_SPAN)
        span = VIZ_MIN_SPAN;
    if (span > VIZ_MAX_SPAN)
        span = VIZ_MAX_SPAN;
    v->span = span;
    /* keep `at` under x: t0 = at - (x - x0) * span / W */
    uint64_t W = (uint64_t)(L->plot_x1 - L->plot_x0), dx = (uint64_t)(x - L->plot_x0);
    uint64_t left = (dx / W) * span + (dx % W) * span / W;
    v->t0 = at > left ? at - left : 0;
    v->follow = false;
    viz_view_clamp(v);
}

void viz_view_pan(struct viz_view *v, const struct viz_layout *L, int64_t dx)
{
    uint64_t W = (uint64_t)(L->plot_x1 - L->plot_x0);
    uint64_t adx = dx >= 0 ? (uint64_t)dx : (uint64_t)-dx;
    uint64_t d = (adx / W) * v->span + (adx % W) * v->span / W;
    if (dx > 0)
        v->t0 = d > v->t0 ? 0 : v->t0 - d;
    else
        v->t0 += d;
    v->follow = false;
    viz_view_clamp(v);
}

void viz_view_scroll(struct viz_view *v, const struct viz_layout *L, const struct viz_index *ix,
                     int n)
{
    int64_t max = (int64_t)ix->nlanes - (int64_t)L->lanes_fit;
    int64_t s = (int64_t)v->lane_scroll + n;
    if (s > max)
        s = max;
    if (s < 0)
        s = 0;
    v->lane_scroll = (uint32_t)s;
}

enum viz_hit viz_pick(const struct viz_index *ix, const struct viz_view *v,
                      const struct viz_layout *L, int x, int y, uint32_t *lane, uint32_t *iv)
{
    K_ASSERT(lane != NULL && iv != NULL);
    if (y >= L->console_y0 && x < L->panel_x0)
        return VIZ_HIT_CONSOLE;
    if (x < L->plot_x0 || x >= L->plot_x1 || y < L->lanes_y0 || y >= L->lanes_y1)
        return x >= L->plot_x0 && x < L->plot_x1 && y >= L->axis_y ? VIZ_HIT_PLOT : VIZ_HIT_NONE;
    uint32_t pos = v->lane_scroll + (uint32_t)((y - L->lanes_y0) / L->lane_h);
    if (pos >= ix->nlanes || pos - v->lane_scroll >= L->lanes_fit)
        return VIZ_HIT_PLOT;
    uint32_t li = ix->order[pos];
    const struct viz_lane *l = &ix->lanes[li];
    uint64_t t = viz_t_of(L, v, x);
    uint32_t i = t <= ix->t_last ? viz_lane_find(l, t) : VIZ_NO_REC;
    *lane = li;
    if (i == VIZ_NO_REC || l->iv[i].state == VIZ_GONE)
        return VIZ_HIT_LANE_EMPTY;
    *iv = i;
    return VIZ_HIT_SLICE;
}
