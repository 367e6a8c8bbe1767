/* SPDX-License-Identifier: MIT */
/*
 * viz/render.c - the time plot of a frame: axis, CPU strip, lanes and their slices, IPC
 * arrows, markers, selection and cursor (see render.h). The panels around it are in
 * render_panels.c.
 */
#include "render.h"

#include "../core/kassert.h"
#include "../core/klib.h"
#include "font.h"
#include "fmt.h"
#include "render_int.h"

#define TICK_MIN_PX   110
#define LABEL_MIN_IVS 400 /* above this many intervals in view, slices get no text */
#define C_GRID        0x2a2a36u
#define C_AXIS_BG     0x1e1e2au

int viz_lane_mid(const struct viz_layout *L, const struct viz_view *v, uint32_t pos)
{
    int y = viz_lane_y(L, v, pos);
    return y < 0 ? -1 : y + (L->lane_h - 1) / 2;
}

int viz_bar_half(const struct viz_layout *L, uint8_t state)
{
    int full = (L->lane_h - 1) / 2 - 1;
    switch (state) {
    case VIZ_RUN:
        return full;
    case VIZ_READY:
        return full / 2;
    case VIZ_BLOCKED:
        return 1;
    default:
        return 0;
    }
}

/* The last time with data: nothing is drawn after it. */
uint64_t viz_r_data_end(const struct viz_index *ix)
{
    return ix->t_last;
}

/* ---- axis --------------------------------------------------------------------------- */

static uint64_t tick_step(const struct viz_layout *L, const struct viz_view *v)
{
    uint64_t W = (uint64_t)(L->plot_x1 - L->plot_x0);
    uint64_t min = v->span / W * TICK_MIN_PX + (v->span % W) * TICK_MIN_PX / W;
    uint64_t step = 1;
    for (int i = 0; i < 60 && step < min; i++) /* 1, 2, 5, 10, 20, 50 ... */
        step = (i % 3 == 1) ? step / 2 * 5 : step * 2;
    return step < 1 ? 1 : step;
}

static void draw_axis(struct viz_fb *fb, const struct viz_layout *L, const struct viz_view *v)
{
    viz_fill(fb, L->plot_x0, L->axis_y, L->plot_x1 - L->plot_x0, L->axis_h, C_AXIS_BG);
    uint64_t step = tick_step(L, v);
    uint64_t unit = viz_unit_for(v->t0 + v->span);
    unsigned dec = 0;
    for (uint64_t s = step; s < unit && dec < 9; s *= 10)
        dec++;
    uint64_t t = (v->t0 + step - 1) / step * step;
    char text[40];
    viz_fb_clip(fb, L->plot_x0, L->axis_y, L->plot_x1, L->lanes_y1);
    for (int n = 0; n < 200 && t <= v->t0 + v->span; n++, t += step) {
        int x = (int)viz_x_of(L, v, t);
        viz_vline(fb, x, L->axis_y + L->axis_h - 6, L->axis_y + L->axis_h - 1, VIZ_C_DIM);
        viz_vline(fb, x, L->cpu_y, L->lanes_y1 - 1, C_GRID);
        viz_fmt_fixed(text, sizeof(text), t, unit, dec);
        viz_text(fb, x + 3, L->axis_y + 2, text, VIZ_C_TEXT);
    }
    viz_fb_unclip(fb);
}

/* ---- CPU strip ---------------------------------------------------------------------- */

static void draw_cpu(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                     const struct viz_view *v)
{
    int W = L->plot_x1 - L->plot_x0, hmax = L->cpu_h - 2;
    viz_fill(fb, L->plot_x0, L->cpu_y, W, L->cpu_h, 0x101016u);
    uint32_t hint = UINT32_MAX;
    uint64_t end = viz_r_data_end(ix);
    uint64_t ta = viz_t_of(L, v, L->plot_x0);
    if (ta > end)
        return;
    struct viz_sums s0 = viz_lane_sum(&ix->cpu, ta, &hint);
    for (int c = 0; c < W && ta < end; c++) {
        uint64_t tb = viz_t_of(L, v, L->plot_x0 + c + 1);
        tb = tb > end ? end : tb;
        int h;
        if (tb <= ta) {
            h = hint < ix->cpu.niv && ix->cpu.iv[hint].state == VIZ_RUN ? hmax : 0;
        } else {
            struct viz_sums s1 = viz_lane_sum(&ix->cpu, tb, &hint);
            h = (int)((s1.run - s0.run) * (uint64_t)hmax / (tb - ta));
            if (h == 0 && s1.run > s0.run)
                h = 1;
            s0 = s1;
            ta = tb;
        }
        if (h > 0)
            viz_vline(fb, L->plot_x0 + c, L->cpu_y + L->cpu_h - 1 - h, L->cpu_y + L->cpu_h - 2,
                      VIZ_C_CPU);
    }
}

