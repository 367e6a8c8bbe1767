/* SPDX-License-Identifier: MIT */
/*
 * core/chan_req.c - the requests on ports and their server incarnations
 * (docs/supervision.md, "Incarnations and requests"): numbering what a port accepts, the
 * request each server thread has in service, the markers that tell a caller its request
 * ended without a reply, and what the end of an incarnation does to every request and
 * client of the port. The rings and ends themselves are core/chan.c's.
 *
 * A request accepted into a port's ring is, until it ends, in exactly one place: in the
 * ring, or in service by one thread (its struct port_service). It ends once: replied,
 * read past (one-way), restarted, closed or gone (enum trace_req_end), each traced with
 * TR_REQ_END. Only a repeatable request in service has a copy; its slot in the ring stays
 * counted (held) until it ends, so it can always be put back.
 */
#include "chan.h"
#include "chan_int.h"
#include "kcache.h"
#include "klib.h"
#include "task.h"
#include "thread.h"
#include "trace.h"

static struct kcache copies; /* struct chan_msg: repeatable requests in service */

void chan_req_init(void)
{
    kcache_init(&copies, "chan-copy", sizeof(struct chan_msg));
}

void chan_req_check_empty(void)
{
    K_ASSERT(copies.live == 0);
}

/* The port and its generation, as TR_REQ_END and TR_REQ_REDELIVER carry them. */
static uint64_t port_word(const struct port *p)
{
    return ((uint64_t)p->obj.id << 32) | p->gen;
}

static void trace_end(struct port *p, uint64_t req, uint64_t word, uint32_t how)
{
    trace_emit(TR_REQ_END, req, word, how);
    p->ended++;
}

/* Safe to repeat: the port marks the op (0..63), and the request carries no handles (they
 * were moved into the server that read it, so a second delivery could not carry them). */
static bool repeatable(const struct port *p, const struct chan_msg *m)
{
    uint32_t op = msg_op(m);
    return m->nh == 0 && op < 64 && ((p->repeatable >> op) & 1) != 0;
}

int req_copy_for_read(struct port *p, struct chan_msg **copy)
{
    const struct chan_msg *m = ring_front(&p->in);
    *copy = NULL;
    if (m->flags != 0 || !repeatable(p, m))
        return TW_OK;
    struct chan_msg *c = kcache_alloc(&copies);
    if (c == NULL)
        return TW_E_NOMEM;
    c->len = m->len;
    c->task = m->task;
    c->seq = m->seq;
    c->req = m->req;
    k_memcpy(c->data, m->data, m->len);
    kobj_ref(m->from);
    c->from = m->from;
    *copy = c;
    return TW_OK;
}

void req_copy_free(struct chan_msg *c)
{
    msg_release(c);
    kcache_free(&copies, c);
}

/* A stale end's owed request ended: when it was the last, its signals change. */
static void owed_done(struct chan_end *e)
{
    K_ASSERT(e->stale && e->owed > 0);
    if (--e->owed == 0)
        kobj_notify(&e->obj);
}

static void fill_marker(struct chan_msg *m, int32_t err, uint64_t seq, uint64_t req)
{
    m->len = 0;
    m->nh = 0;
    m->flags = MSG_MARKER;
    m->task = 0;
    m->seq = seq;
    m->req = req;
    m->from = NULL;
    k_memcpy(m->data, &err, sizeof(err));
}

/*
 * Tell client e that its request (seq, req) ends with err (TW_E_RESTARTED, TW_E_PEER)
 * instead of a reply: a marker in its ring, read in order with its replies; when the ring
 * is full (or cannot be allocated), counted beyond it and read after it.
 */
static void mark(struct chan_end *e, int32_t err, uint64_t seq, uint64_t req)
{
    if (e->port == NULL)
        return; /* the end closed: nobody to tell */
    struct chan_msg *m = NULL;
    if (e->over_restarted == 0 && e->over_closed == 0 && !ring_full(&e->in))
        m = ring_reserve(&e->in);
    if (m != NULL) {
        fill_marker(m, err, seq, req);
        ring_commit(&e->in);
    } else if (err == TW_E_RESTARTED) {
        e->over_restarted++;
    } else {
        e->over_closed++;
    }
    kobj_notify(&e->obj);
}

void req_flush_markers(struct chan_end *e)
{
    while ((e->over_restarted > 0 || e->over_closed > 0) && !ring_full(&e->in)) {
        struct chan_msg *m = ring_reserve(&e->in);
        if (m == NULL)
            return;
        bool restarted = e->over_restarted > 0;
        fill_marker(m, restarted ? TW_E_RESTARTED : TW_E_PEER, UINT64_MAX, 0);
        if (restarted)
            e->over_restarted--;
        else
            e->over_closed--;
        ring_commit(&e->in);
    }
}

