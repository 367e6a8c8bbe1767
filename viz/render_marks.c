/* SPDX-License-Identifier: MIT */
/*
 * viz/render_marks.c - what is drawn over the lanes: IPC arrows from sender to receiver,
 * markers (timer fires, faults, exits, failed expectations, the end), the selected slice
 * and the stepping cursor. When more items fall in view than there are pixel columns,
 * every k-th is drawn, so a frame stays bounded however far it is zoomed out.
 */
#include "../core/kassert.h"
#include "font.h"
#include "render_int.h"

#define MARKS_PER_COLUMN 2

uint32_t viz_thin_stride(uint32_t count, int columns, int per_column)
{
    uint64_t budget = (uint64_t)columns * (uint64_t)per_column;
    return count > budget ? (uint32_t)(count / budget) + 1 : 1;
}

static void arrow_head(struct viz_fb *fb, int x0, int y0, int x1, int y1, uint32_t c)
{
    int dx = x1 - x0, dy = y1 - y0;
    int sx = dx > 0 ? 1 : (dx < 0 ? -1 : 0), sy = dy > 0 ? 1 : (dy < 0 ? -1 : 0);
    if (dy == 0 && dx == 0)
        return;
    /* a small chevron behind the tip, leaning on the main direction of the line */
    if (sy != 0) {
        viz_line(fb, x1, y1, x1 - 3, y1 - 4 * sy, c);
        viz_line(fb, x1, y1, x1 + 3, y1 - 4 * sy, c);
    } else {
        viz_line(fb, x1, y1, x1 - 4 * sx, y1 - 3, c);
        viz_line(fb, x1, y1, x1 - 4 * sx, y1 + 3, c);
    }
}

void viz_r_arrows(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                  const struct viz_view *v)
{
    uint64_t t1 = v->t0 + v->span;
    uint64_t from = v->t0 > ix->max_arrow_span ? v->t0 - ix->max_arrow_span : 0;
    uint32_t lo = viz_arrow_lower(ix, from), hi = viz_arrow_lower(ix, t1 + 1);
    uint32_t stride = viz_thin_stride(hi - lo, L->plot_x1 - L->plot_x0, VIZ_ARROWS_PER_COLUMN);
    viz_fb_clip(fb, L->plot_x0, L->lanes_y0, L->plot_x1, L->lanes_y1);
    for (uint32_t i = lo; i < hi; i += stride) {
        const struct viz_arrow *a = &ix->arrows[i];
        if (a->t_recv == UINT64_MAX || a->t_recv < v->t0 || a->from == UINT32_MAX ||
            a->to == UINT32_MAX)
            continue;
        int ys = viz_lane_mid(L, v, viz_lane_pos(ix, a->from));
        int yr = viz_lane_mid(L, v, viz_lane_pos(ix, a->to));
        if (ys < 0 && yr < 0)
            continue;
        if (ys < 0) /* the sender is scrolled away: come from the edge of the lanes */
            ys = viz_lane_pos(ix, a->from) < v->lane_scroll ? L->lanes_y0 : L->lanes_y1 - 1;
        if (yr < 0)
            yr = viz_lane_pos(ix, a->to) < v->lane_scroll ? L->lanes_y0 : L->lanes_y1 - 1;
        int xs = (int)viz_x_of(L, v, a->t_send), xr = (int)viz_x_of(L, v, a->t_recv);
        viz_line(fb, xs, ys, xr, yr, VIZ_C_ARROW);
        viz_fill(fb, xs - 1, ys - 1, 3, 3, VIZ_C_ARROW);
        arrow_head(fb, xs, ys, xr, yr, VIZ_C_ARROW);
    }
    viz_fb_unclip(fb);
}

