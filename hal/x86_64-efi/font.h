/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/font.h - the bitmap font of the GOP console (font.c).
 */
#ifndef TWAIN_XE_FONT_H
#define TWAIN_XE_FONT_H

#include <stdint.h>

#define XE_FONT_FIRST  0x20 /* glyph 0 is the space */
#define XE_FONT_GLYPHS 95
#define XE_FONT_ROWS   9 /* 7 above the baseline, 2 below */
#define XE_FONT_COLS   5

extern const uint8_t xe_font[XE_FONT_GLYPHS][XE_FONT_ROWS];

#endif /* TWAIN_XE_FONT_H */
