/* SPDX-License-Identifier: MIT */
/*
 * tests/viz/viz_check.c - `viz_tool pixels TRACE BMP`: check a screenshot of a trace
 * (made by `twain run --screenshot BMP --record TRACE`) by its pixels. TRACE may also be
 * the serial log of a UEFI run with the `trace` switch and the image a PPM (QEMU's
 * screendump of the VIEW=1 kernel's framebuffer; viz_load.c):
 *
 *   - lanes: the lane separator rows at the plot's right edge number the threads the
 *     trace started (as many as fit), and the task separators the tasks;
 *   - running: for every thread, the middle of its longest running stretch (found from
 *     the switch records, not from viz's index) is the running colour in its lane;
 *   - arrows: both ends of every IPC message (send and receive records matched by
 *     sequence number) are the arrow colour at the sender's and receiver's lanes.
 *
 * Where things are (the layout, time -> x) comes from viz/; what should be there comes
 * from the records alone.
 */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim-harness/trace_file.h"
#include "../../viz/render.h"
#include "viz_tool.h"

#define MAX_T 4096

struct thr {
    uint32_t tid, task;
    uint64_t run_from, best_from, best_to; /* current and longest running stretch */
    bool running;
};

uint32_t vt_pixel(SDL_Surface *s, int x, int y)
{
    const uint8_t *p = (const uint8_t *)s->pixels + y * s->pitch + x * s->format->BytesPerPixel;
    uint32_t raw = 0;
    memcpy(&raw, p, s->format->BytesPerPixel);
    uint8_t r, g, b;
    SDL_GetRGB(raw, s->format, &r, &g, &b);
    return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}

/* Threads in display order (task id, then thread id), with their longest running stretch. */
static uint32_t threads(const struct trace_file *tf, struct thr *t)
{
    uint32_t n = 0;
    for (uint64_t i = 0; i < tf->h.records; i++) {
        const struct trace_rec *r = &tf->recs[i];
        if (r->type == TR_THREAD_START && n < MAX_T)
            t[n++] = (struct thr){.tid = (uint32_t)r->a, .task = (uint32_t)r->b};
        if (r->type != TR_SWITCH)
            continue;
        for (uint32_t k = 0; k < n; k++) {
            if (t[k].tid == r->b) {
                t[k].running = true;
                t[k].run_from = r->time;
            } else if (t[k].tid == r->a && t[k].running) {
                t[k].running = false;
                if (r->time - t[k].run_from > t[k].best_to - t[k].best_from) {
                    t[k].best_from = t[k].run_from;
                    t[k].best_to = r->time;
                }
            }
        }
    }
    for (uint32_t i = 1; i < n; i++) /* insertion sort by (task, tid): few threads */
        for (uint32_t k = i; k > 0 && (t[k - 1].task > t[k].task ||
                                       (t[k - 1].task == t[k].task && t[k - 1].tid > t[k].tid));
             k--) {
            struct thr x = t[k];
            t[k] = t[k - 1];
            t[k - 1] = x;
        }
    return n;
}

static int pos_of(const struct thr *t, uint32_t n, uint32_t tid)
{
    for (uint32_t i = 0; i < n; i++)
        if (t[i].tid == tid)
            return (int)i;
    return -1;
}

static int check_lanes(SDL_Surface *img, const struct vt_view *s, const struct thr *t, uint32_t n)
{
    uint32_t seps = 0, task_seps = 0, tasks = 0, want = n < s->L.lanes_fit ? n : s->L.lanes_fit;
    int x = s->L.plot_x1 - 2;
    for (int y = s->L.lanes_y0; y < s->L.lanes_y1; y++) {
        uint32_t p = vt_pixel(img, x, y);
        seps += p == VIZ_C_LANE_SEP || p == VIZ_C_TASK_SEP;
        task_seps += p == VIZ_C_TASK_SEP;
    }
    for (uint32_t i = 0; i < n; i++)
        tasks += i == 0 || t[i].task != t[i - 1].task;
    printf("pixels: %u lanes (trace: %u threads), %u task groups (trace: %u tasks)\n", seps, n,
           task_seps, tasks);
    if (seps != want || (n <= s->L.lanes_fit && task_seps != tasks)) {
        fprintf(stderr, "pixels: lane count does not match the trace\n");
        return 1;
    }
    return 0;
}

/* The running bar's rows at x in lane pos are (nearly all) the running colour. */
static bool run_column(SDL_Surface *img, const struct vt_view *s, int x, int pos)
{
    int mid = viz_lane_mid(&s->L, &s->v, (uint32_t)pos), h = viz_bar_half(&s->L, VIZ_RUN);
    int run = 0, arrow = 0;
    for (int y = mid - h; y <= mid + h; y++) {
        uint32_t p = vt_pixel(img, x, y);
        run += p == VIZ_C_RUN;
        arrow += p == VIZ_C_ARROW;
    }
    /* IPC arrows are drawn over the slices: their pixels may cover part of the bar */
    return run > 0 && (run + arrow) * 5 >= (2 * h + 1) * 4;
}

