/* SPDX-License-Identifier: MIT */
/*
 * user/servers/log_ring.h - the records of the log service (log-server, proto/log.proto;
 * docs/services.md, "The log"): a ring of the newest cap records, numbered from 1 in the
 * order they were appended. Freestanding and without state of its own, so the unit test
 * drives it directly (tests/unit/test_log_ring.c).
 */
#ifndef TWAIN_USER_SERVERS_LOG_RING_H
#define TWAIN_USER_SERVERS_LOG_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_RING_MAX  64  /* records a ring may keep (log-server records=N: 1..64) */
#define LOG_TEXT_MAX  160 /* bytes of a record's text (log.options: max_size 161, its NUL) */
#define LOG_LEVEL_MAX 7   /* levels 0..7; an APPEND of another is invalid_argument */

struct log_record {
    uint64_t seq;   /* 1, 2, ... in append order */
    uint32_t level; /* 0..LOG_LEVEL_MAX */
    uint32_t task;  /* the id of the task that wrote the APPEND (port_sender), 0: none */
    char text[LOG_TEXT_MAX + 1];
};

struct log_ring {
    struct log_record rec[LOG_RING_MAX];
    uint32_t cap;      /* records kept: the oldest goes when one more comes */
    uint32_t count;    /* records held now, at most cap */
    uint32_t head;     /* the slot the next record goes to */
    uint64_t last_seq; /* the newest record's number; 0: none yet */
};

/* Empty r, keeping the newest cap records from now on: TW_OK, or TW_E_INVAL for a cap
 * outside 1..LOG_RING_MAX (r is then a ring of LOG_RING_MAX). */
int log_ring_init(struct log_ring *r, uint32_t cap);

/*
 * Append a record of level (0..LOG_LEVEL_MAX) and the text[0..len) written by task: its
 * number (> 0), or TW_E_INVAL for a level out of range, a text longer than LOG_TEXT_MAX
 * or one holding a NUL (r unchanged). When r holds cap records, the oldest is dropped.
 */
int64_t log_ring_append(struct log_ring *r, uint32_t level, uint32_t task, const char *text,
                        size_t len);

/* The record back records before the newest (0: the newest), or NULL when r does not keep
 * it (back >= the records held). */
const struct log_record *log_ring_back(const struct log_ring *r, uint32_t back);

#endif /* TWAIN_USER_SERVERS_LOG_RING_H */
