/* SPDX-License-Identifier: MIT */
/*
 * core/chan.c - channel pairs and named ports (see chan.h); the requests on ports, their
 * server incarnations and what happens to them when a server ends are core/chan_req.c's.
 */
#include "optable.h"
#include "chan.h"
#include "chan_int.h"
#include "hash.h"
#include "kassert.h"
#include "kcache.h"
#include "klib.h"
#include "limits.h"
#include "obj.h"
#include "page.h"
#include "task.h"
#include "thread.h"
#include "trace.h"
#include "uprov.h"
#include "url.h"
#include "wait.h"

static struct {
    struct kcache ends;
    struct kcache ports;
    struct list registry;
    uint64_t next_seq;
} ch;

void chan_module_init(void)
{
    kcache_init(&ch.ends, "chan-end", sizeof(struct chan_end));
    kcache_init(&ch.ports, "port", sizeof(struct port));
    list_init(&ch.registry);
    ch.next_seq = 1;
    chan_req_init();
}

void chan_module_check_empty(void)
{
    K_ASSERT(list_empty(&ch.registry));
    K_ASSERT(ch.ends.live == 0 && ch.ports.live == 0);
    chan_req_check_empty();
}

uint64_t chan_messages_sent(void)
{
    return ch.next_seq - 1;
}

/* ---- rings --------------------------------------------------------------------------- */

static void ring_init(struct msg_ring *r, uint32_t cap)
{
    K_ASSERT(cap >= 1 && cap <= K_CHAN_MAX_CAP);
    r->cap = cap;
}

struct chan_msg *ring_reserve_alloc(struct msg_ring *r)
{
    K_ASSERT(r->slots == NULL);
    r->order =
        (uint8_t)page_order_for((r->cap * sizeof(struct chan_msg) + K_PAGE_SIZE - 1) / K_PAGE_SIZE);
    r->slots = page_alloc(r->order);
    return r->slots != NULL ? ring_at(r, r->count) : NULL;
}

/*
 * Objects with a message queue (channel ends and ports) can hold each other's handles in
 * their queues. Their `carried` count says how many in-flight handles (in messages, or a
 * fresh pair's untaken end) refer to one; see check_handles for why. NULL for other kinds.
 */
static uint32_t *carried_of(struct kobj *o)
{
    if (o->ops == &chan_end_ops)
        return &K_CONTAINER_OF(o, struct chan_end, obj)->carried;
    if (o->ops == &chan_port_ops)
        return &K_CONTAINER_OF(o, struct port, obj)->carried;
    return NULL;
}

static void carry(struct kobj *o)
{
    uint32_t *c = carried_of(o);
    if (c != NULL)
        (*c)++;
}

static void uncarry(struct kobj *o)
{
    uint32_t *c = carried_of(o);
    if (c != NULL) {
        K_ASSERT(*c > 0);
        (*c)--;
    }
}

void msg_release_held(struct chan_msg *m)
{
    for (uint32_t i = 0; i < m->nh; i++) {
        uncarry(m->h[i].obj);
        kobj_handle_put(m->h[i].obj);
    }
    m->nh = 0;
    if (m->from != NULL)
        kobj_unref(m->from);
    m->from = NULL;
}

static void ring_drain(struct msg_ring *r)
{
    while (r->count > 0) {
        msg_release(ring_front(r));
        ring_pop(r);
    }
}

static void ring_free(struct msg_ring *r)
{
    K_ASSERT(r->count == 0);
    if (r->slots != NULL)
        page_free(r->slots, r->order);
    r->slots = NULL;
}

static uint64_t digest(const struct chan_msg *m)
{
    return hash_bytes(HASH_SEED, m->data, m->len);
}

uint64_t chan_digest_bytes(const void *data, size_t len)
{
    return hash_bytes(HASH_SEED, data, len);
}

uint64_t chan_next_seq(void)
{
    return ch.next_seq++;
}

/* ---- sending and receiving ---------------------------------------------------------- */

/*
 * Check the handles a message would carry; all must be movable before any is moved. A
 * message may not carry the sending end, nor the object whose queue will hold it: that
 * handle could never be read out again, so the object could never close (a leak).
 *
 * Longer cycles leak the same way: end A in B's queue and B in A's queue, every other
 * handle closed, and neither can be read out again. Every cycle is closed by a message
 * that puts a queue-holding object (an end or a port) into the queue of an object that is
 * itself in flight (carried by a message, or a fresh pair's untaken end). So that one is
 * refused: while dest is in flight, its queue takes no ends and no ports.
 */
