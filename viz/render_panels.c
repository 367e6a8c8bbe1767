/* SPDX-License-Identifier: MIT */
/*
 * viz/render_panels.c - the panels around the time plot: lane labels grouped by task,
 * the header, the console pane, the details of the selected slice and the per-thread
 * statistics.
 */
#include "../core/kassert.h"
#include "../core/klib.h"
#include "describe.h"
#include "font.h"
#include "fmt.h"
#include "render_int.h"

#define ROW_H 14
#define PAD   6

static const uint32_t task_colors[] = {0x5b8def, 0xef8d5b, 0x5bef9a, 0xd35bef,
                                       0xefd35b, 0x5bd6ef, 0xef5b7e, 0x9aef5b};

void viz_r_labels(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                  const struct viz_view *v)
{
    char text[40];
    viz_fb_clip(fb, 0, L->cpu_y, L->label_w - 2, L->lanes_y1);
    uint32_t hint = UINT32_MAX;
    uint64_t a = viz_t_of(L, v, L->plot_x0), b = viz_t_of(L, v, L->plot_x1);
    b = b > ix->t_last ? ix->t_last : b;
    uint64_t busy = 0;
    if (ix->cpu.niv > 0 && b > a) {
        struct viz_sums sa = viz_lane_sum(&ix->cpu, a, &hint);
        busy = (viz_lane_sum(&ix->cpu, b, &hint).run - sa.run) * 100 / (b - a);
    }
    k_snprintf(text, sizeof(text), "CPU %llu%%", (unsigned long long)busy);
    viz_text(fb, PAD, L->cpu_y + (L->cpu_h - VIZ_FONT_H) / 2, text, VIZ_C_TEXT);
    for (uint32_t pos = v->lane_scroll; pos < ix->nlanes; pos++) {
        int y = viz_lane_y(L, v, pos);
        if (y < 0)
            break;
        const struct viz_lane *l = &ix->lanes[ix->order[pos]];
        bool first = pos == 0 || ix->lanes[ix->order[pos - 1]].task != l->task;
        viz_fill(fb, 0, y, 4, L->lane_h - 1, task_colors[l->task % K_ARRAY_SIZE(task_colors)]);
        int ty = y + (L->lane_h - 1 - VIZ_FONT_H) / 2;
        if (first || pos == v->lane_scroll) {
            const char *name =
                l->task >= 1 && l->task <= ix->ntasks ? ix->tasks[l->task - 1].name : "?";
            viz_text(fb, PAD + 2, ty, name, VIZ_C_TEXT);
        }
        k_snprintf(text, sizeof(text), "t%u", l->tid);
        viz_text(fb, L->label_w - 8 - viz_text_width(text), ty, text,
                 l->end != UINT64_MAX ? VIZ_C_DIM : VIZ_C_TEXT);
    }
    viz_fb_unclip(fb);
}

void viz_r_header(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                  const struct viz_view *v, const struct viz_status *st)
{
    char text[256], a[32], b[32], px[32];
    viz_fill(fb, 0, 0, L->w, L->header_h, VIZ_C_HEADER);
    viz_fmt_time(a, sizeof(a), v->t0);
    viz_fmt_time(b, sizeof(b), v->t0 + v->span);
    uint64_t W = (uint64_t)(L->plot_x1 - L->plot_x0);
    viz_fmt_time(px, sizeof(px), v->span / W > 0 ? v->span / W : 1);
    int x = viz_text(fb, PAD, 3, "Twain", VIZ_C_TEXT);
    k_snprintf(text, sizeof(text), "  %s   %s%s%s   view %s .. %s (%s%s/px)   %llu records",
               st->title != NULL ? st->title : "", st->state != NULL ? st->state : "",
               st->speed != NULL ? "  speed " : "", st->speed != NULL ? st->speed : "", a, b,
               v->span / W > 0 ? "" : "<", px, (unsigned long long)ix->nrecs);
    x = viz_text(fb, x, 3, text, VIZ_C_DIM);
    if (v->has_cursor && v->cursor_rec < ix->nrecs) {
        char rec[160];
        viz_fmt_record(rec, sizeof(rec), &ix->recs[v->cursor_rec]);
        k_snprintf(text, sizeof(text), "   #%u %s", v->cursor_rec, rec);
        viz_text(fb, x, 3, text, VIZ_C_CURSOR);
    }
}

static void console_input_line(struct viz_fb *fb, int x, int y, const struct viz_status *st)
{
    int xe = viz_text(fb, x, y, "> ", VIZ_C_TIMER);
    xe = viz_text(fb, xe, y, st->console_input != NULL ? st->console_input : "", VIZ_C_TEXT);
    viz_fill(fb, xe + 1, y + 1, VIZ_FONT_W, VIZ_FONT_H - 2, VIZ_C_TEXT);
}