/* ---- lanes -------------------------------------------------------------------------- */

static uint32_t blocked_color(const struct viz_index *ix, const struct viz_iv *iv)
{
    const struct trace_rec *r = &ix->recs[iv->rec];
    return r->type == TR_BLOCK && (r->b >> 32) == 0 ? VIZ_C_SLEEP : VIZ_C_BLOCKED;
}

/* One pixel column of a lane with the given ns in each state (a pure column: one state). */
static void lane_column(struct viz_fb *fb, const struct viz_layout *L, int x, int mid,
                        const struct viz_sums *d, uint32_t blocked_c)
{
    uint64_t wait = d->ready + d->blocked, total = d->run + wait;
    if (total == 0)
        return;
    int hr = viz_bar_half(L, VIZ_RUN), hy = viz_bar_half(L, VIZ_READY);
    int hb = viz_bar_half(L, VIZ_BLOCKED);
    if (wait > 0) {
        int h = (int)((d->ready * (uint64_t)hy + d->blocked * (uint64_t)hb) / wait);
        uint32_t c = viz_mix(blocked_c, VIZ_C_READY, (uint32_t)(d->ready * 256 / wait));
        viz_vline(fb, x, mid - h, mid + h, c);
    }
    if (d->run > 0) {
        int h = (int)(d->run * (uint64_t)hr / total);
        viz_vline(fb, x, mid - h, mid + h, VIZ_C_RUN);
    }
}

/* The slices of one lane, column by column: two galloping searches per column. */
static void lane_slices(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                        const struct viz_view *v, const struct viz_lane *l, int mid)
{
    int W = L->plot_x1 - L->plot_x0;
    uint32_t hint = UINT32_MAX;
    uint64_t end = viz_r_data_end(ix);
    uint64_t ta = viz_t_of(L, v, L->plot_x0);
    if (l->niv == 0 || ta > end)
        return;
    struct viz_sums s0 = viz_lane_sum(l, ta, &hint);
    for (int c = 0; c < W && ta < end; c++) {
        uint64_t tb = viz_t_of(L, v, L->plot_x0 + c + 1);
        tb = tb > end ? end : tb;
        struct viz_sums d = {0, 0, 0};
        uint32_t bc = VIZ_C_BLOCKED;
        if (tb <= ta) { /* less than a ns a column: the interval in effect at ta */
            uint32_t i = viz_lane_find(l, ta);
            if (i == VIZ_NO_REC)
                continue;
            d.run = l->iv[i].state == VIZ_RUN;
            d.ready = l->iv[i].state == VIZ_READY;
            d.blocked = l->iv[i].state == VIZ_BLOCKED;
            bc = blocked_color(ix, &l->iv[i]);
        } else {
            uint32_t at_ta = hint; /* the interval in effect at ta (after the first sum) */
            struct viz_sums s1 = viz_lane_sum(l, tb, &hint);
            d.run = s1.run - s0.run;
            d.ready = s1.ready - s0.ready;
            d.blocked = s1.blocked - s0.blocked;
            if (d.blocked > 0 && d.run == 0 && d.ready == 0 && at_ta < l->niv)
                bc = blocked_color(ix, &l->iv[at_ta]);
            s0 = s1;
            ta = tb;
        }
        lane_column(fb, L, L->plot_x0 + c, mid, &d, bc);
    }
}

