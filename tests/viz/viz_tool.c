/* SPDX-License-Identifier: MIT */
/*
 * tests/viz/viz_tool.c - the helper of tools/viz-tests and tools/viz-bench:
 *
 *   viz_tool shot TRACE OUT.bmp [W H]     render a trace file to a BMP (fitted view)
 *   viz_tool view TRACE                   open a trace file in the window
 *   viz_tool pixels TRACE BMP             check a screenshot of TRACE by its pixels
 *   viz_tool where TRACE W H TID STATE    a point (x y) inside a slice of that state
 *   viz_tool differ A.bmp B.bmp X0 Y0 X1 Y1   exit 0 when the region differs
 *   viz_tool chrome-check JSON NTHREADS   check a Chrome trace export
 *   viz_tool bench TRACE                  the viewer's figures for make bench
 *
 * The pixel checks know the trace independently of the renderer (they scan the records
 * themselves) and ask viz/ only where things are (layout and time -> pixel).
 */
#include <SDL.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim-harness/gui.h"
#include "../../sim-harness/screenshot.h"
#include "../../sim-harness/trace_file.h"
#include "../../viz/layout.h"
#include "../../viz/render.h"
#include "viz_tool.h"

static int load(const char *path, struct trace_file *tf)
{
    uint64_t bad;
    char err[512];
    if (trace_file_read(path, tf, &bad, err, sizeof(err)) != 0) {
        fprintf(stderr, "viz_tool: %s\n", err);
        return 2;
    }
    return 0;
}

static int cmd_shot(int argc, char **argv)
{
    struct trace_file tf;
    if (argc < 4 || load(argv[2], &tf) != 0)
        return 2;
    char title[128];
    shot_scenario_name(tf.text, tf.h.text_len, title, sizeof(title));
    int w = argc > 5 ? atoi(argv[4]) : SHOT_DEFAULT_W,
        h = argc > 5 ? atoi(argv[5]) : SHOT_DEFAULT_H;
    int rc = shot_write(argv[3], tf.recs, tf.h.records, title, w, h);
    trace_file_free(&tf);
    return rc;
}

/* The fitted view of a trace at w x h, as shot_write draws it. */
void vt_setup(struct vt_view *s, const struct trace_file *tf, int w, int h)
{
    viz_index_init(&s->ix, &shot_host_alloc);
    viz_index_feed(&s->ix, tf->recs, tf->h.records);
    viz_layout_compute(&s->L, w, h, s->ix.nlanes);
    memset(&s->v, 0, sizeof(s->v));
    viz_view_fit(&s->v, &s->ix);
}

static int cmd_where(int argc, char **argv)
{
    struct trace_file tf;
    if (argc != 7 || load(argv[2], &tf) != 0)
        return 2;
    struct vt_view s;
    vt_setup(&s, &tf, atoi(argv[3]), atoi(argv[4]));
    int x, y;
    int rc = vt_find_slice(&s, (uint32_t)atoi(argv[5]), argv[6], &x, &y) ? 0 : 1;
    if (rc == 0)
        printf("%d %d\n", x, y);
    else
        fprintf(stderr, "viz_tool where: no %s slice of t%s wide enough\n", argv[6], argv[5]);
    viz_index_free(&s.ix);
    trace_file_free(&tf);
    return rc;
}

static int cmd_differ(int argc, char **argv)
{
    if (argc != 8)
        return 2;
    SDL_Surface *a = SDL_LoadBMP(argv[2]), *b = SDL_LoadBMP(argv[3]);
    if (a == NULL || b == NULL) {
        fprintf(stderr, "viz_tool differ: %s\n", SDL_GetError());
        return 2;
    }
    int x0 = atoi(argv[4]), y0 = atoi(argv[5]), x1 = atoi(argv[6]), y1 = atoi(argv[7]);
    long diff = 0;
    for (int y = y0; y < y1 && y < a->h && y < b->h; y++)
        for (int x = x0; x < x1 && x < a->w && x < b->w; x++)
            diff += vt_pixel(a, x, y) != vt_pixel(b, x, y);
    printf("differ: %ld pixels differ in [%d,%d)x[%d,%d)\n", diff, x0, x1, y0, y1);
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
    return diff > 0 ? 0 : 1;
}

static int cmd_view(int argc, char **argv)
{
    return argc == 3 ? gui_view_file(argv[2]) : 2;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"shot", cmd_shot},     {"view", cmd_view},     {"pixels", vt_cmd_pixels},
                {"where", cmd_where},   {"differ", cmd_differ}, {"chrome-check", vt_cmd_chrome},
                {"bench", vt_cmd_bench}};
    for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc, argv);
    fprintf(stderr, "usage: viz_tool shot|view|pixels|where|differ|chrome-check|bench ...\n");
    return 2;
}
