/* SPDX-License-Identifier: MIT */
/*
 * core/chan_int.h - what core/chan.c (pairs, ports, their rings) and core/chan_req.c (the
 * requests on ports: server incarnations, requests in service, markers, redelivery;
 * docs/supervision.md) share. Included by those two files only.
 */
#ifndef TWAIN_CORE_CHAN_INT_H
#define TWAIN_CORE_CHAN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "handle.h"
#include "kassert.h"
#include "klib.h"
#include "limits.h"
#include "list.h"
#include "obj.h"
#include "trace.h"

struct task;
struct thread;

/* chan_msg.flags: not a message but an error owed to the caller of a request (a marker):
 * the error code is in data[0..4), seq and req are the request's. */
#define MSG_MARKER 1u

struct chan_msg {
    uint16_t len;      /* at most TW_MSG_MAX_BYTES */
    uint8_t nh;        /* at most TW_MSG_MAX_HANDLES */
    uint8_t flags;     /* MSG_* */
    uint32_t task;     /* a port's messages: the id of the task whose thread wrote it (0: none) */
    uint64_t seq;      /* the message's number (TR_IPC_*) */
    uint64_t req;      /* a port's messages: the request's number on the port (TR_REQ_*) */
    struct kobj *from; /* a port's messages: the client end (a reference) */
    struct handle_entry h[TW_MSG_MAX_HANDLES];
    uint8_t data[TW_MSG_MAX_BYTES];
};
_Static_assert(TW_MSG_MAX_BYTES <= UINT16_MAX && TW_MSG_MAX_HANDLES <= UINT8_MAX,
               "a message's length and handle count fit their fields");

/*
 * A ring of message slots; storage is allocated on the first write. A message sent into an
 * empty ring is the next one received, so the digest its send record carries is kept for
 * its receive record (the common case: a request, then its answer). A port's ring also
 * counts the slots its repeatable requests in service hold (held): they come back to it
 * if their server dies, so a request can always be put back.
 */
struct msg_ring {
    struct chan_msg *slots;
    uint32_t cap;
    uint32_t head;
    uint32_t count;
    uint32_t held; /* ports: slots kept for the kernel's copies of requests in service */
    uint8_t order;
    bool front_digest_known; /* front_digest is the digest of slots[head] */
    uint64_t front_digest;
};

struct port;

struct chan_end {
    struct kobj obj;
    struct chan_end *peer;     /* pairs: the other end, NULL once it closed */
    struct kobj *pending_peer; /* pairs: the other end until taken (a handle in flight) */
    struct port *port;         /* clients: the port (a reference) */
    struct list client_link;   /* in port->clients while its incarnation lasts */
    struct msg_ring in;
    uint32_t carried; /* messages, and a fresh pair's other end, holding a handle to it */
    /* clients (docs/supervision.md) */
    uint32_t gen;            /* the port's generation when it connected */
    bool stale;              /* that incarnation ended: only what is owed can still be read */
    uint32_t owed;           /* stale: its requests still queued or in service */
    uint32_t over_restarted; /* restarted markers that found the ring full (read after it) */
    uint32_t over_closed;    /* the same for peer_closed markers */
    uint32_t chk;            /* the invariant checker's count */
    /* subscriptions (core/chan_svc.c, docs/services.md) */
    bool durable;   /* follows its port's incarnations instead of going stale */
    uint8_t ev_len; /* an event waiting for a free slot (0: none) */
    uint8_t ev[K_CHAN_EVENT_MAX];
    struct port *ev_fwd; /* non-NULL: its events go to this port's subscriptions instead */
};

struct chan_kserve;
struct chan_port_hook;

struct port {
    struct kobj obj;
    char name[K_CHAN_NAME];
    uint32_t name_len;
    bool closed;
    struct list clients;  /* struct chan_end.client_link: the current incarnation's */
    struct list reg_link; /* in the registry */
    struct msg_ring in;
    uint32_t carried; /* messages holding a handle to it */
    /* incarnations and requests (docs/supervision.md) */
    uint32_t gen;        /* the current incarnation's generation (wraps) */
    struct task *server; /* the task serving it, NULL: unbound (the next reader binds) */
    uint64_t repeatable; /* bit k: requests of op k are safe to repeat */
    uint64_t accepted;   /* requests accepted: the last number given */
    uint64_t ended;      /* requests that ended (TR_REQ_END) */
    uint32_t in_service; /* requests read by a thread and not ended */
    uint32_t chk;        /* the invariant checker's counts: requests in service, */
    uint32_t chk_held;   /* and copies kept of them */
    /* services (core/chan_svc.c): a port with no name, reached only through its owner */
    const struct chan_kserve *kserve; /* non-NULL: served in the sender's thread */
    void *kserve_ctx;
    const struct chan_port_hook *hook; /* told of binds, incarnation ends, the close */
    void *hook_ctx;
};

extern const struct kobj_ops chan_end_ops;
extern const struct kobj_ops chan_port_ops;

static inline struct chan_end *as_end(struct kobj *o)
{
    K_ASSERT(o->ops == &chan_end_ops);
    return K_CONTAINER_OF(o, struct chan_end, obj);
}

static inline struct port *as_port(struct kobj *o)
{
    K_ASSERT(o->ops == &chan_port_ops);
    return K_CONTAINER_OF(o, struct port, obj);
}