static int check_handles(struct kobj *self, struct kobj *dest, const int32_t *hv, uint32_t nh)
{
    bool dest_in_flight = *carried_of(dest) > 0;
    struct thread *t = thread_current();
    for (uint32_t i = 0; i < nh; i++) {
        struct handle_entry *e;
        int rc = handle_get(t->task, t, hv[i], TW_RIGHT_TRANSFER, &e);
        if (rc != TW_OK)
            return rc;
        if (hv[i] == TW_HANDLE_SELF || e->obj == self || e->obj == dest)
            return TW_E_INVAL; /* a channel cannot carry its own end, nor the task */
        if (dest_in_flight && carried_of(e->obj) != NULL)
            return TW_E_INVAL; /* an end or a port into an in-flight queue: a possible cycle */
        for (uint32_t j = 0; j < i; j++)
            if (hv[j] == hv[i])
                return TW_E_INVAL;
    }
    return TW_OK;
}

/* Move the checked handles into the message. */
static void take_handles(struct chan_msg *m, const int32_t *hv, uint32_t nh)
{
    struct thread *t = thread_current();
    for (uint32_t i = 0; i < nh; i++) {
        struct handle_entry e;
        int rc = handle_take(t->task, t, hv[i], &e);
        K_ASSERT(rc == TW_OK);
        wait_cancel_handle(e.obj, t->task, hv[i]);
        carry(e.obj);
        m->h[i] = e;
    }
    m->nh = (uint8_t)nh;
}

/*
 * Queue a message of len bytes at data (kernel-readable, already checked) with nh handles
 * onto dest, owned by dest_obj. from: the client end for port messages (or NULL), which
 * are requests: dest_obj is then the port. Returns len, or an error with nothing changed.
 */
static int64_t send_msg(struct kobj *self, struct msg_ring *dest, struct kobj *dest_obj,
                        struct kobj *from, const void *data, size_t len, const int32_t *hv,
                        uint32_t nh)
{
    if (len > TW_MSG_MAX_BYTES || nh > TW_MSG_MAX_HANDLES)
        return TW_E_TOOBIG;
    int rc = nh > 0 ? check_handles(self, dest_obj, hv, nh) : TW_OK;
    if (rc != TW_OK)
        return rc;
    if (ring_full(dest))
        return TW_E_WOULDBLOCK;
    struct chan_msg *m = ring_reserve(dest);
    if (m == NULL)
        return TW_E_NOMEM;
    k_memcpy(m->data, data, len);
    m->len = (uint16_t)len;
    take_handles(m, hv, nh);
    if (from != NULL)
        kobj_ref(from);
    m->from = from;
    m->flags = 0;
    struct thread *w = thread_current(); /* the writer; kernel code writes in its caller's */
    m->task = w != NULL ? w->task->id : 0;
    m->seq = ch.next_seq++;
    m->req = 0;
    uint64_t d = digest(m);
    if (dest->count == 0) {
        dest->front_digest = d;
        dest->front_digest_known = true;
    }
    ring_commit(dest);
    trace_emit(TR_IPC_SEND, m->seq, ((uint64_t)dest_obj->id << 32) | m->len, d);
    if (from != NULL)
        req_accept(as_port(dest_obj), m);
    kobj_notify(dest_obj);
    return (int64_t)len;
}

/*
 * Take the front message of r into buf (len bytes available); handles go to out (cap
 * entries) as newly installed handles, or are dropped when out is NULL. Returns the
 * message length; TW_E_TOOBIG (buffer or handle array too small: message stays).
 */
