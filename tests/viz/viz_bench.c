/* SPDX-License-Identifier: MIT */
/*
 * tests/viz/viz_bench.c - `viz_tool bench TRACE`: the viewer's figures for `make bench`
 * (docs/contracts.md, "Benchmarks"), each a median over repetitions against a baseline measured in
 * the same run:
 *
 *   viz-first-frame        read + verify the file, build the index, draw the fitted view
 *                          (baseline: only reading and verifying the file)
 *   viz-frame-zoomed-out   one frame of the whole trace (baseline: the same frame with its
 *                          lanes found by scanning every record, as a viewer without an
 *                          index must)
 *   viz-frame-zoomed-mid   one frame of a thousandth of the trace (same baseline)
 *   viz-frame-zoomed-in    one frame fully zoomed in (50 ns across; same baseline)
 *   viz-index-memory       index bytes per record (baseline: the 48-byte record itself)
 *
 * Frames are 1280x800 into memory (viz_render; the SDL upload is not counted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../sim-harness/screenshot.h"
#include "../../sim-harness/trace_file.h"
#include "../../viz/render.h"
#include "viz_tool.h"

#define REPS   7
#define FRAMES 5 /* frames per repetition */
#define W      1280
#define H      800

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print(const char *name, double value, const char *unit, const char *base_name,
                  double base, int lower_is_better)
{
    printf("bench %s: %.4g %s", name, value, unit);
    if (base_name != NULL)
        printf(" (baseline %s: %.4g %s, ratio %.3g)", base_name, base, unit,
               lower_is_better ? base / value : value / base);
    printf("\n");
    fflush(stdout);
}

/*
 * The baseline frame: what a viewer without an index does, walking every record to find
 * each thread's state changes and painting the columns they cover. It writes into the
 * same pixel buffer so that the work is comparable and cannot be optimised away.
 */
static void scan_frame(uint32_t *px, const struct vt_view *s, const struct trace_rec *recs,
                       size_t n)
{
    static uint64_t since[1 << 16];
    static uint8_t state[1 << 16];
    memset(state, 0, sizeof(state));
    int x0 = s->L.plot_x0, lane_h = s->L.lane_h;
    uint64_t t1 = s->v.t0 + s->v.span;
    for (size_t i = 0; i < n; i++) {
        const struct trace_rec *r = &recs[i];
        uint32_t tid = r->type == TR_WAKE ? (uint32_t)r->a : (uint32_t)r->b;
        if ((r->type != TR_SWITCH && r->type != TR_WAKE) || tid >= (1u << 16))
            continue;
        uint32_t from = (uint32_t)r->a;
        uint32_t moved[2] = {tid, r->type == TR_SWITCH && from < (1u << 16) ? from : 0};
        for (int k = 0; k < 2; k++) {
            uint32_t t = moved[k];
            if (t == 0)
                continue;
            if (state[t] != 0 && r->time > s->v.t0 && since[t] < t1) {
                int64_t a = viz_x_of(&s->L, &s->v, since[t]), b = viz_x_of(&s->L, &s->v, r->time);
                a = a < x0 ? x0 : a;
                b = b > s->L.plot_x1 ? s->L.plot_x1 : b;
                int y = s->L.lanes_y0 + (int)(t % s->L.lanes_fit) * lane_h + lane_h / 2;
                for (int64_t x = a; x < b; x++)
                    px[y * W + x] = state[t] == 2 ? VIZ_C_RUN : VIZ_C_READY;
            }
            since[t] = r->time;
            state[t] = (uint8_t)(k == 0 ? 2 : 1);
        }
    }
}

/*
 * Median-able frame time. naive: the same frame's fixed parts (background, header, axis,
 * panels: viz_render over an empty index) plus the lanes found by scanning every record.
 */
static double frame_ms(uint32_t *px, struct vt_view *s, const struct trace_rec *recs, size_t n,
                       int naive)
{
    struct viz_fb fb;
    struct viz_status st = {.title = "bench", .state = "BENCH"};
    struct viz_index empty;
    viz_index_init(&empty, &shot_host_alloc);
    viz_fb_init(&fb, px, W, H, W);
    uint64_t t = now_ns();
    for (int f = 0; f < FRAMES; f++) {
        if (naive) {
            viz_render(&fb, &s->L, &empty, &s->v, &st);
            scan_frame(px, s, recs, n);
        } else {
            viz_render(&fb, &s->L, &s->ix, &s->v, &st);
        }
    }
    return (double)(now_ns() - t) / FRAMES / 1e6;
}

/* Median frame time of the view centred on the trace's middle with the given span. */
static void zoom_figure(const char *name, uint32_t *px, struct vt_view *s,
                        const struct trace_file *tf, uint64_t span)
{
    double v[REPS], b[REPS];
    uint64_t mid = s->ix.t_first + (s->ix.t_last - s->ix.t_first) / 2;
    if (span == 0) {
        viz_view_fit(&s->v, &s->ix);
    } else {
        s->v.span = span;
        s->v.t0 = mid - span / 2;
    }
    for (int r = 0; r < REPS; r++) {
        v[r] = frame_ms(px, s, tf->recs, tf->h.records, 0);
        b[r] = frame_ms(px, s, tf->recs, tf->h.records, 1);
    }
    print(name, median(v, REPS), "ms", "full-scan-frame", median(b, REPS), 1);
}

static double first_frame(const char *path, uint32_t *px, size_t *index_bytes, double *read_ms)
{
    uint64_t t0 = now_ns();
    struct trace_file tf;
    uint64_t bad;
    char err[512];
    if (trace_file_read(path, &tf, &bad, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        exit(2);
    }
    uint64_t t1 = now_ns();
    struct vt_view s;
    struct viz_fb fb;
    struct viz_status st = {.title = "bench", .state = "BENCH"};
    vt_setup(&s, &tf, W, H);
    viz_fb_init(&fb, px, W, H, W);
    viz_render(&fb, &s.L, &s.ix, &s.v, &st);
    uint64_t t2 = now_ns();
    *index_bytes = viz_index_bytes(&s.ix);
    *read_ms = (double)(t1 - t0) / 1e6;
    viz_index_free(&s.ix);
    trace_file_free(&tf);
    return (double)(t2 - t0) / 1e6;
}

int vt_cmd_bench(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    uint32_t *px = calloc((size_t)W * H, sizeof(*px));
    double ff[3], rd[3];
    size_t bytes = 0;
    for (int r = 0; r < 3; r++)
        ff[r] = first_frame(argv[2], px, &bytes, &rd[r]);
    struct trace_file tf;
    uint64_t bad;
    char err[512];
    if (px == NULL || trace_file_read(argv[2], &tf, &bad, err, sizeof(err)) != 0)
        return 2;
    printf("bench viz-trace: %llu records\n", (unsigned long long)tf.h.records);
    print("viz-first-frame", median(ff, 3), "ms", "trace-file-read", median(rd, 3), 1);
    struct vt_view s;
    vt_setup(&s, &tf, W, H);
    zoom_figure("viz-frame-zoomed-out", px, &s, &tf, 0);
    zoom_figure("viz-frame-zoomed-mid", px, &s, &tf, (s.ix.t_last - s.ix.t_first) / 1000 + 1);
    zoom_figure("viz-frame-zoomed-in", px, &s, &tf, VIZ_MIN_SPAN);
    print("viz-index-memory", (double)bytes / (double)tf.h.records, "bytes/record", "trace-record",
          (double)sizeof(struct trace_rec), 1);
    viz_index_free(&s.ix);
    trace_file_free(&tf);
    free(px);
    return 0;
}