/* No slot free for a new message (a port's held slots count as taken). */
static inline bool ring_full(const struct msg_ring *r)
{
    return r->count + r->held >= r->cap;
}

/* The i-th queued message (0: the front). */
static inline struct chan_msg *ring_at(struct msg_ring *r, uint32_t i)
{
    uint32_t j = r->head + i; /* < 2 * cap: one subtraction, not a division */
    return &r->slots[j >= r->cap ? j - r->cap : j];
}

static inline struct chan_msg *ring_front(struct msg_ring *r)
{
    K_ASSERT(r->count > 0 && r->slots != NULL);
    return &r->slots[r->head];
}

static inline void ring_commit(struct msg_ring *r)
{
    r->count++;
}

static inline void ring_pop(struct msg_ring *r)
{
    K_ASSERT(r->count > 0);
    r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    r->count--;
    r->front_digest_known = false;
}

/* ring_reserve's first use of a ring: its storage. */
struct chan_msg *ring_reserve_alloc(struct msg_ring *r);

/* The next free slot, allocating storage on first use; NULL on TW_E_NOMEM. The caller
 * sets every header field that is read (len, nh, flags, h[0 .. nh), from, seq, req). */
static inline struct chan_msg *ring_reserve(struct msg_ring *r)
{
    K_ASSERT(r->count < r->cap);
    if (__builtin_expect(r->slots == NULL, 0))
        return ring_reserve_alloc(r);
    return ring_at(r, r->count);
}

/* msg_release's body, for a message that holds something. */
void msg_release_held(struct chan_msg *m);

/* Release what a message holds (handles in flight, the client reference). Inline: most
 * messages hold neither (a reply, a request whose client reference moved on). */
static inline void msg_release(struct chan_msg *m)
{
    if (m->nh != 0 || m->from != NULL)
        msg_release_held(m);
}
/* A message's op: its first 32 bits, little-endian (a shorter message's bytes, zero-padded). */
static inline uint32_t msg_op(const struct chan_msg *m)
{
    if (__builtin_expect(m->len >= 4, 1))
        return (uint32_t)m->data[0] | (uint32_t)m->data[1] << 8 | (uint32_t)m->data[2] << 16 |
               (uint32_t)m->data[3] << 24;
    uint32_t op = 0;
    for (uint32_t i = 0; i < m->len; i++)
        op |= (uint32_t)m->data[i] << (8 * i);
    return op;
}
/* chan.c's sending, for core/chan_svc.c (send_msg's contract in chan.c). */
int64_t chan_send_msg(struct kobj *self, struct msg_ring *dest, struct kobj *dest_obj,
                      struct kobj *from, const void *data, size_t len, const int32_t *hv,
                      uint32_t nh);
uint64_t chan_next_seq(void);
int chan_port_connect(struct port *p, uint32_t cap, struct kobj **out);
uint64_t chan_digest_bytes(const void *data, size_t len);

/* ---- core/chan_svc.c ------------------------------------------------------------------ */

/* A client end of a kernel-served port sends: the request is served now, in this thread. */
int64_t kserve_send(struct chan_end *e, const void *buf, size_t len, uint32_t nh);
/* A slot was freed in e's ring: a waiting event goes in. */
void chan_event_flush(struct chan_end *e);
/* Tell p's hook (if any) what happened to it (enum chan_port_event). */
void chan_port_tell(struct port *p, int what);

/* Clients blocked on p while it was full may write again: wake them. */
void port_notify_clients(struct port *p);

/* ---- core/chan_req.c ------------------------------------------------------------------ */

void chan_req_init(void);
void chan_req_check_empty(void);
/* Number the request m just accepted into p's ring and trace it. */
static inline void req_accept(struct port *p, struct chan_msg *m)
{
    m->req = ++p->accepted;
    trace_emit(TR_REQ_ACCEPT, m->req, ((uint64_t)p->obj.id << 32) | msg_op(m), m->seq);
}
/* A copy of p's front request if p keeps one when it is read (a repeatable op, no handles):
 * TW_OK with *copy (or NULL: none kept), TW_E_NOMEM. */
int req_copy_for_read(struct port *p, struct chan_msg **copy);
void req_copy_free(struct chan_msg *copy);
/* t has read request (req, seq), written by task (its id), from p (its reply_to still names
 * the previous client): binds p to t's task if unbound, ends t's previous request
 * (TR_REQ_NEXT), and puts this one in service with its copy. */
void req_read(struct thread *t, struct port *p, uint64_t req, uint64_t seq, uint32_t task,
              struct chan_msg *copy);
/* t's request in service ended (how: enum trace_req_end) by t's write or its client's end. */
void req_service_end(struct thread *t, uint32_t how);
/* p's last handle went: every queued request ends TR_REQ_CLOSED, and the ring is empty. */
void req_port_closed(struct port *p);
/* Move markers that found e's ring full into it while it has room. */
void req_flush_markers(struct chan_end *e);
/* The front of e's ring is a marker: take it; returns its error, *seq its request's. */
int64_t req_take_marker(struct chan_end *e, uint64_t *seq);
/* End p's current incarnation (docs/supervision.md): task_id served it (0: nobody). */
void req_end_incarnation(struct port *p, uint32_t task_id);

#endif /* TWAIN_CORE_CHAN_INT_H */
