/* SPDX-License-Identifier: MIT */
/*
 * viz/font.h - the renderer's own bitmap font (printable ASCII, 6x13 cells) and text
 * drawing into a viz_fb. Bytes outside 32..126 draw as a small box.
 */
#ifndef TWAIN_VIZ_FONT_H
#define TWAIN_VIZ_FONT_H

#include <stddef.h>
#include <stdint.h>

#include "fb.h"

#define VIZ_FONT_W      6
#define VIZ_FONT_H      13
#define VIZ_FONT_FIRST  32
#define VIZ_FONT_GLYPHS 95

extern const uint8_t viz_font_glyphs[VIZ_FONT_GLYPHS][VIZ_FONT_H];

/* Draw s (NUL-terminated) with its cell's top-left at (x, y); returns the x after it. */
int viz_text(struct viz_fb *fb, int x, int y, const char *s, uint32_t color);
/* The first n bytes of s (stops early at a NUL). */
int viz_textn(struct viz_fb *fb, int x, int y, const char *s, size_t n, uint32_t color);
/* Width in pixels of s as drawn. */
int viz_text_width(const char *s);

#endif /* TWAIN_VIZ_FONT_H */
