/* SPDX-License-Identifier: MIT */
/*
 * viz/fmt.h - text for the view: virtual times with readable units, system calls with
 * their arguments, error codes, signal sets and one-line records. Freestanding (klib's
 * k_snprintf); every function writes at most len bytes and NUL-terminates.
 */
#ifndef TWAIN_VIZ_FMT_H
#define TWAIN_VIZ_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/trace.h"

/* A duration or time in the largest unit that keeps it >= 1 ("40 us", "1.005 ms"). */
void viz_fmt_time(char *buf, size_t len, uint64_t ns);
/* Like viz_fmt_time with three significant digits ("604 us", "23.5 ms", "1.08 ms"). */
void viz_fmt_time3(char *buf, size_t len, uint64_t ns);
/* t in the given unit (1, 1e3, 1e6 or 1e9 ns) with a fixed number of decimals (0..9). */
void viz_fmt_fixed(char *buf, size_t len, uint64_t t, uint64_t unit, unsigned decimals);
/* The suffix of a unit: "ns", "us", "ms" or "s". */
const char *viz_unit_name(uint64_t unit);
/* The unit viz_fmt_time would pick for ns. */
uint64_t viz_unit_for(uint64_t ns);

const char *viz_syscall_name(uint64_t nr);
const char *viz_invoke_name(uint64_t op); /* NULL for an unknown operation */
const char *viz_error_name(int64_t code); /* "ok" for >= 0 */
const char *viz_event_name(uint32_t type);
/* A signal mask as words ("readable|peer_closed"). */
void viz_fmt_signals(char *buf, size_t len, uint32_t signals);
/* A TR_SYSCALL record as a call: "read(h1, 256)". */
void viz_fmt_syscall(char *buf, size_t len, const struct trace_rec *r);
/* A record as one line: "1.005007 ms t2 ipc-send seq 1 chan 13 len 8". */
void viz_fmt_record(char *buf, size_t len, const struct trace_rec *r);

#endif /* TWAIN_VIZ_FMT_H */