void viz_r_console(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                   const struct viz_view *v, const struct viz_status *st)
{
    int x0 = 0, x1 = L->panel_x0 - 4, y0 = L->console_y0, y1 = L->console_y1;
    viz_fill(fb, x0, y0, x1 - x0, y1 - y0, VIZ_C_PANEL);
    viz_fill(fb, x0, y0, x1 - x0, ROW_H + 2, VIZ_C_HEADER);
    viz_fb_clip(fb, x0, y0, x1, y1);
    viz_text(fb, PAD, y0 + 2, "console", VIZ_C_TEXT);
    const char *hint = st->hint != NULL ? st->hint
                                        : "space pause  right step  +/- speed  wheel zoom  "
                                          "drag pan  click slice  F12 screenshot  q quit";
    viz_text(fb, PAD + 8 * VIZ_FONT_W + 12, y0 + 2,
             st->console_focus ? "typing to console:// (Esc: stop)" : hint, VIZ_C_DIM);
    uint32_t below =
        ix->nlanes > v->lane_scroll + L->lanes_fit ? ix->nlanes - v->lane_scroll - L->lanes_fit : 0;
    if (below > 0 || v->lane_scroll > 0) { /* lanes out of sight: say so, and how to scroll */
        char more[48];
        k_snprintf(more, sizeof(more), "lanes: %u above, %u below (up/down)", v->lane_scroll,
                   below);
        int mx = x1 - PAD - viz_text_width(more);
        viz_fill(fb, mx - PAD, y0, x1 - mx + PAD, ROW_H + 2, VIZ_C_HEADER);
        viz_text(fb, mx, y0 + 2, more, VIZ_C_CURSOR);
    }
    int rows = (y1 - y0 - ROW_H - 4) / ROW_H - (st->console_focus ? 1 : 0);
    uint64_t tend = v->t0 + v->span;
    uint32_t upto = viz_cline_upper(ix, tend);
    uint32_t first = upto > (uint32_t)(rows > 0 ? rows : 0) ? upto - (uint32_t)rows : 0;
    char t[32];
    int y = y0 + ROW_H + 4;
    for (uint32_t i = first; i < upto; i++, y += ROW_H) {
        const struct viz_cline *c = &ix->clines[i];
        bool in_view = c->t >= v->t0;
        viz_fmt_time(t, sizeof(t), c->t);
        char pre[48];
        k_snprintf(pre, sizeof(pre), "%10s t%-3u ", t, c->tid);
        int x = viz_text(fb, PAD, y, pre, VIZ_C_DIM);
        viz_textn(fb, x, y, ix->con + c->off, c->len, in_view ? VIZ_C_TEXT : VIZ_C_DIM);
    }
    if (st->console_focus)
        console_input_line(fb, PAD, y1 - ROW_H - 1, st);
    viz_fb_unclip(fb);
}

void viz_r_details(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                   const struct viz_view *v)
{
    int x0 = L->panel_x0, y0 = L->details_y0, y1 = L->details_y1;
    viz_fill(fb, x0, y0, L->w - x0, y1 - y0, VIZ_C_PANEL);
    viz_fb_clip(fb, x0, y0, L->w, y1);
    viz_text(fb, x0 + PAD, y0 + 4, "Details", VIZ_C_TEXT);
    int y = y0 + 4 + ROW_H + 4;
    if (!v->has_sel || v->sel_lane >= ix->nlanes || v->sel_iv >= ix->lanes[v->sel_lane].niv) {
        viz_text(fb, x0 + PAD, y, "click a slice to see what it did,", VIZ_C_DIM);
        viz_text(fb, x0 + PAD, y + ROW_H, "what it waited on and for how long", VIZ_C_DIM);
        viz_fb_unclip(fb);
        return;
    }
    static struct viz_text txt; /* 2 KiB: kept off the (possibly small) stack */
    viz_describe(ix, v->sel_lane, v->sel_iv, &txt);
    for (uint32_t i = 0; i < txt.n && y + ROW_H <= y1; i++, y += ROW_H)
        viz_text(fb, x0 + PAD, y, txt.line[i], txt.color[i] != 0 ? txt.color[i] : VIZ_C_TEXT);
    viz_fb_unclip(fb);
}

static void stats_row(struct viz_fb *fb, int x, int y, const struct viz_index *ix,
                      const struct viz_lane *l, uint32_t color)
{
    struct viz_lane_stats s;
    char label[24], run[16], ready[16], blk[16], lat[16], row[96];
    viz_lane_stats(ix, l, &s);
    viz_lane_label(ix, l, label, sizeof(label));
    viz_fmt_time3(run, sizeof(run), s.run);
    viz_fmt_time3(ready, sizeof(ready), s.ready);
    viz_fmt_time3(blk, sizeof(blk), s.blocked);
    viz_fmt_time3(lat, sizeof(lat), s.max_latency);
    k_snprintf(row, sizeof(row), "%-11.11s %8s %8s %8s %4u %8s", label, run, ready, blk, s.switches,
               lat);
    viz_text(fb, x, y, row, color);
}

void viz_r_stats(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                 const struct viz_view *v)
{
    int x0 = L->panel_x0, y0 = L->stats_y0, y1 = L->stats_y1;
    viz_fill(fb, x0, y0, L->w - x0, y1 - y0, VIZ_C_PANEL);
    viz_hline(fb, x0, L->w - 1, y0, VIZ_C_HEADER);
    viz_fb_clip(fb, x0, y0, L->w, y1);
    viz_text(fb, x0 + PAD, y0 + 4, "Threads (whole run)", VIZ_C_TEXT);
    char head[96];
    k_snprintf(head, sizeof(head), "%-11s %8s %8s %8s %4s %8s", "thread", "run", "ready", "blocked",
               "sw", "max lat");
    int y = y0 + 4 + ROW_H + 2;
    viz_text(fb, x0 + 2, y, head, VIZ_C_DIM);
    y += ROW_H;
    for (uint32_t pos = v->lane_scroll; pos < ix->nlanes && y + ROW_H <= y1; pos++, y += ROW_H) {
        uint32_t li = ix->order[pos];
        bool sel = v->has_sel && v->sel_lane == li;
        stats_row(fb, x0 + 2, y, ix, &ix->lanes[li], sel ? VIZ_C_SELECT : VIZ_C_TEXT);
    }
    viz_fb_unclip(fb);
}
