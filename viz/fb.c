/* SPDX-License-Identifier: MIT */
/*
 * viz/fb.c - drawing primitives over a pixel buffer (see fb.h). Every primitive clips to
 * the current clip rectangle before it touches memory, so a caller may pass coordinates
 * far outside the buffer (an IPC arrow whose sender is off screen).
 */
#include "fb.h"

#include <stddef.h>

#include "../core/kassert.h"

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void viz_fb_init(struct viz_fb *fb, uint32_t *px, int w, int h, int stride)
{
    K_ASSERT(px != 0 && w > 0 && h > 0);
    K_ASSERT(stride >= w);
    fb->px = px;
    fb->w = w;
    fb->h = h;
    fb->stride = stride;
    viz_fb_unclip(fb);
}

void viz_fb_clip(struct viz_fb *fb, int x0, int y0, int x1, int y1)
{
    fb->cx0 = clampi(x0, 0, fb->w);
    fb->cy0 = clampi(y0, 0, fb->h);
    fb->cx1 = clampi(x1, fb->cx0, fb->w);
    fb->cy1 = clampi(y1, fb->cy0, fb->h);
}

void viz_fb_unclip(struct viz_fb *fb)
{
    fb->cx0 = 0;
    fb->cy0 = 0;
    fb->cx1 = fb->w;
    fb->cy1 = fb->h;
}

void viz_fill(struct viz_fb *fb, int x, int y, int w, int h, uint32_t color)
{
    if (w <= 0 || h <= 0)
        return;
    int x0 = clampi(x, fb->cx0, fb->cx1), x1 = clampi(x + w, fb->cx0, fb->cx1);
    int y0 = clampi(y, fb->cy0, fb->cy1), y1 = clampi(y + h, fb->cy0, fb->cy1);
    for (int r = y0; r < y1; r++) {
        uint32_t *row = fb->px + (long)r * fb->stride;
        for (int c = x0; c < x1; c++)
            row[c] = color;
    }
}

void viz_rect(struct viz_fb *fb, int x, int y, int w, int h, uint32_t color)
{
    if (w <= 0 || h <= 0)
        return;
    viz_hline(fb, x, x + w - 1, y, color);
    viz_hline(fb, x, x + w - 1, y + h - 1, color);
    viz_vline(fb, x, y, y + h - 1, color);
    viz_vline(fb, x + w - 1, y, y + h - 1, color);
}

void viz_hline(struct viz_fb *fb, int x0, int x1, int y, uint32_t color)
{
    if (x1 < x0) {
        int t = x0;
        x0 = x1;
        x1 = t;
    }
    viz_fill(fb, x0, y, x1 - x0 + 1, 1, color);
}

void viz_vline(struct viz_fb *fb, int x, int y0, int y1, uint32_t color)
{
    if (y1 < y0) {
        int t = y0;
        y0 = y1;
        y1 = t;
    }
    viz_fill(fb, x, y0, 1, y1 - y0 + 1, color);
}

void viz_pixel(struct viz_fb *fb, int x, int y, uint32_t color)
{
    if (x >= fb->cx0 && x < fb->cx1 && y >= fb->cy0 && y < fb->cy1)
        fb->px[(long)y * fb->stride + x] = color;
}

uint32_t viz_get(const struct viz_fb *fb, int x, int y)
{
    K_ASSERT(x >= 0 && x < fb->w && y >= 0 && y < fb->h);
    return fb->px[(long)y * fb->stride + x];
}

uint32_t viz_mix(uint32_t a, uint32_t b, uint32_t alpha256)
{
    if (alpha256 >= 256)
        return b;
    uint32_t out = 0;
    for (int s = 0; s < 24; s += 8) {
        uint32_t ca = (a >> s) & 0xff, cb = (b >> s) & 0xff;
        out |= ((ca * (256 - alpha256) + cb * alpha256) >> 8) << s;
    }
    return out;
}

/* Cohen-Sutherland region code of (x, y) against the clip rectangle. */
static int outcode(const struct viz_fb *fb, int64_t x, int64_t y)
{
    return (x < fb->cx0) | (x >= fb->cx1) << 1 | (y < fb->cy0) << 2 | (y >= fb->cy1) << 3;
}

/*
 * Clip the segment to the clip rectangle (in 64-bit arithmetic, so far-away endpoints do
 * not overflow). False when nothing of it is visible. At most four rounds: each one moves
 * an endpoint onto a clip edge, and a point on an edge is never outside that edge again.
 */
static int clip_segment(const struct viz_fb *fb, int64_t *x0, int64_t *y0, int64_t *x1, int64_t *y1)
{
    int64_t xmin = fb->cx0, xmax = fb->cx1 - 1, ymin = fb->cy0, ymax = fb->cy1 - 1;
    for (int round = 0; round < 8; round++) {
        int c0 = outcode(fb, *x0, *y0), c1 = outcode(fb, *x1, *y1);
        if ((c0 | c1) == 0)
            return 1;
        if ((c0 & c1) != 0)
            return 0;
        int c = c0 != 0 ? c0 : c1;
        int64_t dx = *x1 - *x0, dy = *y1 - *y0, x, y;
        if (c & 8) {
            y = ymax;
            x = *x0 + dx * (ymax - *y0) / dy;
        } else if (c & 4) {
            y = ymin;
            x = *x0 + dx * (ymin - *y0) / dy;
        } else if (c & 2) {
            x = xmax;
            y = *y0 + dy * (xmax - *x0) / dx;
        } else {
            x = xmin;
            y = *y0 + dy * (xmin - *x0) / dx;
        }
        if (c == c0) {
            *x0 = x;
            *y0 = y;
        } else {
            *x1 = x;
            *y1 = y;
        }
    }
    return 0;
}

void viz_line(struct viz_fb *fb, int x0, int y0, int x1, int y1, uint32_t color)
{
    if (fb->cx1 <= fb->cx0 || fb->cy1 <= fb->cy0)
        return;
    int64_t ax = x0, ay = y0, bx = x1, by = y1;
    if (!clip_segment(fb, &ax, &ay, &bx, &by))
        return;
    int dx = (int)(bx > ax ? bx - ax : ax - bx), sx = ax < bx ? 1 : -1;
    int dy = -(int)(by > ay ? by - ay : ay - by), sy = ay < by ? 1 : -1;
    int err = dx + dy, x = (int)ax, y = (int)ay;
    K_ASSERT(dx <= fb->w && -dy <= fb->h);
    for (int n = 0; n <= dx - dy; n++) { /* bounded by the clipped length */
        viz_pixel(fb, x, y, color);
        if (x == (int)bx && y == (int)by)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y += sy;
        }
    }
}
