/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/req_count.c - counting a run's requests from its trace (see req_count.h).
 *
 * Every request is found by its port and number (TR_REQ_*) and by its message's seq
 * (TR_IPC_RECV of it on the port: a delivery), in two open-addressing tables over one array
 * of requests. A delivery beyond the first must be paid for by a TR_REQ_REDELIVER c = 1 of
 * the request before it, one each; otherwise the request was duplicated. A killed task's
 * ports (TR_PORT_END naming it) are down from the kill to their next TR_PORT_BIND: that is
 * the recovery time.
 */
#include "req_count.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct rc_req {
    uint32_t port;   /* index into ports */
    uint64_t number; /* its number on the port */
    uint64_t seq;    /* its message's seq (accepted requests) */
    bool accepted;
    uint32_t ends;
    uint32_t deliveries;
    uint32_t credits; /* redeliveries (c = 1) not yet followed by a delivery */
};

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return p;
    uint32_t n = *cap == 0 ? 16 : *cap;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * size);
    if (q == NULL) {
        fprintf(stderr, "twain: out of memory counting requests\n");
        exit(2);
    }
    memset((char *)q + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *cap = n;
    return q;
}

void req_count_init(struct req_count *rc)
{
    memset(rc, 0, sizeof(*rc));
}

void req_count_free(struct req_count *rc)
{
    free(rc->ports);
    free(rc->reqs);
    free(rc->by_req);
    free(rc->by_seq);
    free(rc->killed_at);
    memset(rc, 0, sizeof(*rc));
}

static void bad(struct req_count *rc, const struct trace_rec *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An inconsistency of the trace: counted on the port; the first one is kept in words. */
static void bad(struct req_count *rc, const struct trace_rec *r, const char *fmt, ...)
{
    rc->total.bad++;
    if (rc->first_bad[0] != '\0')
        return;
    int n = snprintf(rc->first_bad, sizeof(rc->first_bad),
                     "at %llu.%03llu us: ", (unsigned long long)(r->time / 1000),
                     (unsigned long long)(r->time % 1000));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rc->first_bad + n, sizeof(rc->first_bad) - (size_t)n, fmt, ap);
    va_end(ap);
}

/* The port with object id id, added when first named. */
static uint32_t port_index(struct req_count *rc, uint32_t id)
{
    for (uint32_t i = rc->nports; i > 0; i--) /* few ports: the newest are the likeliest */
        if (rc->ports[i - 1].id == id)
            return i - 1;
    rc->ports = grow(rc->ports, &rc->ports_cap, rc->nports + 1, sizeof(*rc->ports));
    rc->ports[rc->nports].id = id;
    return rc->nports++;
}

/* ---- the two tables ---------------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t req_key(uint32_t port_id, uint64_t number)
{
    return mix(number * 0x9e3779b97f4a7c15ull ^ port_id);
}

static void table_put(uint32_t *t, uint64_t cap, uint64_t hash, uint32_t idx)
{
    uint64_t i = hash & (cap - 1);
    while (t[i] != 0)
        i = (i + 1) & (cap - 1);
    t[i] = idx + 1;
}

/* Keep both tables at most half full. */
static void tables_reserve(struct req_count *rc)
{
    if ((uint64_t)(rc->nreqs + 1) * 2 <= rc->table_cap)
        return;
    uint64_t cap = rc->table_cap == 0 ? 64 : rc->table_cap * 2;
    uint32_t *by_req = calloc(cap, sizeof(uint32_t)), *by_seq = calloc(cap, sizeof(uint32_t));
    if (by_req == NULL || by_seq == NULL) {
        fprintf(stderr, "twain: out of memory counting requests\n");
        exit(2);
    }
    for (uint32_t i = 0; i < rc->nreqs; i++) {
        const struct rc_req *q = &rc->reqs[i];
        table_put(by_req, cap, req_key(rc->ports[q->port].id, q->number), i);
        if (q->accepted)
            table_put(by_seq, cap, mix(q->seq), i);
    }
    free(rc->by_req);
    free(rc->by_seq);
    rc->by_req = by_req;
    rc->by_seq = by_seq;
    rc->table_cap = cap;
}

