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
    uint32_t buffered;
    uint64_t chain;
    uint64_t count;
    struct trace_rec buf[K_TRACE_BUF];
} tr;

void trace_init(bool sink)
{
    tr.sink = sink;
    tr.buffered = 0;
    tr.chain = HASH_SEED;
    tr.count = 0;
}

uint64_t trace_chain_next(uint64_t prev, const struct trace_rec *r)
{
    uint64_t h = hash_word(prev, r->time);
    h = hash_word(h, ((uint64_t)r->type << 32) | r->tid);
    h = hash_word(h, r->a);
    h = hash_word(h, r->b);
    return hash_word(h, r->c);
}

void trace_flush(void)
{
    if (tr.sink && tr.buffered > 0)
        hal_trace_write(tr.buf, tr.buffered * sizeof(struct trace_rec));
    tr.buffered = 0;
}

void trace_emit(uint32_t type, uint64_t a, uint64_t b, uint64_t c)
{
    K_ASSERT(type >= 1 && type <= TR_EVENT_MAX);
    struct thread *cur = thread_current();
    struct trace_rec r = {
        .time = clock_now(),
        .type = type,
        .tid = cur != NULL ? cur->id : 0,
        .a = a,
        .b = b,
        .c = c,
    };
    r.chain = trace_chain_next(tr.chain, &r);
    tr.chain = r.chain;
    tr.count++;
    if (!tr.sink)
        return;
    tr.buf[tr.buffered++] = r;
    if (tr.buffered == K_TRACE_BUF)
        trace_flush();
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
        "?",         "boot",    "task-start",  "thread-start", "switch", "syscall", "sysret",
        "block",     "wake",    "ipc-send",    "ipc-recv",     "timer",  "fault",   "thread-exit",
        "task-exit", "console", "expect-fail", "idle",         "end",    "open",    "compute",
    };
    return type <= TR_EVENT_MAX ? names[type] : "?";
}