static int64_t recv_msg(struct kobj *o, struct msg_ring *r, void *buf, size_t len, int32_t *out,
                        uint32_t cap, struct kobj **from)
{
    struct chan_msg *m = ring_front(r);
    if (m->len > len || (out != NULL && m->nh > cap))
        return TW_E_TOOBIG;
    struct thread *t = thread_current();
    uint32_t installed = 0;
    for (; out != NULL && installed < m->nh; installed++) {
        struct handle_entry *e = &m->h[installed];
        int64_t h = handle_install(t->task, t, e->obj, e->rights, e->flags, false);
        if (h < 0) {
            while (installed-- > 0) { /* undo: the message keeps its handles */
                struct handle_entry back;
                int rc = handle_take(t->task, t, out[installed], &back);
                K_ASSERT(rc == TW_OK);
                kobj_handle_put(back.obj);
            }
            return h;
        }
        out[installed] = (int32_t)h;
    }
    k_memcpy(buf, m->data, m->len);
    int64_t n = m->len;
    trace_emit(TR_IPC_RECV, m->seq, ((uint64_t)o->id << 32) | m->len,
               r->front_digest_known ? r->front_digest : digest(m));
    if (from != NULL) {
        *from = m->from; /* the reference moves to the caller */
        m->from = NULL;
    }
    msg_release(m); /* drops the message's handle references (installed ones hold their own) */
    ring_pop(r);
    return n;
}

/* Invariant checker: the ring is consistent; count the handles its messages carry. */
static void ring_check(const struct msg_ring *r)
{
    K_ASSERT(r->cap >= 1 && r->cap <= K_CHAN_MAX_CAP && r->count + r->held <= r->cap &&
             r->head < r->cap);
    K_ASSERT(r->count == 0 || r->slots != NULL);
    K_ASSERT(!r->front_digest_known ||
             (r->count > 0 && r->front_digest == digest(&r->slots[r->head])));
    for (uint32_t i = 0; i < r->count; i++) {
        const struct chan_msg *m = &r->slots[(r->head + i) % r->cap];
        K_ASSERT(m->len <= TW_MSG_MAX_BYTES && m->nh <= TW_MSG_MAX_HANDLES);
        K_ASSERT((m->flags & ~MSG_MARKER) == 0 && (m->flags == 0 || (m->len == 0 && m->nh == 0)));
        for (uint32_t h = 0; h < m->nh; h++) {
            K_ASSERT(m->h[h].obj != NULL);
            m->h[h].obj->scratch++;
        }
    }
}

int64_t chan_send_msg(struct kobj *self, struct msg_ring *dest, struct kobj *dest_obj,
                      struct kobj *from, const void *data, size_t len, const int32_t *hv,
                      uint32_t nh)
{
    return send_msg(self, dest, dest_obj, from, data, len, hv, nh);
}

/* ---- pair and client ends ----------------------------------------------------------- */

static bool end_peer_gone(const struct chan_end *e)
{
    return e->port != NULL ? e->port->closed : e->peer == NULL;
}

/* Where e's writes go: its peer's ring, or its port's. NULL when the other side is gone. */
static struct msg_ring *end_dest(struct chan_end *e, struct kobj **dest_obj)
{
    if (end_peer_gone(e))
        return NULL;
    if (e->port != NULL) {
        *dest_obj = &e->port->obj;
        return &e->port->in;
    }
    *dest_obj = &e->peer->obj;
    return &e->peer->in;
}

/* A message, or a marker (an error owed for a request), waits in e's ring or beyond it. */
static bool end_has_input(const struct chan_end *e)
{
    return e->in.count > 0 || e->over_restarted > 0 || e->over_closed > 0;
}

/*
 * A stale end (docs/supervision.md) is readable while a reply or marker waits, and
 * peer-closed once nothing more is owed to it; never writable. Otherwise as a pair end or
 * a port's client end always was.
 */
static uint32_t end_signals(struct kobj *o)
{
    struct chan_end *e = as_end(o);
    uint32_t s = end_has_input(e) ? TW_SIG_READABLE : 0;
    if (e->stale)
        return e->owed == 0 ? s | TW_SIG_PEER_CLOSED : s;
    struct kobj *d;
    struct msg_ring *dest = end_dest(e, &d);
    if (dest != NULL && e->port != NULL && e->port->kserve != NULL)
        dest = &e->in; /* a kernel-served request needs a slot for its reply */
    if (dest == NULL)
        s |= TW_SIG_PEER_CLOSED;
    else if (!ring_full(dest))
        s |= TW_SIG_WRITABLE;
    return s;
}

static int64_t end_send(struct kobj *o, const void *buf, size_t len, const int32_t *hv, uint32_t nh)
{
    struct chan_end *e = as_end(o);
    if (e->stale)
        return TW_E_STALE;
    struct kobj *dest_obj;
    struct msg_ring *dest = end_dest(e, &dest_obj);
    if (dest == NULL)
        return TW_E_PEER;
    if (e->port != NULL && __builtin_expect(e->port->kserve != NULL, 0))
        return kserve_send(e, buf, len, nh);
    return send_msg(o, dest, dest_obj, e->port != NULL ? o : NULL, buf, len, hv, nh);
}

