/* SPDX-License-Identifier: MIT */
/*
 * viz/font.c - text drawing with the bitmap font of font_data.c.
 */
#include "font.h"

#include "../core/kassert.h"
#include "../core/klib.h"

static void glyph(struct viz_fb *fb, int x, int y, unsigned char ch, uint32_t color)
{
    if (x + VIZ_FONT_W <= fb->cx0 || x >= fb->cx1 || y + VIZ_FONT_H <= fb->cy0 || y >= fb->cy1)
        return;
    if (ch < VIZ_FONT_FIRST || ch >= VIZ_FONT_FIRST + VIZ_FONT_GLYPHS) {
        viz_rect(fb, x + 1, y + 3, VIZ_FONT_W - 2, VIZ_FONT_H - 5, color);
        return;
    }
    const uint8_t *rows = viz_font_glyphs[ch - VIZ_FONT_FIRST];
    for (int r = 0; r < VIZ_FONT_H; r++) {
        uint8_t bits = rows[r];
        for (int c = 0; bits != 0 && c < VIZ_FONT_W; c++)
            if (bits & (0x80u >> c))
                viz_pixel(fb, x + c, y + r, color);
    }
}

int viz_textn(struct viz_fb *fb, int x, int y, const char *s, size_t n, uint32_t color)
{
    K_ASSERT(fb != NULL && s != NULL);
    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        if (x >= fb->cx1)
            return x + (int)(k_strnlen(s + i, n - i) * VIZ_FONT_W);
        glyph(fb, x, y, (unsigned char)s[i], color);
        x += VIZ_FONT_W;
    }
    return x;
}

int viz_text(struct viz_fb *fb, int x, int y, const char *s, uint32_t color)
{
    return viz_textn(fb, x, y, s, k_strlen(s), color);
}

int viz_text_width(const char *s)
{
    K_ASSERT(s != NULL);
    return (int)k_strlen(s) * VIZ_FONT_W;
}