static struct rc_req *find_req(const struct req_count *rc, uint32_t port_id, uint64_t number)
{
    if (rc->table_cap == 0)
        return NULL;
    for (uint64_t i = req_key(port_id, number) & (rc->table_cap - 1); rc->by_req[i] != 0;
         i = (i + 1) & (rc->table_cap - 1)) {
        struct rc_req *q = &rc->reqs[rc->by_req[i] - 1];
        if (q->number == number && rc->ports[q->port].id == port_id)
            return q;
    }
    return NULL;
}

static struct rc_req *find_seq(const struct req_count *rc, uint64_t seq)
{
    if (rc->table_cap == 0)
        return NULL;
    for (uint64_t i = mix(seq) & (rc->table_cap - 1); rc->by_seq[i] != 0;
         i = (i + 1) & (rc->table_cap - 1)) {
        struct rc_req *q = &rc->reqs[rc->by_seq[i] - 1];
        if (q->seq == seq)
            return q;
    }
    return NULL;
}

/* The request (port id, number), added (not yet accepted) when the trace first names it. */
static struct rc_req *req_of(struct req_count *rc, uint32_t port_id, uint64_t number)
{
    struct rc_req *q = find_req(rc, port_id, number);
    if (q != NULL)
        return q;
    tables_reserve(rc);
    rc->reqs = grow(rc->reqs, &rc->reqs_cap, rc->nreqs + 1, sizeof(*rc->reqs));
    q = &rc->reqs[rc->nreqs];
    q->port = port_index(rc, port_id);
    q->number = number;
    table_put(rc->by_req, rc->table_cap, req_key(port_id, number), rc->nreqs++);
    return q;
}

/* ---- the records ------------------------------------------------------------------------- */

/* Bump one counter of request q's port and the total alike. */
#define COUNT(rc, q, field)                                                                        \
    do {                                                                                           \
        (rc)->ports[(q)->port].n.field++;                                                          \
        (rc)->total.field++;                                                                       \
    } while (0)

static void on_accept(struct req_count *rc, const struct trace_rec *r)
{
    uint32_t port_id = (uint32_t)(r->b >> 32);
    struct rc_req *q = req_of(rc, port_id, r->a);
    if (q->accepted || q->ends > 0) {
        rc->ports[q->port].n.bad++;
        bad(rc, r, "port %u request %llu accepted %s", port_id, (unsigned long long)r->a,
            q->accepted ? "twice" : "after it ended");
    }
    if (!q->accepted) {
        q->accepted = true;
        q->seq = r->c;
        table_put(rc->by_seq, rc->table_cap, mix(q->seq), (uint32_t)(q - rc->reqs));
        COUNT(rc, q, accepted);
    }
}

static void on_end(struct req_count *rc, const struct trace_rec *r)
{
    uint32_t port_id = (uint32_t)(r->b >> 32);
    struct rc_req *q = req_of(rc, port_id, r->a);
    if (!q->accepted || q->ends > 0) {
        rc->ports[q->port].n.bad++;
        bad(rc, r, "port %u request %llu ended %s", port_id, (unsigned long long)r->a,
            q->ends > 0 ? "twice" : "before it was accepted");
    }
    q->ends++;
    switch (r->c) {
    case TR_REQ_REPLIED:
    case TR_REQ_NEXT:
        COUNT(rc, q, answered);
        break;
    case TR_REQ_RESTARTED:
        COUNT(rc, q, refused);
        break;
    case TR_REQ_CLOSED:
        COUNT(rc, q, closed);
        break;
    case TR_REQ_GONE:
        COUNT(rc, q, gone);
        break;
    default:
        rc->ports[q->port].n.bad++;
        bad(rc, r, "port %u request %llu ended in an unknown way (%llu)", port_id,
            (unsigned long long)r->a, (unsigned long long)r->c);
    }
}