/*
 * Take e's next message (end_recv's contract); *marker is 0, or the request seq of the
 * marker taken instead (its error is the result; UINT64_MAX: a marker that found the ring
 * full, request unknown). Markers come in ring order with replies, those that found it
 * full after them; a stale end with nothing left: TW_E_STALE once nothing more is owed.
 */
static int64_t end_take(struct kobj *o, void *buf, size_t len, int32_t *out, uint32_t cap,
                        uint64_t *marker)
{
    struct chan_end *e = as_end(o);
    *marker = 0;
    if (e->in.count == 0) {
        if (e->over_restarted > 0 || e->over_closed > 0) {
            *marker = UINT64_MAX;
            return e->over_restarted > 0 ? (e->over_restarted--, TW_E_RESTARTED)
                                         : (e->over_closed--, TW_E_PEER);
        }
        if (e->stale)
            return e->owed > 0 ? TW_E_WOULDBLOCK : TW_E_STALE;
        return end_peer_gone(e) ? TW_E_PEER : TW_E_WOULDBLOCK;
    }
    if (ring_front(&e->in)->flags != 0) {
        int64_t err = req_take_marker(e, marker);
        if (e->port != NULL && (e->ev_len != 0 || e->port->kserve != NULL))
            chan_event_flush(e); /* the marker's slot: for an event kept aside, or a reply */
        return err;
    }
    bool was_full = ring_full(&e->in);
    int64_t n = recv_msg(o, &e->in, buf, len, out, cap, NULL);
    /* The peer may write again. Only its TW_SIG_WRITABLE can have changed, and only if the
     * ring was full: a waiter never waits for a signal already asserted. */
    if (n >= 0 && was_full && e->peer != NULL)
        kobj_notify(&e->peer->obj);
    if (n >= 0 && e->port != NULL && __builtin_expect(e->ev_len != 0 || e->port->kserve != NULL, 0))
        chan_event_flush(e); /* an event waited for this slot; a kernel-served end is writable */
    return n;
}

static int64_t end_recv(struct kobj *o, void *buf, size_t len, int32_t *out, uint32_t cap)
{
    uint64_t marker;
    return end_take(o, buf, len, out, cap, &marker);
}

static int64_t end_read(struct kobj *o, void *buf, size_t len)
{
    return end_recv(o, buf, len, NULL, 0);
}

static int64_t end_write(struct kobj *o, const void *buf, size_t len)
{
    return end_send(o, buf, len, NULL, 0);
}

typedef int64_t (*send_fn)(struct kobj *o, const void *buf, size_t len, const int32_t *hv,
                           uint32_t nh);
typedef int64_t (*recv_fn)(struct kobj *o, void *buf, size_t len, int32_t *out, uint32_t cap);

/*
 * TW_CHAN_WRITE_HANDLES / TW_CHAN_READ_HANDLES on kernel copies (the table bounds the
 * message at TW_MSG_MAX_BYTES and the array at TW_MSG_MAX_HANDLES). A read fills the
 * array's unused entries with TW_HANDLE_NONE.
 */
static int64_t handles_io(struct kobj *o, const struct kargs *a, send_fn send, recv_fn recv)
{
    uint32_t n = (uint32_t)a->v[3];
    if (a->op->op == TW_CHAN_WRITE_HANDLES)
        return send(o, a->buf[0], (size_t)a->v[1], a->buf[2], n);
    int32_t *hv = a->buf[2];
    for (uint32_t i = 0; i < n; i++)
        hv[i] = TW_HANDLE_NONE;
    return recv(o, a->buf[0], (size_t)a->v[1], hv, n);
}

