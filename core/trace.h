/* SPDX-License-Identifier: MIT */
/*
 * core/trace.h - the trace (docs/trace-format.md): fixed-size binary records, one event
 * enum, one emitting function, and a 64-bit hash chaining every record. The records'
 * format is trace_format.h; this header adds the kernel's side, which emits them.
 *
 * Records carry virtual time, event type, thread id and three arguments; never a pointer
 * value, so traces are equal across builds and backends. The simulator, the window, the
 * exporters and replay all read these same records.
 */
#ifndef TWAIN_CORE_TRACE_H
#define TWAIN_CORE_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "trace_format.h" /* the records: events, struct trace_rec, the chain */

/* Start a new trace: chain reset; records go to hal_trace_write when sink is true. */
void trace_init(bool sink);
/* Deliver records to the sink in batches of n (1 .. K_TRACE_BUF; default K_TRACE_BUF). A
 * live viewer uses 1 to see, and step through, every event as it happens. */
void trace_set_batch(uint32_t n);
/* Append one record stamped with clock_now() and the running thread. */
void trace_emit(uint32_t type, uint64_t a, uint64_t b, uint64_t c);
/* Deliver buffered records to the sink. */
void trace_flush(void);
/* The chain hash after the last record (the run's trace-hash). */
uint64_t trace_hash(void);
uint64_t trace_count(void);

#endif /* TWAIN_CORE_TRACE_H */
