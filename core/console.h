/* SPDX-License-Identifier: MIT */
/*
 * core/console.h - the kernel console: output goes to the HAL, to the trace (so replays
 * and the window can show it) and to a capture buffer (for scenario expectations); input
 * bytes from the HAL queue for console:// readers.
 */
#ifndef TWAIN_CORE_CONSOLE_H
#define TWAIN_CORE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kobj;

void console_init(void);
/* Write bytes to the console (HAL, trace, capture). */
void console_write(const char *bytes, size_t len);
/* The captured output: the last K_CONSOLE_CAPTURE bytes, oldest first, into buf. */
size_t console_captured(char *buf, size_t cap);
/* Total bytes ever written since console_init. */
uint64_t console_total(void);
/* Take up to len input bytes; 0 when none is queued. */
size_t console_read_input(char *buf, size_t len);
size_t console_input_pending(void);
/* The console object console:// hands out: read takes input, write prints. Static. */
struct kobj *console_obj(void);

#endif /* TWAIN_CORE_CONSOLE_H */