static int64_t end_invoke(struct kobj *o, const struct kargs *a)
{
    struct chan_end *e = as_end(o);
    /* A stale end: writing is refused (end_send), reading gives what is owed (end_take);
     * counting it and its generation answer as before. */
    switch (a->op->op) {
    case TW_CHAN_TAKE_PEER: {
        struct kobj *peer = e->pending_peer;
        int64_t h = handle_take_pending(&e->pending_peer, chan_end_ops.default_rights);
        if (h >= 0)
            uncarry(peer); /* its handle is the caller's now */
        return h;
    }
    case TW_CHAN_WRITE_HANDLES:
    case TW_CHAN_READ_HANDLES:
        return handles_io(o, a, end_send, end_recv);
    case TW_CHAN_PENDING: /* markers count: each is read once, as an error */
        return (int64_t)e->in.count + e->over_restarted + e->over_closed;
    case TW_PORT_GENERATION:
        return e->port != NULL ? (int64_t)e->gen : TW_E_NOTSUP; /* a pair end has none */
    default:
        return TW_E_NOTSUP;
    }
}

static void end_last_close(struct kobj *o)
{
    struct chan_end *e = as_end(o);
    if (e->pending_peer != NULL)
        uncarry(e->pending_peer);
    handle_drop_pending(&e->pending_peer);
    if (e->peer != NULL) {
        struct chan_end *peer = e->peer;
        peer->peer = NULL;
        e->peer = NULL;
        kobj_notify(&peer->obj);
    }
    if (e->port != NULL) {
        list_remove(&e->client_link); /* a stale end is on no list: a no-op */
        struct port *p = e->port;
        e->port = NULL;
        kobj_unref(&p->obj);
    }
    e->over_restarted = e->over_closed = 0; /* markers nobody will read */
    ring_drain(&e->in);
}

static void end_destroy(struct kobj *o)
{
    struct chan_end *e = as_end(o);
    K_ASSERT(e->peer == NULL && e->port == NULL && e->pending_peer == NULL);
    ring_drain(&e->in);
    ring_free(&e->in);
    kcache_free(&ch.ends, e);
}

static void end_check(struct kobj *o)
{
    struct chan_end *e = as_end(o);
    ring_check(&e->in);
    K_ASSERT(e->peer == NULL || e->peer->peer == e);
    K_ASSERT(e->port == NULL || e->peer == NULL);
    /* A client of the current incarnation is on its port's list; a stale one on none. */
    K_ASSERT(!list_linked(&e->client_link) || (e->port != NULL && !e->stale && !e->port->closed));
    K_ASSERT(e->stale || e->owed == 0);
    K_ASSERT(e->port != NULL || e->over_restarted + e->over_closed == 0); /* no marker */
    if (e->pending_peer != NULL) {
        K_ASSERT(e->pending_peer == &e->peer->obj);
        e->pending_peer->scratch++;
    }
    K_ASSERT(e->carried <= e->obj.handles); /* in flight: a kind of handle */
    /* A subscription never goes stale: it is on its port's list until the port closes (the
     * name gone) or the end does (port NULL). Only a subscription keeps an event. */
    K_ASSERT(e->ev_len <= K_CHAN_EVENT_MAX && (e->ev_len == 0 || e->durable));
    K_ASSERT(e->ev_fwd == NULL || (e->durable && !e->ev_fwd->closed && e->ev_fwd->kserve != NULL));
    if (e->durable && e->port != NULL)
        K_ASSERT(e->peer == NULL && !e->stale && list_linked(&e->client_link) != e->port->closed);
}

const struct kobj_ops chan_end_ops = {
    .name = "chan",
    .kind = TW_KIND_CHAN,
    .default_rights = TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_INVOKE | TW_RIGHT_WAIT |
                      TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = end_signals,
    .read = end_read,
    .write = end_write,
    .invoke = end_invoke,
    .last_close = end_last_close,
    .destroy = end_destroy,
    .check = end_check,
};

/* ---- ports -------------------------------------------------------------------------- */

static uint32_t port_signals(struct kobj *o)
{
    struct port *p = as_port(o);
    return (p->in.count > 0 ? TW_SIG_READABLE : 0) | TW_SIG_WRITABLE;
}

/* Clients blocked on a full port may write again: only their TW_SIG_WRITABLE changed. */
void port_notify_clients(struct port *p)
{
    struct list *pos;
    list_for_each(pos, &p->clients)
    {
        kobj_notify(&list_entry(pos, struct chan_end, client_link)->obj);
    }
}

/*
 * A server reads a request. The first task to read binds the port's current incarnation;
 * another task's read is TW_E_BUSY until that task ends, and a task that is ending reads
 * nothing more (TW_E_CANCELED). The request goes into service by the reading thread
 * (core/chan_req.c): the kernel keeps a copy of it only when the port marks its op
 * repeatable, so a port without a mask pays nothing for that.
 */
