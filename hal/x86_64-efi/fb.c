/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/fb.c - a text console on the GOP framebuffer (drawable after
 * ExitBootServices): font.c's 5x9 glyphs drawn twice their size in 12x20 cells, a status
 * bar on the first row, and scrolling by a third of the screen at a time (moving the
 * framebuffer is slow, so it happens rarely).
 */
#include "../../core/kentry.h"
#include "font.h"
#include "xe.h"

#define SCALE  2
#define CELL_W 12
#define CELL_H 20
#define FG     0x00d0d0d0u
#define BG     0x00101828u
#define TITLE  0x00305080u

static struct {
    uint32_t *base;
    uint32_t width, height, stride;
    uint32_t cols, rows; /* text cells; row 0 is the title bar */
    uint32_t col, row;
    bool bgr;
    bool text_off; /* a program draws on the screen itself (xe_fb_text) */
} fb;

static uint32_t color(uint32_t rgb)
{
    if (fb.bgr)
        return rgb; /* 0x00RRGGBB is B,G,R,X in memory: what BGR8 wants */
    return ((rgb & 0xff) << 16) | (rgb & 0xff00) | ((rgb >> 16) & 0xff);
}

/* Fill whole scan lines (rep stosq: the fast way under QEMU's TCG). */
static void fill_rows(uint32_t y0, uint32_t y1, uint32_t rgb)
{
    uint64_t c = color(rgb);
    c |= c << 32;
    y1 = y1 < fb.height ? y1 : fb.height;
    if (y0 >= y1)
        return;
    uint32_t *first = fb.base + (size_t)y0 * fb.stride;
    size_t pixels = (size_t)(y1 - y0) * fb.stride;
    void *p = first;
    size_t q = pixels / 2;
    __asm__ volatile("rep stosq" : "+D"(p), "+c"(q) : "a"(c) : "memory");
    if (pixels % 2)
        first[pixels - 1] = (uint32_t)c;
}

static void draw(uint32_t col, uint32_t row, char ch, uint32_t fg, uint32_t bg)
{
    unsigned g = (unsigned char)ch - XE_FONT_FIRST;
    if (g >= XE_FONT_GLYPHS)
        g = '?' - XE_FONT_FIRST;
    uint32_t f = color(fg), b = color(bg);
    uint32_t x0 = col * CELL_W, y0 = row * CELL_H;
    for (uint32_t y = 0; y < CELL_H; y++) {
        uint32_t *line = fb.base + (size_t)(y0 + y) * fb.stride + x0;
        int fy = ((int)y - 1) / SCALE; /* glyph rows 1..18 of the cell */
        uint8_t bits = (y >= 1 && fy < XE_FONT_ROWS) ? xe_font[g][fy] : 0;
        for (uint32_t x = 0; x < CELL_W; x++) {
            int fx = ((int)x - 1) / SCALE;
            bool on = x >= 1 && fx < XE_FONT_COLS && (bits >> (XE_FONT_COLS - 1 - fx)) & 1;
            line[x] = on ? f : b;
        }
    }
}

static void title(const char *s)
{
    fill_rows(0, CELL_H, TITLE);
    for (uint32_t i = 0; s[i] != 0 && i < fb.cols; i++)
        draw(i, 0, s[i], 0x00ffffffu, TITLE);
}

void xe_fb_init(const struct xe_framebuffer *info)
{
    if (info->base == 0 || info->width < CELL_W * 20 || info->height < CELL_H * 4)
        return;
    fb.base = (uint32_t *)(uintptr_t)info->base;
    fb.width = info->width;
    fb.height = info->height;
    fb.stride = info->stride;
    fb.bgr = info->bgr;
    fb.cols = fb.width / CELL_W;
    fb.rows = fb.height / CELL_H;
    fb.col = 0;
    fb.row = 1;
    fill_rows(CELL_H, fb.height, BG);
    title(" Twain microkernel - UEFI x86_64 - serial console on COM1 (115200 8N1)");
}

/* Move the text up by a third of the screen and clear what that freed. */
static void scroll(void)
{
    uint32_t by = (fb.rows - 1) / 3;
    if (by == 0)
        by = 1;
    uint32_t first = CELL_H, shift = by * CELL_H;
    uint32_t end = fb.rows * CELL_H;
    for (uint32_t y = first; y + shift < end; y++)
        k_memcpy(fb.base + (size_t)y * fb.stride, fb.base + (size_t)(y + shift) * fb.stride,
                 (size_t)fb.width * 4);
    fill_rows(end - shift, fb.height, BG);
    fb.row -= by;
}

static void newline(void)
{
    fb.col = 0;
    if (++fb.row >= fb.rows)
        scroll();
}

void xe_fb_text(bool on)
{
    fb.text_off = !on;
}

void xe_fb_write(const char *s, size_t n)
{
    if (fb.base == NULL || fb.text_off)
        return; /* a program has the screen (the scheduling view) */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n') {
            newline();
        } else if (c == '\r') {
            fb.col = 0;
        } else if (c == '\t') {
            fb.col = (fb.col + 8) & ~7u;
            if (fb.col >= fb.cols)
                newline();
        } else {
            if (fb.col >= fb.cols)
                newline();
            draw(fb.col++, fb.row, c, FG, BG);
        }
    }
}
