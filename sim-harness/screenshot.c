/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/screenshot.c - the view rendered offscreen and saved as BMP (see
 * screenshot.h). SDL is used only for its software surfaces and BMP writer: nothing here
 * initialises a video driver, so it works over SSH and in CI.
 */
#include "screenshot.h"

#include <SDL.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../viz/fb.h"
#include "../viz/layout.h"
#include "../viz/render.h"

static void *host_resize(void *ctx, void *p, size_t old_size, size_t new_size)
{
    (void)ctx;
    (void)old_size;
    if (new_size == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, new_size);
}

const struct viz_alloc shot_host_alloc = {.resize = host_resize, .ctx = NULL};

void shot_scenario_name(const char *json, size_t len, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "scenario");
    if (json == NULL)
        return;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (cJSON_IsString(name))
        snprintf(buf, buflen, "%s", name->valuestring);
    cJSON_Delete(root);
}

int shot_save_bmp(const char *path, const uint32_t *px, int w, int h, int stride)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormatFrom((void *)px, w, h, 32, stride * 4,
                                                        SDL_PIXELFORMAT_RGB888);
    if (s == NULL) {
        fprintf(stderr, "twain: screenshot %s: %s\n", path, SDL_GetError());
        return 2;
    }
    /* a 24-bit copy: the BMP every viewer reads, without an alpha channel to misread */
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_BGR24, 0);
    int rc = rgb != NULL && SDL_SaveBMP(rgb, path) == 0 ? 0 : 2;
    if (rc != 0)
        fprintf(stderr, "twain: cannot write the screenshot %s: %s\n", path, SDL_GetError());
    SDL_FreeSurface(rgb);
    SDL_FreeSurface(s);
    return rc;
}

int shot_write(const char *path, const struct trace_rec *recs, size_t n, const char *title, int w,
               int h)
{
    struct viz_index ix;
    viz_index_init(&ix, &shot_host_alloc);
    if (!viz_index_feed(&ix, recs, n))
        fprintf(stderr, "twain: screenshot: out of memory indexing the trace (partial view)\n");
    uint32_t *px = calloc((size_t)w * (size_t)h, sizeof(*px));
    if (px == NULL) {
        viz_index_free(&ix);
        fprintf(stderr, "twain: screenshot: out of memory\n");
        return 2;
    }
    struct viz_fb fb;
    struct viz_layout L;
    struct viz_view v = {0};
    viz_fb_init(&fb, px, w, h, w);
    viz_layout_compute(&L, w, h, ix.nlanes);
    viz_view_fit(&v, &ix);
    struct viz_status st = {.title = title, .state = ix.ended ? "ENDED" : "PARTIAL"};
    viz_render(&fb, &L, &ix, &v, &st);
    int rc = shot_save_bmp(path, px, w, h, w);
    free(px);
    viz_index_free(&ix);
    return rc;
}

int screenshot_write(const char *path, const struct trace_rec *recs, size_t n, const char *json,
                     size_t json_len)
{
    char title[128];
    shot_scenario_name(json, json_len, title, sizeof(title));
    return shot_write(path, recs, n, title, SHOT_DEFAULT_W, SHOT_DEFAULT_H);
}