/* Short text inside slices wide enough for it (only when few intervals are in view). */
static void lane_texts(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                       const struct viz_view *v, const struct viz_lane *l, int mid)
{
    uint64_t t0 = v->t0, t1 = v->t0 + v->span;
    uint32_t lo = viz_lane_find(l, t0), hi = viz_lane_find(l, t1);
    lo = lo == VIZ_NO_REC ? 0 : lo;
    if (hi == VIZ_NO_REC || hi - lo > LABEL_MIN_IVS || L->lane_h < VIZ_FONT_H)
        return;
    char text[32];
    for (uint32_t i = lo; i <= hi && i < l->niv; i++) {
        const struct viz_iv *iv = &l->iv[i];
        if (iv->state != VIZ_BLOCKED && iv->state != VIZ_READY)
            continue;
        int64_t x0 = viz_x_of(L, v, iv->t0), x1 = viz_x_of(L, v, viz_iv_end(ix, l, i));
        x0 = x0 < L->plot_x0 ? L->plot_x0 : x0;
        x1 = x1 > L->plot_x1 ? L->plot_x1 : x1;
        const struct trace_rec *r = &ix->recs[iv->rec];
        if (iv->state == VIZ_READY)
            k_snprintf(text, sizeof(text), "ready");
        else if (r->type == TR_BLOCK && (r->b >> 32) == 0)
            k_snprintf(text, sizeof(text), "sleep");
        else if (r->type == TR_BLOCK)
            k_snprintf(text, sizeof(text), "obj %llu", (unsigned long long)r->a);
        else
            k_snprintf(text, sizeof(text), "blocked");
        int tw = viz_text_width(text);
        if (x1 - x0 < tw + 8)
            continue;
        int x = (int)(x0 + (x1 - x0 - tw) / 2);
        viz_fill(fb, x - 2, mid - VIZ_FONT_H / 2, tw + 4, VIZ_FONT_H, VIZ_C_LANE_A);
        viz_text(fb, x, mid - VIZ_FONT_H / 2, text, VIZ_C_DIM);
    }
}

static void draw_lanes(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                       const struct viz_view *v)
{
    viz_fb_clip(fb, L->plot_x0, L->lanes_y0, L->plot_x1, L->lanes_y1);
    for (uint32_t pos = v->lane_scroll; pos < ix->nlanes; pos++) {
        int mid = viz_lane_mid(L, v, pos);
        if (mid < 0)
            break;
        const struct viz_lane *l = &ix->lanes[ix->order[pos]];
        lane_slices(fb, L, ix, v, l, mid);
        lane_texts(fb, L, ix, v, l, mid);
    }
    viz_fb_unclip(fb);
}

/* Backgrounds and separators of lanes [scroll, ...): alternating, task ends marked. */
static void draw_lane_bgs(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                          const struct viz_view *v)
{
    for (uint32_t pos = v->lane_scroll; pos < ix->nlanes; pos++) {
        int y = viz_lane_y(L, v, pos);
        if (y < 0)
            break;
        bool last_of_task = pos + 1 >= ix->nlanes ||
                            ix->lanes[ix->order[pos + 1]].task != ix->lanes[ix->order[pos]].task;
        viz_fill(fb, 0, y, L->plot_x1, L->lane_h - 1, pos % 2 ? VIZ_C_LANE_B : VIZ_C_LANE_A);
        viz_hline(fb, 0, L->plot_x1 - 1, y + L->lane_h - 1,
                  last_of_task ? VIZ_C_TASK_SEP : VIZ_C_LANE_SEP);
    }
}

void viz_render(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                const struct viz_view *v, const struct viz_status *st)
{
    K_ASSERT(fb->w == L->w && fb->h == L->h);
    K_ASSERT(v->span >= 1 && v->span <= VIZ_MAX_SPAN);
    viz_fb_unclip(fb);
    viz_fill(fb, 0, 0, fb->w, fb->h, VIZ_C_BG);
    draw_lane_bgs(fb, L, ix, v);
    draw_axis(fb, L, v);
    if (ix->nrecs > 0) {
        draw_cpu(fb, L, ix, v);
        draw_lanes(fb, L, ix, v);
        viz_r_marks(fb, L, ix, v);
        viz_r_arrows(fb, L, ix, v);
        viz_r_selection(fb, L, ix, v);
    }
    viz_r_labels(fb, L, ix, v);
    viz_r_header(fb, L, ix, v, st);
    viz_r_console(fb, L, ix, v, st);
    viz_r_details(fb, L, ix, v);
    viz_r_stats(fb, L, ix, v);
}
