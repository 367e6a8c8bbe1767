/* SPDX-License-Identifier: MIT */
/*
 * core/chan_svc.c - the channel mechanisms services are built on (chan.h, "Services";
 * docs/services.md): kernel-served ports, whose requests run in the sender's thread;
 * durable client ends (subscriptions) that follow a port's incarnations and can move to
 * another port; events posted into subscriptions; hooks that tell a port's owner what
 * happened to it. The registry itself, its names and policies, is providers/svc.c.
 */
#include "chan.h"
#include "chan_int.h"
#include "kassert.h"
#include "klib.h"
#include "trace.h"

/*
 * A client of a kernel-served port writes: the request is accepted, served and answered
 * now, in this thread, so its cost is this thread's (the scheduler accounts it as any
 * other work of the caller: docs/services.md, "Kernel work"). The trace shows what a
 * user server's answer shows: the request's send and acceptance, its end (replied) and
 * the reply's send into the client's ring. A kernel service takes no handles.
 */
int64_t kserve_send(struct chan_end *e, const void *buf, size_t len, uint32_t nh)
{
    struct port *p = e->port;
    if (len > TW_MSG_MAX_BYTES || nh > TW_MSG_MAX_HANDLES)
        return TW_E_TOOBIG;
    if (nh != 0)
        return TW_E_INVAL;
    if (ring_full(&e->in))
        return TW_E_WOULDBLOCK; /* no slot for the reply: read the replies first */
    if (e->in.slots == NULL && ring_reserve_alloc(&e->in) == NULL)
        return TW_E_NOMEM; /* before the call: a reply must always have its slot */
    uint64_t seq = chan_next_seq();
    trace_emit(TR_IPC_SEND, seq, ((uint64_t)p->obj.id << 32) | len, chan_digest_bytes(buf, len));
    uint32_t op = 0;
    for (size_t i = 0; i < len && i < 4; i++)
        op |= (uint32_t)((const uint8_t *)buf)[i] << (8 * i);
    uint64_t req = ++p->accepted;
    trace_emit(TR_REQ_ACCEPT, req, ((uint64_t)p->obj.id << 32) | op, seq);
    uint8_t rep[TW_MSG_MAX_BYTES];
    kobj_ref(&p->obj); /* the call may block (a relay): the end may close meanwhile */
    e->in.held++;      /* the reply's slot, kept from other writers while it may block */
    int64_t n = p->kserve->call(p->kserve_ctx, buf, len, rep, sizeof(rep));
    K_ASSERT(n >= 0 && n <= (int64_t)sizeof(rep));
    e->in.held--;
    p->ended++;
    bool gone = e->port == NULL; /* the end closed while the call waited */
    trace_emit(TR_REQ_END, req, ((uint64_t)p->obj.id << 32) | p->gen,
               gone ? TR_REQ_GONE : TR_REQ_REPLIED);
    if (!gone) {
        int64_t r = chan_send_msg(&p->obj, &e->in, &e->obj, NULL, rep, (size_t)n, NULL, 0);
        K_ASSERT(r == n); /* its slot was kept */
    }
    kobj_unref(&p->obj);
    return gone ? TW_E_PEER : (int64_t)len;
}

void chan_port_tell(struct port *p, int what)
{
    if (p->hook != NULL)
        p->hook->event(p->hook_ctx, &p->obj, what);
}

void chan_port_set_hook(struct kobj *port, const struct chan_port_hook *h, void *ctx)
{
    struct port *p = as_port(port);
    p->hook = h;
    p->hook_ctx = ctx;
}

int chan_subscribe(struct kobj *port, uint32_t cap, struct kobj **end)
{
    struct port *p = as_port(port);
    if (p->closed)
        return TW_E_PEER;
    int rc = chan_port_connect(p, cap, end);
    if (rc == TW_OK)
        as_end(*end)->durable = true;
    return rc;
}

void chan_end_move(struct kobj *end, struct kobj *port)
{
    struct chan_end *e = as_end(end);
    struct port *to = as_port(port);
    K_ASSERT(e->durable && e->port != NULL && !to->closed);
    list_remove(&e->client_link);
    struct port *from = e->port;
    kobj_ref(&to->obj);
    e->port = to;
    e->gen = to->gen;
    list_push_back(&to->clients, &e->client_link);
    kobj_unref(&from->obj);
    kobj_notify(&e->obj); /* writable may have changed */
}

/* Put an event into e's ring, or keep it (the newest) until a slot is free. */
static void post_one(struct port *p, struct chan_end *e, const void *msg, size_t len)
{
    if (e->ev_len == 0 && !ring_full(&e->in) &&
        chan_send_msg(&p->obj, &e->in, &e->obj, NULL, msg, len, NULL, 0) >= 0)
        return;
    k_memcpy(e->ev, msg, len);
    e->ev_len = (uint8_t)len;
}

void chan_post_event(struct kobj *port, const void *msg, size_t len)
{
    K_ASSERT(len > 0 && len <= K_CHAN_EVENT_MAX);
    struct port *p = as_port(port);
    struct list *pos;
    list_for_each(pos, &p->clients)
    {
        struct chan_end *e = list_entry(pos, struct chan_end, client_link);
        if (e->durable && e->ev_fwd != NULL)
            chan_post_event(&e->ev_fwd->obj, msg, len); /* a relay's port: no relay's target */
        else if (e->durable)
            post_one(p, e, msg, len);
    }
}

void chan_end_forward_events(struct kobj *end, struct kobj *port)
{
    struct chan_end *e = as_end(end);
    K_ASSERT(e->durable);
    e->ev_fwd = port != NULL ? as_port(port) : NULL;
}

void chan_event_flush(struct chan_end *e)
{
    if (e->ev_len != 0 && !ring_full(&e->in) &&
        chan_send_msg(&e->port->obj, &e->in, &e->obj, NULL, e->ev, e->ev_len, NULL, 0) >= 0)
        e->ev_len = 0;
    if (e->port->kserve != NULL)
        kobj_notify(&e->obj); /* a slot for a reply: writable again */
}

struct kobj *chan_end_port(const struct kobj *end)
{
    const struct chan_end *e = as_end((struct kobj *)end);
    return e->port != NULL ? &e->port->obj : NULL;
}

uint32_t chan_port_gen(const struct kobj *port)
{
    return as_port((struct kobj *)port)->gen;
}

uint32_t chan_port_subscribers(const struct kobj *port)
{
    struct port *p = as_port((struct kobj *)port);
    uint32_t n = 0;
    struct list *pos;
    list_for_each(pos, &p->clients)
    {
        n += list_entry(pos, struct chan_end, client_link)->durable;
    }
    return n;
}

struct kobj *chan_port_first_client(const struct kobj *port)
{
    struct port *p = as_port((struct kobj *)port);
    struct list *pos;
    list_for_each(pos, &p->clients)
    {
        struct chan_end *e = list_entry(pos, struct chan_end, client_link);
        if (e->durable)
            return &e->obj;
    }
    return NULL;
}