static int64_t port_recv(struct kobj *o, void *buf, size_t len, int32_t *out, uint32_t cap)
{
    struct port *p = as_port(o);
    struct thread *t = thread_current();
    if (t->task->exiting)
        return TW_E_CANCELED;
    if (p->server != NULL && p->server != t->task)
        return TW_E_BUSY;
    if (p->in.count == 0)
        return TW_E_WOULDBLOCK;
    struct chan_msg *copy = NULL;
    if (p->repeatable != 0) {
        int rc = req_copy_for_read(p, &copy);
        if (rc != TW_OK)
            return rc;
    }
    const struct chan_msg *m = ring_front(&p->in);
    uint64_t req = m->req, seq = m->seq;
    uint32_t task = m->task;
    struct kobj *from = NULL;
    bool was_full = ring_full(&p->in);
    int64_t n = recv_msg(o, &p->in, buf, len, out, cap, &from);
    if (n < 0) {
        if (copy != NULL)
            req_copy_free(copy);
        return n;
    }
    req_read(t, p, req, seq, task, copy); /* ends the previous one: before reply_to moves on */
    if (t->reply_to != NULL)
        kobj_unref(t->reply_to);
    t->reply_to = from;
    /* Space freed (unless a copy holds the slot): only if the port was full (as in end_recv). */
    if (was_full && !ring_full(&p->in))
        port_notify_clients(p);
    return n;
}

/*
 * A write on the port answers the client whose message this thread read last. The first
 * answer ends the request in service (TR_REQ_REPLIED); more writes (a long read's
 * continuations) reach the same client. A client end that closed: TW_E_PEER, and the
 * request ends TR_REQ_GONE.
 */
static int64_t port_send(struct kobj *o, const void *buf, size_t len, const int32_t *hv,
                         uint32_t nh)
{
    struct thread *t = thread_current();
    if (t->reply_to == NULL)
        return TW_E_INVAL; /* no request read yet: nobody to answer */
    struct chan_end *client = as_end(t->reply_to);
    if (client->port == NULL) {
        if (t->svc.port != NULL)
            req_service_end(t, TR_REQ_GONE);
        return TW_E_PEER;
    }
    if (client->over_restarted != 0 || client->over_closed != 0)
        req_flush_markers(client); /* they were owed first */
    if (ring_full(&client->in))
        return TW_E_BUSY;
    int64_t n = send_msg(o, &client->in, &client->obj, NULL, buf, len, hv, nh);
    if (n >= 0 && t->svc.port != NULL)
        req_service_end(t, TR_REQ_REPLIED);
    return n;
}

static int64_t port_read(struct kobj *o, void *buf, size_t len)
{
    return port_recv(o, buf, len, NULL, 0);
}

static int64_t port_write(struct kobj *o, const void *buf, size_t len)
{
    return port_send(o, buf, len, NULL, 0);
}

static int64_t port_invoke(struct kobj *o, const struct kargs *a)
{
    switch (a->op->op) {
    case TW_PORT_SERVE_SCHEME:
        return uprov_register(o, a->buf[0], (size_t)a->v[1]); /* checks the name */
    case TW_PORT_SET_REPEATABLE:
        as_port(o)->repeatable = a->v[0]; /* kept across incarnations */
        return TW_OK;
    case TW_PORT_GENERATION:
        return as_port(o)->gen;
    case TW_PORT_SENDER: { /* of the request this thread has in service from this port */
        const struct thread *t = thread_current();
        return t->svc.port == o ? (int64_t)t->svc.task : TW_E_INVAL;
    }
    case TW_CHAN_PENDING:
        return as_port(o)->in.count;
    case TW_CHAN_WRITE_HANDLES:
    case TW_CHAN_READ_HANDLES:
        return handles_io(o, a, port_send, port_recv);
    default:
        return TW_E_NOTSUP;
    }
}

/* The port closes as it always did: its name is free again, its clients see peer_closed,
 * and what its ring holds ends TR_REQ_CLOSED (stale callers are told: docs/supervision.md). */
