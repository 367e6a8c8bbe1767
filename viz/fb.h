/* SPDX-License-Identifier: MIT */
/*
 * viz/fb.h - the renderer's canvas: a plain buffer of 32-bit pixels (0xAARRGGBB, alpha
 * unused) and the few primitives the view is drawn with, each clipped to a rectangle.
 *
 * viz/ is freestanding (no libc, no SDL): the same code draws into an SDL texture in the
 * simulator and into the GOP framebuffer on UEFI. A backend whose framebuffer is BGR
 * converts when it copies; the renderer always writes 0x00RRGGBB.
 */
#ifndef TWAIN_VIZ_FB_H
#define TWAIN_VIZ_FB_H

#include <stdint.h>

struct viz_fb {
    uint32_t *px; /* w x h pixels, row r at px + r * stride */
    int w, h;
    int stride;             /* pixels from one row to the next (>= w) */
    int cx0, cy0, cx1, cy1; /* clip rectangle: [cx0, cx1) x [cy0, cy1) */
};

/* Wrap px (w x h, stride >= w). The clip rectangle starts as the whole buffer. */
void viz_fb_init(struct viz_fb *fb, uint32_t *px, int w, int h, int stride);
/* Clip further drawing to [x0, x1) x [y0, y1), intersected with the buffer. */
void viz_fb_clip(struct viz_fb *fb, int x0, int y0, int x1, int y1);
void viz_fb_unclip(struct viz_fb *fb);

void viz_fill(struct viz_fb *fb, int x, int y, int w, int h, uint32_t color);
void viz_rect(struct viz_fb *fb, int x, int y, int w, int h, uint32_t color); /* outline */
void viz_hline(struct viz_fb *fb, int x0, int x1, int y, uint32_t color);     /* [x0, x1] */
void viz_vline(struct viz_fb *fb, int x, int y0, int y1, uint32_t color);     /* [y0, y1] */
/* A straight line between two points, any coordinates (clipped before it is walked). */
void viz_line(struct viz_fb *fb, int x0, int y0, int x1, int y1, uint32_t color);
void viz_pixel(struct viz_fb *fb, int x, int y, uint32_t color);
uint32_t viz_get(const struct viz_fb *fb, int x, int y);

/* a and b mixed: 0 gives a, 256 gives b. */
uint32_t viz_mix(uint32_t a, uint32_t b, uint32_t alpha256);

#endif /* TWAIN_VIZ_FB_H */