static void on_redeliver(struct req_count *rc, const struct trace_rec *r)
{
    uint32_t port_id = (uint32_t)(r->b >> 32);
    struct rc_req *q = req_of(rc, port_id, r->a);
    if (!q->accepted || q->ends > 0) {
        rc->ports[q->port].n.bad++;
        bad(rc, r, "port %u request %llu redelivered %s", port_id, (unsigned long long)r->a,
            q->ends > 0 ? "after it ended" : "before it was accepted");
    }
    if (r->c == 1) {
        COUNT(rc, q, redelivered);
        q->credits++;
    }
}

static void on_recv(struct req_count *rc, const struct trace_rec *r)
{
    struct rc_req *q = find_seq(rc, r->a);
    if (q == NULL || rc->ports[q->port].id != (uint32_t)(r->b >> 32))
        return; /* not a request read from its port: a reply, a pair's message */
    if (q->deliveries++ == 0)
        return;
    if (q->credits > 0) {
        q->credits--;
        return;
    }
    COUNT(rc, q, duplicated);
    if (rc->total.duplicated == 1 && rc->first_bad[0] == '\0')
        snprintf(rc->first_bad, sizeof(rc->first_bad),
                 "at %llu.%03llu us: port %u request %llu delivered again, never redelivered",
                 (unsigned long long)(r->time / 1000), (unsigned long long)(r->time % 1000),
                 rc->ports[q->port].id, (unsigned long long)q->number);
}

static void set_killed(struct req_count *rc, uint64_t task, uint64_t time)
{
    if (task >= UINT32_MAX)
        return;
    rc->killed_at = grow(rc->killed_at, &rc->killed_cap, (uint32_t)task + 1, sizeof(uint64_t));
    rc->killed_at[task] = time + 1;
}

static void on_fault(struct req_count *rc, const struct trace_rec *r)
{
    switch (r->a) {
    case TR_FAULT_CRASH:
        rc->crashes++;
        set_killed(rc, r->b, r->time);
        break;
    case TR_FAULT_KILL:
    case TR_FAULT_KILL_SERVER:
    case TR_FAULT_CAMPAIGN:
        if (r->b == 0) {
            rc->misses++;
            break;
        }
        rc->kills++;
        set_killed(rc, r->b, r->time);
        break;
    default:
        break;
    }
}

static void on_port_end(struct req_count *rc, const struct trace_rec *r)
{
    uint32_t i = port_index(rc, (uint32_t)r->a); /* it may move the ports */
    struct rc_port *p = &rc->ports[i];
    if (r->c != 0 && r->c < rc->killed_cap && rc->killed_at[r->c] != 0) {
        p->hit = p->down = true;
        p->down_at = rc->killed_at[r->c] - 1;
    }
}

static void on_port_bind(struct req_count *rc, const struct trace_rec *r)
{
    uint32_t i = port_index(rc, (uint32_t)r->a); /* it may move the ports */
    struct rc_port *p = &rc->ports[i];
    if (!p->down)
        return;
    uint64_t ns = r->time - p->down_at;
    p->down = false;
    rc->recoveries++;
    rc->recovery_sum_ns += ns;
    if (ns > rc->recovery_max_ns)
        rc->recovery_max_ns = ns;
}

void req_count_feed(struct req_count *rc, const struct trace_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (r[i].type) {
        case TR_REQ_ACCEPT:
            on_accept(rc, &r[i]);
            break;
        case TR_REQ_END:
            on_end(rc, &r[i]);
            break;
        case TR_REQ_REDELIVER:
            on_redeliver(rc, &r[i]);
            break;
        case TR_IPC_RECV:
            on_recv(rc, &r[i]);
            break;
        case TR_FAULT:
            on_fault(rc, &r[i]);
            break;
        case TR_PORT_END:
            on_port_end(rc, &r[i]);
            break;
        case TR_PORT_BIND:
            on_port_bind(rc, &r[i]);
            break;
        case TR_END:
            rc->ended = true;
            rc->end_reason = (uint32_t)r[i].a;
            rc->end_time = r[i].time;
            break;
        default:
            break;
        }
    }
}

