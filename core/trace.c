/* SPDX-License-Identifier: MIT */
/*
 * core/trace.c - trace records, the hash chain and the buffer in front of the HAL sink.
 */
#include "trace.h"
#include "../hal/hal.h"
#include "clock.h"
#include "hash.h"
#include "kassert.h"
#include "limits.h"
#include "thread.h"

static struct {
    bool sink;
    struct trace_rec *next;  /* the next free slot of buf */
    struct trace_rec *limit; /* buf + the batch size: delivered when next reaches it */
    uint64_t chain;
    uint64_t count;
    struct trace_rec buf[K_TRACE_BUF];
} tr;

void trace_init(bool sink)
{
    tr.sink = sink;
    tr.next = tr.buf;
    tr.limit = tr.buf + K_TRACE_BUF;
    tr.chain = HASH_SEED;
    tr.count = 0;
}

/* trace_chain_next's body, inline in trace_emit. */
static inline __attribute__((always_inline)) uint64_t chain_next(uint64_t prev,
                                                                 const struct trace_rec *r)
{
    /*
     * Each field is multiplied by its own odd constant (a bijection, so a change in any one
     * field changes its term), the terms are folded, and one hash_word links the result to
     * the previous chain. The five multiplies are independent: they run in parallel.
     */
    uint64_t x = r->time * 0x9e3779b97f4a7c15ull;
    x ^= (((uint64_t)r->type << 32) | r->tid) * 0xc2b2ae3d27d4eb4full;
    x ^= r->a * 0x165667b19e3779f9ull;
    x = (x << 23 | x >> 41) ^ r->b * 0xd6e8feb86659fd93ull;
    x = (x << 23 | x >> 41) ^ r->c * 0xff51afd7ed558ccdull;
    return hash_word(prev, x);
}

uint64_t trace_chain_next(uint64_t prev, const struct trace_rec *r)
{
    return chain_next(prev, r);
}

void trace_flush(void)
{
    if (tr.sink && tr.next > tr.buf)
        hal_trace_write(tr.buf, (size_t)(tr.next - tr.buf) * sizeof(struct trace_rec));
    tr.next = tr.buf;
}

/* Append the record stamped time (the body of trace_emit). */
static inline __attribute__((always_inline)) void emit_at(uint64_t time, uint32_t type, uint64_t a,
                                                          uint64_t b, uint64_t c)
{
    K_ASSERT(type >= 1 && type <= TR_EVENT_MAX);
    /* Written in place, field by field, then chained from the slot (so that no register
     * has to keep a field). Without a sink the buffer fills and is emptied all the same,
     * only never delivered: one path for both. */
    struct trace_rec *slot = tr.next;
    slot->time = time;
    slot->type = type;
    slot->tid = thread_current_id();
    slot->a = a;
    slot->b = b;
    slot->c = c;
    slot->chain = tr.chain = chain_next(tr.chain, slot);
    tr.count++;
    tr.next = slot + 1;
    if (slot + 1 >= tr.limit)
        trace_flush();
}

/* Real-time mode reads the HAL clock, a call: out of line, so that the common path (virtual
 * time, one load) needs no stack frame. */
static __attribute__((noinline)) void emit_realtime(uint32_t type, uint64_t a, uint64_t b,
                                                    uint64_t c)
{
    emit_at(clock_now(), type, a, b, c);
}

void trace_emit(uint32_t type, uint64_t a, uint64_t b, uint64_t c)
{
    if (__builtin_expect(clock_config()->realtime, 0))
        emit_realtime(type, a, b, c);
    else
        emit_at(clock_now(), type, a, b, c);
}

void trace_set_batch(uint32_t n)
{
    K_ASSERT(n >= 1 && n <= K_TRACE_BUF);
    trace_flush();
    tr.limit = tr.buf + n;
}

uint64_t trace_hash(void)
{
    return tr.chain;
}

uint64_t trace_count(void)
{
    return tr.count;
}

const char *trace_event_name(uint32_t type)
{
    static const char *const names[TR_EVENT_MAX + 1] = {
        "?",       "boot",          "task-start", "thread-start", "switch",      "syscall",
        "sysret",  "block",         "wake",       "ipc-send",     "ipc-recv",    "timer",
        "fault",   "thread-exit",   "task-exit",  "console",      "expect-fail", "idle",
        "end",     "open",          "compute",    "task-spawn",   "task-adopt",  "req-accept",
        "req-end", "req-redeliver", "port-bind",  "port-end",
    };
    return type <= TR_EVENT_MAX ? names[type] : "?";
}
