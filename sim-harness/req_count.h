/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/req_count.h - counting a run's requests from its trace (docs/supervision.md,
 * "Counting" and "Campaign"): per port and in total, what was accepted, answered, refused
 * with restarted, closed, gone, still live at the end, redelivered and duplicated; the kills
 * faults made and how long each killed server's port took to be served again. `twain check`
 * feeds it every record of a run and judges the run by it (req_count_judge).
 */
#ifndef TWAIN_SIM_HARNESS_REQ_COUNT_H
#define TWAIN_SIM_HARNESS_REQ_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/trace_format.h"

/* What happened to the requests of one port (or of all: req_count.total). */
struct rc_counts {
    uint64_t accepted;    /* TR_REQ_ACCEPT */
    uint64_t answered;    /* TR_REQ_END replied or next */
    uint64_t refused;     /* TR_REQ_END restarted */
    uint64_t closed;      /* TR_REQ_END closed */
    uint64_t gone;        /* TR_REQ_END gone */
    uint64_t live;        /* accepted, not ended when the trace ended */
    uint64_t redelivered; /* TR_REQ_REDELIVER c = 1 */
    uint64_t duplicated;  /* deliveries beyond the first that no redelivery preceded */
    uint64_t bad;         /* ended twice, ended or delivered before accepted, accepted twice */
};

struct rc_port {
    uint32_t id; /* the port's object id */
    struct rc_counts n;
    bool hit;         /* a server of it was killed or crashed: the campaign's law holds */
    bool down;        /* its incarnation ended with its server killed: not served since */
    uint64_t down_at; /* the time of that kill */
};

struct rc_req; /* one request (req_count.c) */

struct req_count {
    struct rc_counts total;
    struct rc_counts died; /* summed over the ports whose servers died (rc_port.hit): finish */
    struct rc_port *ports; /* in the order the trace first named them */
    uint32_t nports, ports_cap;
    /* faults */
    uint64_t kills;      /* TR_FAULT kill, kill_server or campaign that killed a task */
    uint64_t misses;     /* server faults that found nothing to kill */
    uint64_t crashes;    /* TR_FAULT crash */
    uint64_t recoveries; /* killed or crashed servers whose port was served again */
    uint64_t recovery_sum_ns, recovery_max_ns;
    uint64_t unrecovered; /* ports still not served again when the trace ended */
    /* the run */
    bool ended;          /* TR_END seen */
    uint32_t end_reason; /* its enum trace_end */
    uint64_t end_time;
    char first_bad[160]; /* the first inconsistency found, with its record's time */
    /* internals: requests by (port, number) and by message seq; kill times by task id */
    struct rc_req *reqs;
    uint32_t nreqs, reqs_cap;
    uint32_t *by_req, *by_seq; /* open addressing: index + 1 into reqs, 0 empty */
    uint64_t table_cap;        /* slots of each (a power of two) */
    uint64_t *killed_at;       /* by task id: kill time + 1, 0 none */
    uint32_t killed_cap;
};

/* An empty count (call req_count_free when done). */
void req_count_init(struct req_count *rc);
void req_count_free(struct req_count *rc);

/* Count n records of a run, in trace order (a run may be fed in any number of pieces). */
void req_count_feed(struct req_count *rc, const struct trace_rec *r, size_t n);

/* After the last record: what is still live, and the ports never served again. */
void req_count_finish(struct req_count *rc);

/*
 * Judge a finished count: false, with why (one line), when a request ended twice, ended or
 * was delivered before it was accepted, or was accepted twice; when one was duplicated;
 * and, strict (a run that kills servers: docs/supervision.md "Campaign"), unless the trace
 * ended (TR_END) with every task done and, summed over the ports whose server was killed
 * or crashed (rc_port.hit), accepted = answered + refused (none closed, gone or still
 * live). Other ports' requests (a supervisor's control port, whose one-way messages from a
 * server killed before they were read end gone) are held to the first rules only.
 */
bool req_count_judge(const struct req_count *rc, bool strict, char *why, size_t cap);

/* Mean recovery time in ns (0 without recoveries). */
uint64_t req_count_recovery_mean(const struct req_count *rc);

/* One line of counts (no newline): "accepted A answered B refused C duplicated D ...". */
void rc_counts_format(const struct rc_counts *n, char *buf, size_t cap);

/* Add b's totals (requests, faults, recoveries; not its ports) to a: a sum over seeds. */
void req_count_add(struct req_count *a, const struct req_count *b);

#endif /* TWAIN_SIM_HARNESS_REQ_COUNT_H */