static void counts_add(struct rc_counts *a, const struct rc_counts *b)
{
    a->accepted += b->accepted;
    a->answered += b->answered;
    a->refused += b->refused;
    a->closed += b->closed;
    a->gone += b->gone;
    a->live += b->live;
    a->redelivered += b->redelivered;
    a->duplicated += b->duplicated;
    a->bad += b->bad;
}

void req_count_finish(struct req_count *rc)
{
    for (uint32_t i = 0; i < rc->nreqs; i++) {
        const struct rc_req *q = &rc->reqs[i];
        if (q->accepted && q->ends == 0)
            COUNT(rc, q, live);
    }
    for (uint32_t i = 0; i < rc->nports; i++) {
        rc->unrecovered += rc->ports[i].down;
        if (rc->ports[i].hit)
            counts_add(&rc->died, &rc->ports[i].n);
    }
}

uint64_t req_count_recovery_mean(const struct req_count *rc)
{
    return rc->recoveries == 0 ? 0 : rc->recovery_sum_ns / rc->recoveries;
}

bool req_count_judge(const struct req_count *rc, bool strict, char *why, size_t cap)
{
    static const char *const ends[] = {"every task done", "deadlock", "time limit"};
    const struct rc_counts *t = &rc->total;
    if (t->bad > 0) {
        snprintf(why, cap, "%llu inconsistencies, the first %s", (unsigned long long)t->bad,
                 rc->first_bad);
        return false;
    }
    if (t->duplicated > 0) {
        snprintf(why, cap, "%llu requests duplicated, the first %s",
                 (unsigned long long)t->duplicated, rc->first_bad);
        return false;
    }
    if (!strict)
        return true;
    if (!rc->ended || rc->end_reason != TR_END_DONE) {
        snprintf(why, cap, "the run ended by %s",
                 !rc->ended            ? "no end record (a panic?)"
                 : rc->end_reason <= 2 ? ends[rc->end_reason]
                                       : "an unknown reason");
        return false;
    }
    const struct rc_counts h = rc->died;
    if (h.accepted != h.answered + h.refused) {
        snprintf(why, cap,
                 "on the ports whose servers died, accepted %llu != answered %llu + refused "
                 "%llu (closed %llu, gone %llu, live %llu)",
                 (unsigned long long)h.accepted, (unsigned long long)h.answered,
                 (unsigned long long)h.refused, (unsigned long long)h.closed,
                 (unsigned long long)h.gone, (unsigned long long)h.live);
        return false;
    }
    return true;
}

void rc_counts_format(const struct rc_counts *n, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "accepted %llu answered %llu refused %llu duplicated %llu (closed %llu gone %llu "
             "live %llu redelivered %llu)",
             (unsigned long long)n->accepted, (unsigned long long)n->answered,
             (unsigned long long)n->refused, (unsigned long long)n->duplicated,
             (unsigned long long)n->closed, (unsigned long long)n->gone,
             (unsigned long long)n->live, (unsigned long long)n->redelivered);
}

void req_count_add(struct req_count *a, const struct req_count *b)
{
    counts_add(&a->total, &b->total);
    counts_add(&a->died, &b->died);
    a->kills += b->kills;
    a->misses += b->misses;
    a->crashes += b->crashes;
    a->recoveries += b->recoveries;
    a->recovery_sum_ns += b->recovery_sum_ns;
    if (b->recovery_max_ns > a->recovery_max_ns)
        a->recovery_max_ns = b->recovery_max_ns;
    a->unrecovered += b->unrecovered;
}