int64_t req_take_marker(struct chan_end *e, uint64_t *seq)
{
    struct chan_msg *m = ring_front(&e->in);
    K_ASSERT(m->flags == MSG_MARKER);
    int32_t err;
    k_memcpy(&err, m->data, sizeof(err));
    *seq = m->seq;
    ring_pop(&e->in);
    return err;
}

void req_read(struct thread *t, struct port *p, uint64_t req, uint64_t seq, uint32_t task,
              struct chan_msg *copy)
{
    if (p->server == NULL) {
        p->server = t->task;
        trace_emit(TR_PORT_BIND, p->obj.id, p->gen, t->task->id);
        chan_port_tell(p, CHAN_PORT_BOUND);
    }
    if (t->svc.port != NULL)
        req_service_end(t, TR_REQ_NEXT); /* it read past its last one: a one-way message */
    kobj_ref(&p->obj);
    t->svc =
        (struct port_service){.port = &p->obj, .copy = copy, .req = req, .seq = seq, .task = task};
    p->in_service++;
    if (copy != NULL)
        p->in.held++;
}

/* t's request is no longer in service (the port reference goes last: it may be the last). */
static void service_clear(struct thread *t, struct port *p)
{
    K_ASSERT(p->in_service > 0 && t->svc.copy == NULL);
    p->in_service--;
    t->svc.port = NULL;
    kobj_unref(&p->obj);
}

/* Drop the copy of t's request; the slot it held is free again. */
static void release_copy(struct thread *t, struct port *p)
{
    struct chan_msg *c = t->svc.copy;
    if (c == NULL)
        return;
    t->svc.copy = NULL;
    bool was_full = ring_full(&p->in);
    K_ASSERT(p->in.held > 0);
    p->in.held--;
    req_copy_free(c);
    if (was_full && !p->closed)
        port_notify_clients(p);
}

void req_service_end(struct thread *t, uint32_t how)
{
    struct port *p = as_port(t->svc.port);
    struct chan_end *client = as_end(t->reply_to);
    trace_end(p, t->svc.req, port_word(p), how);
    release_copy(t, p);
    if (client->stale)
        owed_done(client);
    service_clear(t, p);
}

/*
 * Put a repeatable request back into its port's ring, in its held slot: at the front,
 * after any put back before it that was read before it (the ring stays in request order,
 * which is the order they were read).
 */
static void requeue(struct port *p, struct chan_msg *c)
{
    struct msg_ring *r = &p->in;
    K_ASSERT(r->held > 0 && r->slots != NULL && r->count < r->cap);
    r->held--;
    r->head = r->head == 0 ? r->cap - 1 : r->head - 1;
    r->count++;
    r->front_digest_known = false;
    *ring_at(r, 0) = *c; /* the client reference moves with it */
    c->from = NULL;
    kcache_free(&copies, c);
    for (uint32_t i = 0; i + 1 < r->count && ring_at(r, i + 1)->req < ring_at(r, i)->req; i++) {
        struct chan_msg tmp = *ring_at(r, i);
        *ring_at(r, i) = *ring_at(r, i + 1);
        *ring_at(r, i + 1) = tmp;
    }
    kobj_notify(&p->obj);
}

void chan_thread_exit(struct thread *t)
{
    if (t->svc.port == NULL)
        return;
    struct port *p = as_port(t->svc.port);
    struct chan_end *client = as_end(t->reply_to);
    if (client->port == NULL) {
        req_service_end(t, TR_REQ_GONE);
        return;
    }
    if (p->closed) {
        if (client->stale) /* owed, and now never answered: it learns so */
            mark(client, TW_E_PEER, t->svc.seq, t->svc.req);
        req_service_end(t, TR_REQ_CLOSED);
        return;
    }
    struct chan_msg *c = t->svc.copy;
    if (c != NULL && repeatable(p, c)) {
        trace_emit(TR_REQ_REDELIVER, t->svc.req, port_word(p), 1);
        t->svc.copy = NULL;
        requeue(p, c); /* still owed to a stale client: its count stays */
        service_clear(t, p);
        return;
    }
    mark(client, TW_E_RESTARTED, t->svc.seq, t->svc.req);
    req_service_end(t, TR_REQ_RESTARTED);
}