/* A fault's red line over every visible lane of its task. */
static void fault_mark(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                       const struct viz_view *v, const struct viz_mark *m, int x)
{
    for (uint32_t pos = v->lane_scroll; pos < ix->nlanes; pos++) {
        int y = viz_lane_y(L, v, pos);
        if (y < 0)
            break;
        if (ix->lanes[ix->order[pos]].task != m->task)
            continue;
        viz_fill(fb, x - 1, y, 2, L->lane_h - 1, VIZ_C_FAULT);
        viz_text(fb, x + 2, y + (L->lane_h - VIZ_FONT_H) / 2,
                 m->kind == VIZ_MARK_CRASH ? "crash" : "killed", VIZ_C_FAULT);
    }
}

static void one_mark(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                     const struct viz_view *v, const struct viz_mark *m)
{
    int x = (int)viz_x_of(L, v, m->t);
    int y = m->lane != UINT32_MAX ? viz_lane_y(L, v, viz_lane_pos(ix, m->lane)) : -1;
    int ab = L->axis_y + L->axis_h;
    switch (m->kind) {
    case VIZ_MARK_TIMER: /* a small triangle hanging from the axis */
        for (int r = 0; r < 4; r++)
            viz_hline(fb, x - 3 + r, x + 3 - r, ab - 6 + r, VIZ_C_TIMER);
        break;
    case VIZ_MARK_KILL:
    case VIZ_MARK_CRASH:
        fault_mark(fb, L, ix, v, m, x);
        break;
    case VIZ_MARK_EXIT:
        if (y >= 0)
            viz_fill(fb, x, y + 1, 2, L->lane_h - 3, VIZ_C_EXIT);
        break;
    case VIZ_MARK_EXPECT:
        if (y >= 0)
            viz_text(fb, x - 2, y + (L->lane_h - VIZ_FONT_H) / 2, "!", VIZ_C_EXPECT);
        break;
    case VIZ_MARK_END:
        for (int yy = L->cpu_y; yy < L->lanes_y1; yy += 4)
            viz_vline(fb, x, yy, yy + 1, VIZ_C_DIM);
        break;
    default:
        break;
    }
}

void viz_r_marks(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                 const struct viz_view *v)
{
    uint32_t lo = viz_mark_lower(ix, v->t0), hi = viz_mark_lower(ix, v->t0 + v->span + 1);
    uint32_t stride = viz_thin_stride(hi - lo, L->plot_x1 - L->plot_x0, MARKS_PER_COLUMN);
    viz_fb_clip(fb, L->plot_x0, L->axis_y, L->plot_x1, L->lanes_y1);
    for (uint32_t i = lo; i < hi; i++) {
        const struct viz_mark *m = &ix->marks[i];
        /* thin out only the frequent kind; faults, exits and the end always show */
        if (m->kind == VIZ_MARK_TIMER && stride > 1 && (i - lo) % stride != 0)
            continue;
        one_mark(fb, L, ix, v, m);
    }
    viz_fb_unclip(fb);
}

void viz_r_selection(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                     const struct viz_view *v)
{
    viz_fb_clip(fb, L->plot_x0, L->axis_y, L->plot_x1, L->lanes_y1);
    if (v->has_sel && v->sel_lane < ix->nlanes && v->sel_iv < ix->lanes[v->sel_lane].niv) {
        const struct viz_lane *l = &ix->lanes[v->sel_lane];
        int y = viz_lane_y(L, v, viz_lane_pos(ix, v->sel_lane));
        int64_t x0 = viz_x_of(L, v, l->iv[v->sel_iv].t0);
        int64_t x1 = viz_x_of(L, v, viz_iv_end(ix, l, v->sel_iv));
        x0 = x0 < L->plot_x0 - 2 ? L->plot_x0 - 2 : x0;
        x1 = x1 > L->plot_x1 + 2 ? L->plot_x1 + 2 : x1;
        if (y >= 0)
            viz_rect(fb, (int)x0 - 1, y, (int)(x1 - x0) + 2, L->lane_h - 1, VIZ_C_SELECT);
    }
    if (v->has_cursor && v->cursor_rec < ix->nrecs) {
        int x = (int)viz_x_of(L, v, ix->recs[v->cursor_rec].time);
        viz_vline(fb, x, L->axis_y, L->lanes_y1 - 1, VIZ_C_CURSOR);
    }
    viz_fb_unclip(fb);
}
