/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/console.c - the machine console: output to COM1 and to the GOP text
 * console (hal_console_write, xe_printf), input from the PS/2 keyboard and COM1 into
 * core's console://. The input interrupts (real-time mode only: deterministic mode keeps
 * them masked, as typing would change the trace) queue bytes; hal_poll hands them to core
 * at its next boundary (k_console_input).
 */
#include <stdarg.h>

#include "../../core/kentry.h"
#include "../hal.h"
#include "cpu.h"
#include "xe.h"

void hal_console_write(const char *bytes, size_t len)
{
    xe_serial_write(bytes, len);
    xe_fb_write(bytes, len);
}

void xe_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    size_t n = k_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    hal_console_write(buf, K_MIN(n, sizeof(buf) - 1));
}

void xe_serial_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    size_t n = k_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    xe_serial_write(buf, K_MIN(n, sizeof(buf) - 1));
}

/* PS/2 scan code set 1, US layout: make codes 0x01..0x39 without and with shift. */
static const char keymap[2][0x3a] = {
    {0,    27,  '1', '2', '3', '4', '5', '6', '7', '8', '9',  '0', '-', '=',  '\b',
     '\t', 'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p',  '[', ']', '\n', 0,
     'a',  's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,   '\\', 'z',
     'x',  'c', 'v', 'b', 'n', 'm', ',', '.', '/', 0,   '*',  0,   ' '},
    {0,    27,  '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+',  '\b',
     '\t', 'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0,
     'A',  'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,   '|',  'Z',
     'X',  'C', 'V', 'B', 'N', 'M', '<', '>', '?', 0,   '*', 0,   ' '},
};

#define INPUT_RING 256

static struct {
    char ring[INPUT_RING];
    uint32_t head, len; /* written with interrupts masked (in handlers) */
    bool shift;
} in;

static void queue(char c)
{
    if (in.len < INPUT_RING)
        in.ring[(in.head + in.len++) % INPUT_RING] = c;
}

void hal_poll(void)
{
    while (in.len > 0) {
        uint32_t n = K_MIN(in.len, INPUT_RING - in.head);
        k_console_input(in.ring + in.head, n);
        in.head = (in.head + n) % INPUT_RING;
        in.len -= n;
    }
}

void xe_input_irq_keyboard(void)
{
    uint8_t sc = xe_inb(0x60);
    bool release = (sc & 0x80) != 0;
    uint8_t code = sc & 0x7f;
    if (code == 0x2a || code == 0x36) { /* left / right shift */
        in.shift = !release;
        return;
    }
    if (!release && code < sizeof(keymap[0]) && keymap[in.shift][code] != 0)
        queue(keymap[in.shift][code]);
}

void xe_input_irq_serial(void)
{
    int c;
    for (unsigned n = 0; n < 16 && (c = xe_serial_getc()) >= 0; n++)
        queue(c == '\r' ? '\n' : (char)c);
}