void req_end_incarnation(struct port *p, uint32_t task_id)
{
    uint64_t word = port_word(p); /* the incarnation that ends */
    p->gen++;                     /* 2^32 - 1 wraps to 0: no handle compares it */
    p->server = NULL;
    trace_emit(TR_PORT_END, p->obj.id, p->gen, task_id);
    /* Queued requests: repeatable ones stay where they are, the others are refused. */
    struct msg_ring *r = &p->in;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < r->count; i++) {
        struct chan_msg *m = ring_at(r, i);
        struct chan_end *c = as_end(m->from);
        if (c->port != NULL && repeatable(p, m)) {
            trace_emit(TR_REQ_REDELIVER, m->req, word, 0);
            if (!c->stale && !c->durable)
                c->owed++; /* it goes stale below */
            if (kept != i)
                *ring_at(r, kept) = *m;
            kept++;
            continue;
        }
        if (c->port != NULL)
            mark(c, TW_E_RESTARTED, m->seq, m->req);
        trace_end(p, m->req, word, c->port != NULL ? TR_REQ_RESTARTED : TR_REQ_GONE);
        if (c->stale)
            owed_done(c);
        msg_release(m);
    }
    r->count = kept;
    r->front_digest_known = false;
    /* Every end connected during it goes stale at once: no later compare of generations
     * (which wrap) is ever needed to refuse one. A subscription (durable) moves on to the
     * next incarnation instead (docs/services.md). */
    struct list keep, *n;
    list_init(&keep);
    while ((n = list_pop_front(&p->clients)) != NULL) {
        struct chan_end *e = list_entry(n, struct chan_end, client_link);
        if (e->durable) {
            e->gen = p->gen;
            list_push_back(&keep, &e->client_link);
            continue;
        }
        e->stale = true;
        kobj_notify(&e->obj);
    }
    while ((n = list_pop_front(&keep)) != NULL)
        list_push_back(&p->clients, n);
    chan_port_tell(p, CHAN_PORT_ENDED);
}

void req_port_closed(struct port *p)
{
    struct msg_ring *r = &p->in;
    uint64_t word = port_word(p);
    while (r->count > 0) {
        struct chan_msg *m = ring_front(r);
        struct chan_end *c = as_end(m->from);
        trace_end(p, m->req, word, c->port != NULL ? TR_REQ_CLOSED : TR_REQ_GONE);
        if (c->stale) {
            mark(c, TW_E_PEER, m->seq, m->req);
            owed_done(c);
        } else if (c->port != NULL && c->port != p) {
            /* a subscription that moved to the service's next owner: its request here
             * will not be answered, and its end does not close */
            mark(c, TW_E_RESTARTED, m->seq, m->req);
        }
        msg_release(m);
        ring_pop(r);
    }
}

/* ---- the invariant checker ------------------------------------------------------------ */

static void check_service(struct thread *th)
{
    const struct port_service *s = &th->svc;
    if (s->port == NULL) {
        K_ASSERT(s->copy == NULL);
        return;
    }
    struct port *p = as_port(s->port);
    K_ASSERT(th->reply_to != NULL && (p->closed || p->server == th->task));
    K_ASSERT(s->req >= 1 && s->req <= p->accepted);
    p->chk++;
    if (s->copy != NULL) {
        const struct chan_msg *c = s->copy;
        K_ASSERT(c->req == s->req && c->seq == s->seq && c->task == s->task &&
                 c->from == th->reply_to && c->nh == 0);
        p->chk_held++;
    }
    struct chan_end *client = as_end(th->reply_to);
    if (client->stale)
        client->chk++;
    for (uint32_t i = 0; i < p->in.count; i++)
        K_ASSERT(ring_at(&p->in, i)->req != s->req); /* not in the ring as well */
}

static void check_port(struct port *p)
{
    K_ASSERT(p->chk == p->in_service && p->chk_held == p->in.held);
    uint64_t prev = 0;
    for (uint32_t i = 0; i < p->in.count; i++) {
        const struct chan_msg *m = ring_at(&p->in, i);
        K_ASSERT(m->flags == 0 && m->from != NULL && m->req > prev && m->req <= p->accepted);
        prev = m->req; /* in request order, each once */
        struct chan_end *c = as_end(m->from);
        K_ASSERT(c->port == p || c->port == NULL);
        if (c->stale)
            c->chk++;
    }
    /* Every request accepted is in the ring, in service or ended: in exactly one place. */
    K_ASSERT(p->accepted == p->ended + p->in_service + p->in.count);
}

void chan_check_requests(void)
{
    struct list *pos;
    list_for_each(pos, kobj_all())
    {
        struct kobj *o = list_entry(pos, struct kobj, all);
        if (o->ops == &chan_end_ops)
            as_end(o)->chk = 0;
        else if (o->ops == &chan_port_ops)
            as_port(o)->chk = as_port(o)->chk_held = 0;
    }
    for (struct task *t = task_first(); t != NULL; t = task_next(t)) {
        struct list *tp;
        list_for_each(tp, &t->threads)
        {
            check_service(list_entry(tp, struct thread, task_link));
        }
    }
    list_for_each(pos, kobj_all())
    {
        struct kobj *o = list_entry(pos, struct kobj, all);
        if (o->ops == &chan_port_ops)
            check_port(as_port(o));
    }
    list_for_each(pos, kobj_all())
    {
        struct kobj *o = list_entry(pos, struct kobj, all);
        if (o->ops == &chan_end_ops) {
            const struct chan_end *e = as_end(o);
            K_ASSERT(e->chk == e->owed); /* a stale end is owed exactly its live requests */
        }
    }
}