static void port_last_close(struct kobj *o)
{
    struct port *p = as_port(o);
    chan_port_tell(p, CHAN_PORT_CLOSED); /* a service's successor may take its subscribers */
    p->closed = true;
    p->server = NULL;
    list_remove(&p->reg_link);
    struct list *n;
    while ((n = list_pop_front(&p->clients)) != NULL)
        kobj_notify(&list_entry(n, struct chan_end, client_link)->obj);
    req_port_closed(p);
}

static void port_destroy(struct kobj *o)
{
    struct port *p = as_port(o);
    ring_free(&p->in);
    kcache_free(&ch.ports, p);
}

static void port_check(struct kobj *o)
{
    struct port *p = as_port(o);
    ring_check(&p->in);
    K_ASSERT(p->carried <= p->obj.handles);
    K_ASSERT(p->closed == list_empty(&p->clients) || !p->closed);
    K_ASSERT(!p->closed || (p->server == NULL && p->in.count == 0));
    K_ASSERT(p->server == NULL || !p->server->exited); /* unbound when its server ended */
    struct list *pos;
    list_for_each(pos, &p->clients)
    {
        const struct chan_end *e = list_entry(pos, struct chan_end, client_link);
        K_ASSERT(e->port == p && e->gen == p->gen && !e->stale);
    }
}

const struct kobj_ops chan_port_ops = {
    .name = "port",
    .kind = TW_KIND_PORT,
    .default_rights = TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_INVOKE | TW_RIGHT_WAIT |
                      TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = port_signals,
    .read = port_read,
    .write = port_write,
    .invoke = port_invoke,
    .last_close = port_last_close,
    .destroy = port_destroy,
    .check = port_check,
};

/* ---- opening ------------------------------------------------------------------------ */

static struct port *port_find(const char *name, uint32_t len)
{
    struct list *pos;
    list_for_each(pos, &ch.registry)
    {
        struct port *p = list_entry(pos, struct port, reg_link);
        if (p->name_len == len && len != 0 && k_memcmp(p->name, name, len) == 0)
            return p;
    }
    return NULL;
}

static struct chan_end *end_new(uint32_t cap)
{
    struct chan_end *e = kcache_alloc(&ch.ends);
    if (e == NULL)
        return NULL;
    kobj_init(&e->obj, &chan_end_ops);
    list_init(&e->client_link);
    ring_init(&e->in, cap);
    return e;
}

static int open_pair(uint32_t cap, struct kobj **out)
{
    struct chan_end *a = end_new(cap);
    if (a == NULL)
        return TW_E_NOMEM;
    struct chan_end *b = end_new(cap);
    if (b == NULL) {
        kobj_unref(&a->obj);
        return TW_E_NOMEM;
    }
    a->peer = b;
    b->peer = a;
    /* b's only reference is the in-flight handle a holds until TW_CHAN_TAKE_PEER. */
    kobj_handle_get(&b->obj);
    kobj_unref(&b->obj);
    a->pending_peer = &b->obj;
    carry(&b->obj);
    *out = &a->obj;
    return TW_OK;
}

static int open_port(const struct url_str *name, uint32_t cap, uint32_t gen, struct kobj **out)
{
    if (port_find(name->ptr, name->len) != NULL)
        return TW_E_BUSY;
    struct port *p = kcache_alloc(&ch.ports);
    if (p == NULL)
        return TW_E_NOMEM;
    kobj_init(&p->obj, &chan_port_ops);
    k_memcpy(p->name, name->ptr, name->len);
    p->name_len = name->len;
    p->gen = gen;
    list_init(&p->clients);
    ring_init(&p->in, cap);
    list_push_back(&ch.registry, &p->reg_link);
    *out = &p->obj;
    return TW_OK;
}

static int port_connect(struct port *p, uint32_t cap, struct kobj **out)
{
    struct chan_end *e = end_new(cap);
    if (e == NULL)
        return TW_E_NOMEM;
    kobj_ref(&p->obj);
    e->port = p;
    e->gen = p->gen;
    list_push_back(&p->clients, &e->client_link);
    *out = &e->obj;
    return TW_OK;
}

int chan_port_connect(struct port *p, uint32_t cap, struct kobj **out)
{
    return port_connect(p, cap, out);
}

