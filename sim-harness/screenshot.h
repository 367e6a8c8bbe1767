/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/screenshot.h - the scheduling view without a window: render records into
 * a pixel buffer with viz/ and save it as a BMP through an SDL software surface (no
 * display, no video driver). Also the host's pieces every viz user needs: the allocator
 * the index grows with, and the scenario name for the title.
 */
#ifndef TWAIN_SIM_HARNESS_SCREENSHOT_H
#define TWAIN_SIM_HARNESS_SCREENSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/trace.h"
#include "../viz/index.h"

#define SHOT_DEFAULT_W 1280
#define SHOT_DEFAULT_H 800

/* realloc/free behind viz's allocator interface. */
extern const struct viz_alloc shot_host_alloc;

/* The "name" of a scenario's JSON text into buf ("scenario" when it has none). */
void shot_scenario_name(const char *json, size_t len, char *buf, size_t buflen);

/* Save a w x h 0x00RRGGBB buffer (stride in pixels) as a 24-bit BMP. 0, or 2 with a message. */
int shot_save_bmp(const char *path, const uint32_t *px, int w, int h, int stride);

/*
 * Render recs[0..n) fitted to a w x h view (title: the scenario's name) and save it to
 * path. 0, or 2 with a message on stderr.
 */
int shot_write(const char *path, const struct trace_rec *recs, size_t n, const char *title, int w,
               int h);
/* shot_write for `twain run --screenshot FILE`: default size, title from the JSON text. */
int screenshot_write(const char *path, const struct trace_rec *recs, size_t n, const char *json,
                     size_t json_len);

#endif /* TWAIN_SIM_HARNESS_SCREENSHOT_H */