static int check_running(SDL_Surface *img, const struct vt_view *s, const struct thr *t, uint32_t n)
{
    uint32_t checked = 0, bad = 0;
    for (uint32_t i = 0; i < n && (int)i < (int)s->L.lanes_fit; i++) {
        int64_t x0 = viz_x_of(&s->L, &s->v, t[i].best_from);
        int64_t x1 = viz_x_of(&s->L, &s->v, t[i].best_to);
        if (x1 - x0 < 4)
            continue; /* too short to own a pixel column of its own */
        int x = (int)((x0 + x1) / 2);
        checked++;
        if (!run_column(img, s, x, (int)i)) {
            fprintf(stderr, "pixels: t%u ran from %llu to %llu ns, but x %d in its lane is %06x\n",
                    t[i].tid, (unsigned long long)t[i].best_from, (unsigned long long)t[i].best_to,
                    x, vt_pixel(img, x, viz_lane_mid(&s->L, &s->v, i)));
            bad++;
        }
    }
    printf("pixels: %u running slices checked in their lanes, %u wrong\n", checked, bad);
    return bad > 0; /* none may be wide enough when the whole run is fitted in view */
}

static int check_arrows(SDL_Surface *img, const struct vt_view *s, const struct trace_file *tf,
                        const struct thr *t, uint32_t n)
{
    uint32_t checked = 0, bad = 0, sends = 0, nth = 0;
    for (uint64_t i = 0; i < tf->h.records; i++)
        sends += tf->recs[i].type == TR_IPC_SEND;
    /* the fitted view has every message in it: the renderer draws every stride-th */
    uint32_t stride = viz_thin_stride(sends, s->L.plot_x1 - s->L.plot_x0, VIZ_ARROWS_PER_COLUMN);
    for (uint64_t i = 0; i < tf->h.records; i++) {
        const struct trace_rec *snd = &tf->recs[i];
        if (snd->type != TR_IPC_SEND || nth++ % stride != 0)
            continue;
        for (uint64_t k = i + 1; k < tf->h.records; k++) {
            const struct trace_rec *rcv = &tf->recs[k];
            if (rcv->type != TR_IPC_RECV || rcv->a != snd->a)
                continue;
            int ps = pos_of(t, n, snd->tid), pr = pos_of(t, n, rcv->tid);
            int ys = viz_lane_mid(&s->L, &s->v, (uint32_t)ps);
            int yr = viz_lane_mid(&s->L, &s->v, (uint32_t)pr);
            int xs = (int)viz_x_of(&s->L, &s->v, snd->time);
            int xr = (int)viz_x_of(&s->L, &s->v, rcv->time);
            if (ps < 0 || pr < 0 || ys < 0 || yr < 0)
                break;
            checked++;
            if (vt_pixel(img, xs, ys) != VIZ_C_ARROW || vt_pixel(img, xr, yr) != VIZ_C_ARROW) {
                fprintf(stderr, "pixels: message %llu: (%d,%d) %06x -> (%d,%d) %06x\n",
                        (unsigned long long)snd->a, xs, ys, vt_pixel(img, xs, ys), xr, yr,
                        vt_pixel(img, xr, yr));
                bad++;
            }
            break;
        }
    }
    printf("pixels: %u IPC arrows checked at both ends (1 in %u drawn), %u wrong\n", checked,
           stride, bad);
    return bad > 0;
}

bool vt_find_slice(const struct vt_view *s, uint32_t tid, const char *state, int *x, int *y)
{
    uint8_t want = strcmp(state, "run") == 0     ? VIZ_RUN
                   : strcmp(state, "ready") == 0 ? VIZ_READY
                                                 : VIZ_BLOCKED;
    const struct viz_lane *l = viz_lane_of_tid(&s->ix, tid);
    if (l == NULL)
        return false;
    int64_t best = 0;
    for (uint32_t i = 0; i < l->niv; i++) {
        if (l->iv[i].state != want)
            continue;
        int64_t x0 = viz_x_of(&s->L, &s->v, l->iv[i].t0);
        int64_t x1 = viz_x_of(&s->L, &s->v, viz_iv_end(&s->ix, l, i));
        if (x1 - x0 > best) {
            best = x1 - x0;
            *x = (int)((x0 + x1) / 2);
        }
    }
    *y = viz_lane_mid(&s->L, &s->v, viz_lane_pos(&s->ix, (uint32_t)(l - s->ix.lanes)));
    return best >= 3 && *y >= 0;
}

int vt_cmd_pixels(int argc, char **argv)
{
    struct trace_file tf;
    uint64_t bad;
    char err[512];
    if (argc != 4)
        return 2;
    if (!vt_is_trace_file(argv[2])) {
        if (vt_load_serial(argv[2], &tf) != 0)
            return 2;
    } else if (trace_file_read(argv[2], &tf, &bad, err, sizeof(err)) != 0) {
        fprintf(stderr, "pixels: %s\n", err);
        return 2;
    }
    SDL_Surface *img = vt_is_ppm(argv[3]) ? vt_load_ppm(argv[3]) : SDL_LoadBMP(argv[3]);
    static struct thr t[MAX_T];
    struct vt_view s;
    if (img == NULL) {
        fprintf(stderr, "pixels: %s: %s\n", argv[3], SDL_GetError());
        trace_file_free(&tf);
        return 2;
    }
    vt_setup(&s, &tf, img->w, img->h);
    uint32_t n = threads(&tf, t);
    int rc = check_lanes(img, &s, t, n);
    rc |= check_running(img, &s, t, n);
    rc |= check_arrows(img, &s, &tf, t, n);
    printf("pixels %s: %s\n", argv[3], rc == 0 ? "ok" : "FAILED");
    viz_index_free(&s.ix);
    SDL_FreeSurface(img);
    trace_file_free(&tf);
    return rc;
}
