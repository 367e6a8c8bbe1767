/* SPDX-License-Identifier: MIT */
/*
 * user/servers/log_ring.c - the log service's ring of records (log_ring.h).
 */
#include "log_ring.h"
#include "../../core/abi.h"
#include "../../core/klib.h"

int log_ring_init(struct log_ring *r, uint32_t cap)
{
    k_memset(r, 0, sizeof(*r)); /* every byte a TAIL may copy is set */
    bool ok = cap >= 1 && cap <= LOG_RING_MAX;
    r->cap = ok ? cap : LOG_RING_MAX;
    return ok ? TW_OK : TW_E_INVAL;
}

static bool holds_nul(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0')
            return true;
    return false;
}

int64_t log_ring_append(struct log_ring *r, uint32_t level, uint32_t task, const char *text,
                        size_t len)
{
    if (level > LOG_LEVEL_MAX || len > LOG_TEXT_MAX || holds_nul(text, len))
        return TW_E_INVAL;
    struct log_record *rec = &r->rec[r->head];
    k_memset(rec, 0, sizeof(*rec));
    rec->seq = ++r->last_seq;
    rec->level = level;
    rec->task = task;
    k_memcpy(rec->text, text, len);
    r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    if (r->count < r->cap)
        r->count++;
    return (int64_t)rec->seq;
}

const struct log_record *log_ring_back(const struct log_ring *r, uint32_t back)
{
    if (back >= r->count)
        return NULL;
    uint32_t i = (r->head + r->cap - 1 - back) % r->cap; /* back < count <= cap */
    return &r->rec[i];
}
