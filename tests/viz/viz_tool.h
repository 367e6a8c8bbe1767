/* SPDX-License-Identifier: MIT */
/*
 * tests/viz/viz_tool.h - the parts of viz_tool (see viz_tool.c).
 */
#ifndef TWAIN_TESTS_VIZ_TOOL_H
#define TWAIN_TESTS_VIZ_TOOL_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../sim-harness/trace_file.h"
#include "../../viz/index.h"
#include "../../viz/layout.h"

struct vt_view {
    struct viz_index ix;
    struct viz_layout L;
    struct viz_view v;
};

void vt_setup(struct vt_view *s, const struct trace_file *tf, int w, int h);
/* 0x00RRGGBB of a loaded BMP's pixel. */
uint32_t vt_pixel(SDL_Surface *s, int x, int y);
/* A point well inside a slice of thread tid in state "run", "ready" or "blocked". */
bool vt_find_slice(const struct vt_view *s, uint32_t tid, const char *state, int *x, int *y);

/* viz_load.c: a UEFI serial log's T lines as a trace (no text, no header check); a P6 PPM. */
int vt_load_serial(const char *path, struct trace_file *tf);
SDL_Surface *vt_load_ppm(const char *path);
bool vt_is_ppm(const char *path);
bool vt_is_trace_file(const char *path);

int vt_cmd_pixels(int argc, char **argv); /* viz_check.c */
int vt_cmd_chrome(int argc, char **argv); /* chrome_check.c */
int vt_cmd_bench(int argc, char **argv);  /* viz_bench.c */

#endif /* TWAIN_TESTS_VIZ_TOOL_H */