int chan_port_anon(uint32_t cap, const struct chan_kserve *ks, void *ctx, struct kobj **out)
{
    K_ASSERT(cap >= 1 && cap <= K_CHAN_MAX_CAP);
    struct port *p = kcache_alloc(&ch.ports);
    if (p == NULL)
        return TW_E_NOMEM;
    kobj_init(&p->obj, &chan_port_ops);
    p->name_len = 0; /* port_find never matches it: chan:// cannot reach it */
    list_init(&p->clients);
    ring_init(&p->in, ks != NULL ? 1 : cap); /* a kernel-served port queues nothing */
    p->kserve = ks;
    p->kserve_ctx = ctx;
    list_push_back(&ch.registry, &p->reg_link);
    *out = &p->obj;
    return TW_OK;
}

static int open_client(const struct url_str *name, uint32_t cap, struct kobj **out)
{
    struct port *p = port_find(name->ptr, name->len);
    if (p == NULL)
        return TW_E_NOENT;
    return port_connect(p, cap, out);
}

bool chan_is_port(const struct kobj *o)
{
    return o->ops == &chan_port_ops;
}

bool chan_port_closed(const struct kobj *port)
{
    return as_port((struct kobj *)port)->closed;
}

bool chan_port_bound(const struct kobj *port)
{
    return as_port((struct kobj *)port)->server != NULL;
}

struct kobj *chan_port_named(const char *name, size_t len)
{
    struct port *p = len < K_CHAN_NAME ? port_find(name, (uint32_t)len) : NULL;
    return p != NULL ? &p->obj : NULL;
}

struct kobj *chan_port_next(const struct kobj *prev)
{
    const struct list *at = prev == NULL ? &ch.registry : &as_port((struct kobj *)prev)->reg_link;
    return at->next == &ch.registry ? NULL : &list_entry(at->next, struct port, reg_link)->obj;
}

struct task *chan_port_server(const struct kobj *port)
{
    return as_port((struct kobj *)port)->server;
}

void chan_port_end_incarnation(struct kobj *port)
{
    struct port *p = as_port(port);
    K_ASSERT(!p->closed && p->server == NULL); /* nobody has a request of it in service */
    req_end_incarnation(p, 0);
}

void chan_task_ended(struct task *t)
{
    struct list *pos;
    list_for_each(pos, &ch.registry)
    {
        struct port *p = list_entry(pos, struct port, reg_link);
        if (p->server == t)
            req_end_incarnation(p, t->id);
    }
}

bool chan_end_stale(const struct kobj *end)
{
    return as_end((struct kobj *)end)->stale;
}

int chan_connect_port(struct kobj *port, struct kobj **end)
{
    struct port *p = as_port(port);
    return p->closed ? TW_E_PEER : port_connect(p, K_CHAN_DEFAULT_CAP, end);
}

int64_t chan_kernel_send(struct kobj *end, const void *buf, size_t len, uint64_t *seq)
{
    int64_t n = end_send(end, buf, len, NULL, 0);
    if (n >= 0)
        *seq = ch.next_seq - 1; /* the message just sent */
    return n;
}

int64_t chan_kernel_recv(struct kobj *end, void *buf, size_t cap, uint64_t *marker)
{
    return end_take(end, buf, cap, NULL, 0, marker);
}

int chan_open(const struct url *u, struct kobj **out)
{
    uint64_t cap = K_CHAN_DEFAULT_CAP;
    struct url_str v;
    if (url_query_get(u, "cap", &v) &&
        (!k_parse_u64(v.ptr, v.len, &cap) || cap == 0 || cap > K_CHAN_MAX_CAP))
        return TW_E_INVAL;
    uint64_t gen = 0; /* where a port's generations start: also a test hook for the wrap */
    bool has_gen = url_query_get(u, "gen", &v);
    if (has_gen && (!k_parse_u64(v.ptr, v.len, &gen) || gen > UINT32_MAX))
        return TW_E_INVAL;
    if (u->has_port || (u->has_path && u->path.len > 1) || u->sub >= 0)
        return TW_E_INVAL;
    bool listen = url_query_has(u, "listen");
    if (has_gen && !listen)
        return TW_E_INVAL; /* only a port has generations of its own */
    if (url_query_has(u, "pair"))
        return u->host.len == 0 ? open_pair((uint32_t)cap, out) : TW_E_INVAL;
    if (u->host.len == 0 || u->host.len >= K_CHAN_NAME)
        return TW_E_INVAL;
    if (listen)
        return open_port(&u->host, (uint32_t)cap, (uint32_t)gen, out);
    return open_client(&u->host, (uint32_t)cap, out);
}
