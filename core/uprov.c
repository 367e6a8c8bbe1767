/* SPDX-License-Identifier: MIT */
/*
 * core/uprov.c - user-space providers (see uprov.h, docs/user-providers.md).
 */
#include "optable.h"
#include "uprov.h"
#include "chan.h"
#include "clock.h"
#include "kassert.h"
#include "kcache.h"
#include "klib.h"
#include "obj.h"
#include "provider.h"
#include "thread.h"
#include "wait.h"

struct uprov_entry {
    char scheme[URL_MAX_SCHEME + 1];
    uint32_t len;
    struct kobj *port; /* a reference; NULL: free entry */
};

/* A resource served by a user task: every operation is a request on `end`. */
struct uproxy {
    struct kobj obj;
    struct kobj *end; /* the kernel's client end of the provider's port */
    uint64_t rid;     /* the provider's name for the resource */
};

static struct {
    struct uprov_entry table[UPROV_MAX];
    struct kcache proxies;
    uint64_t next_seq;
} up;

static const struct kobj_ops proxy_ops;

void uprov_reset(void)
{
    k_memset(&up, 0, sizeof(up));
    kcache_init(&up.proxies, "uproxy", sizeof(struct uproxy));
    up.next_seq = 1;
}

static struct uprov_entry *find(const char *scheme, size_t len)
{
    for (int i = 0; i < UPROV_MAX; i++) {
        struct uprov_entry *e = &up.table[i];
        if (e->port != NULL && e->len == len && k_memcmp(e->scheme, scheme, len) == 0)
            return e;
    }
    return NULL;
}

static bool scheme_ok(const char *s, size_t len)
{
    if (len == 0 || len > URL_MAX_SCHEME || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

int uprov_register(struct kobj *port, const char *scheme, size_t len)
{
    K_ASSERT(chan_is_port(port));
    if (!scheme_ok(scheme, len))
        return TW_E_INVAL;
    if (provider_find(scheme, len) != NULL)
        return TW_E_BUSY; /* a kernel provider owns it */
    struct uprov_entry *e = find(scheme, len);
    if (e != NULL && e->port == port)
        return TW_OK; /* the port's next incarnation registers again: nothing changes */
    if (e != NULL && !chan_port_closed(e->port)) {
        if (chan_port_bound(e->port))
            return TW_E_BUSY; /* a live task serves it */
        /* Nobody serves the old port: the scheme moves, and the old port's current
         * incarnation ends for the proxies opened through it (docs/supervision.md). */
        chan_port_end_incarnation(e->port);
    }
    if (e == NULL) { /* a free entry, or one whose provider died */
        for (int i = 0; i < UPROV_MAX && e == NULL; i++)
            if (up.table[i].port == NULL || chan_port_closed(up.table[i].port))
                e = &up.table[i];
        if (e == NULL)
            return TW_E_LIMIT;
    }
    if (e->port != NULL)
        kobj_unref(e->port); /* a restarted provider replaces the dead one */
    kobj_ref(port);
    e->port = port;
    e->len = (uint32_t)len;
    k_memcpy(e->scheme, scheme, len);
    return TW_OK;
}

struct kobj *uprov_scheme_port(const char *scheme, size_t len)
{
    struct uprov_entry *e = find(scheme, len);
    return e != NULL && !chan_port_closed(e->port) ? e->port : NULL;
}

void uprov_release_all(void)
{
    for (int i = 0; i < UPROV_MAX; i++) {
        if (up.table[i].port != NULL)
            kobj_unref(up.table[i].port);
        up.table[i].port = NULL;
    }
}

/*
 * Wait (in the calling thread) until px's end has something to read (or room to write:
 * signals) or its port closed. The kernel's end has no handle, so a second node waits, for
 * no signal, on the proxy itself through the handle the system call was made on: a
 * close() of that handle cancels the wait (when it names another object, nothing does).
 */
static int64_t wait_end(struct uproxy *px, uint32_t signals, uint64_t deadline)
{
    struct thread *t = thread_current();
    struct wait_node *w = &t->wait[0];
    w->obj = px->end;
    w->task = NULL;
    w->handle = 0;
    w->signals = signals;
    struct wait_node *c = &t->wait[1];
    c->obj = &px->obj;
    c->task = t->task;
    c->handle = t->call_handle;
    c->signals = 0;
    return wait_block(2, deadline);
}

/*
 * The next message on end that answers seq, in *reply, waiting until deadline for it.
 * Other messages are late answers to requests that timed out, or junk: dropped. An error
 * owed instead of a reply (TW_E_RESTARTED: the provider restarted before answering;
 * TW_E_PEER: its port closed) for the request whose message was msg ends the wait with
 * that error; one owed for an earlier request is dropped like its late answer, and one
 * whose request is not known (it found the end's ring full) is taken as this one's.
 */
static int64_t recv_seq(struct uproxy *px, uint64_t seq, uint64_t msg, uint64_t deadline,
                        struct tw_prov_reply *reply)
{
    for (;;) {
        uint64_t marker;
        int64_t n = chan_kernel_recv(px->end, reply, sizeof(*reply), &marker);
        if (marker != 0) {
            if (marker == msg || marker == UINT64_MAX)
                return n;
            continue;
        }
        if (n == (int64_t)sizeof(*reply) && reply->seq == seq)
            return TW_OK;
        if (n >= 0)
            continue;
        if (n != TW_E_WOULDBLOCK)
            return n;
        int64_t w = wait_end(px, TW_SIG_READABLE | TW_SIG_PEER_CLOSED, deadline);
        if (w != TW_OK)
            return w;
    }
}

/* Send req on end and wait, until deadline, for the reply with the same sequence number. */
static int64_t request_until(struct uproxy *px, struct tw_prov_req *req,
                             struct tw_prov_reply *reply, uint64_t deadline)
{
    req->seq = up.next_seq++;
    uint64_t msg;
    for (;;) {
        int64_t r = chan_kernel_send(px->end, req, sizeof(*req), &msg);
        if (r >= 0)
            break;
        if (r != TW_E_WOULDBLOCK)
            return r; /* TW_E_PEER: the provider is gone; TW_E_STALE: a proxy of its last life */
        int64_t w = wait_end(px, TW_SIG_WRITABLE | TW_SIG_PEER_CLOSED, deadline);
        if (w != TW_OK)
            return w;
    }
    int64_t rc = recv_seq(px, req->seq, msg, deadline, reply);
    if (rc != TW_OK)
        return rc;
    /* A provider answers now or never: "would block" cannot be waited out here. */
    if (reply->result == TW_E_WOULDBLOCK)
        return TW_E_BUSY;
    return reply->result >= TW_ERR_MIN ? reply->result : TW_E_IO;
}

static int64_t request(struct uproxy *px, struct tw_prov_req *req, struct tw_prov_reply *reply)
{
    return request_until(px, req, reply, clock_now() + UPROV_TIMEOUT_NS);
}

static struct uproxy *as_proxy(struct kobj *o)
{
    K_ASSERT(o->ops == &proxy_ops);
    return K_CONTAINER_OF(o, struct uproxy, obj);
}

static void req_init(struct tw_prov_req *req, uint32_t op, const struct uproxy *px)
{
    k_memset(req, 0, sizeof(*req)); /* whole: the message digest covers every byte */
    req->op = op;
    req->rid = px != NULL ? px->rid : 0;
}

static uint32_t proxy_signals(struct kobj *o)
{
    struct uproxy *px = as_proxy(o);
    uint32_t s = kobj_signals(px->end) & TW_SIG_PEER_CLOSED;
    return s != 0 ? s : TW_SIG_READABLE | TW_SIG_WRITABLE;
}

/*
 * The n bytes of an answer into buf: the first TW_PROV_REPLY_DATA from *reply (the first
 * reply), the rest from continuation replies (same seq, result = their offset).
 */
static int64_t gather(struct uproxy *px, uint64_t seq, uint64_t deadline,
                      struct tw_prov_reply *reply, uint8_t *buf, size_t n)
{
    size_t got = K_MIN(n, (size_t)TW_PROV_REPLY_DATA);
    k_memcpy(buf, reply->data, got);
    while (got < n) { /* at most TW_PROV_READ_MAX / TW_PROV_REPLY_DATA rounds */
        int64_t rc = recv_seq(px, seq, 0, deadline, reply); /* answered: no marker is its */
        if (rc != TW_OK)
            return rc;
        if (reply->result != (int64_t)got)
            return TW_E_IO; /* a continuation out of order */
        size_t take = K_MIN(n - got, (size_t)TW_PROV_REPLY_DATA);
        k_memcpy(buf + got, reply->data, take);
        got += take;
    }
    return TW_OK;
}

/* A read of up to TW_PROV_READ_MAX bytes, gathered from the reply and its continuations. */
static int64_t proxy_read(struct kobj *o, void *buf, size_t len)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_READ, px);
    req.arg[0] = (int64_t)K_MIN(len, (size_t)TW_PROV_READ_MAX);
    uint64_t deadline = clock_now() + UPROV_TIMEOUT_NS;
    int64_t r = request_until(px, &req, &reply, deadline);
    if (r < 0)
        return r;
    if (r > req.arg[0])
        return TW_E_IO; /* the provider answered more than was asked */
    int64_t rc = gather(px, req.seq, deadline, &reply, buf, (size_t)r);
    return rc == TW_OK ? r : rc;
}

static int64_t proxy_write(struct kobj *o, const void *buf, size_t len)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_WRITE, px);
    req.len = (uint32_t)K_MIN(len, (size_t)TW_PROV_REQ_DATA);
    k_memcpy(req.data, buf, req.len);
    int64_t r = request(px, &req, &reply);
    return r > (int64_t)req.len ? TW_E_IO : r;
}

static int64_t proxy_seek(struct kobj *o, int64_t off, int whence)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_SEEK, px);
    req.arg[0] = off;
    req.arg[1] = whence;
    return request(px, &req, &reply);
}

static int64_t proxy_tell(struct kobj *o)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_TELL, px);
    return request(px, &req, &reply);
}

/*
 * Every operation the table gives TW_KIND_USER, marshalled by the table alone
 * (docs/user-providers.md): arg[0] = the op; arg[1..3] = its integers and buffer lengths,
 * in order; data = its input buffers, one after the other (at most TW_PROV_REQ_DATA bytes
 * together: TW_E_TOOBIG). When it succeeds, an output buffer's capacity in bytes follows
 * as the reply's data and continuations, as for a READ.
 */
static int64_t proxy_invoke(struct kobj *o, const struct kargs *a)
{
    struct uproxy *px = as_proxy(o);
    const struct tw_op *d = a->op;
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_INVOKE, px);
    req.arg[0] = d->op;
    uint32_t nv = 1;
    uint8_t *out = NULL;
    size_t out_len = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t k = d->arg[i];
        if (k == TW_ARG_IN) {
            size_t n = (size_t)a->v[i + 1];
            if (n > TW_PROV_REQ_DATA - req.len)
                return TW_E_TOOBIG;
            k_memcpy(req.data + req.len, a->buf[i], n);
            req.len += (uint32_t)n;
        } else if (k == TW_ARG_OUT) {
            out = a->buf[i];
            out_len = (size_t)a->v[i + 1];
        } else if (k == TW_ARG_INT || k == TW_ARG_LEN) {
            K_ASSERT(nv < 4); /* the table gives TW_KIND_USER at most three (optable test) */
            req.arg[nv++] = (int64_t)a->v[i];
        } else {
            K_ASSERT(k == TW_ARG_NONE);
        }
    }
    uint64_t deadline = clock_now() + UPROV_TIMEOUT_NS;
    int64_t r = request_until(px, &req, &reply, deadline);
    if (r < 0 || out == NULL)
        return r;
    K_ASSERT(out_len <= TW_PROV_READ_MAX);
    int64_t rc = gather(px, req.seq, deadline, &reply, out, out_len);
    return rc == TW_OK ? r : rc;
}

static void proxy_last_close(struct kobj *o)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    req_init(&req, TW_PROV_CLOSE, px);
    req.seq = up.next_seq++;
    uint64_t msg;
    (void)chan_kernel_send(px->end, &req, sizeof(req), &msg); /* best effort: nobody waits */
}

static void proxy_destroy(struct kobj *o)
{
    struct uproxy *px = as_proxy(o);
    kobj_unref(px->end);
    kcache_free(&up.proxies, px);
}

static void proxy_check(struct kobj *o)
{
    struct uproxy *px = as_proxy(o);
    K_ASSERT(px->end != NULL && px->end->refs > 0);
}

static const struct kobj_ops proxy_ops = {
    .name = "user-provider",
    .kind = TW_KIND_USER,
    .default_rights = TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_INVOKE | TW_RIGHT_WAIT |
                      TW_RIGHT_SEEK | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = proxy_signals,
    .read = proxy_read,
    .write = proxy_write,
    .invoke = proxy_invoke,
    .seek = proxy_seek,
    .tell = proxy_tell,
    .last_close = proxy_last_close,
    .destroy = proxy_destroy,
    .check = proxy_check,
};

int uprov_open(const char *scheme, size_t slen, const char *url, size_t len, uint32_t flags,
               struct kobj **out)
{
    struct uprov_entry *e = find(scheme, slen);
    if (e == NULL)
        return TW_E_NOENT;
    if (chan_port_closed(e->port))
        return TW_E_PEER;
    if (len > TW_PROV_REQ_DATA)
        return TW_E_TOOBIG;
    struct uproxy *px = kcache_alloc(&up.proxies);
    if (px == NULL)
        return TW_E_NOMEM;
    int rc = chan_connect_port(e->port, &px->end);
    if (rc != TW_OK) {
        kcache_free(&up.proxies, px);
        return rc;
    }
    kobj_init(&px->obj, &proxy_ops);
    px->obj.closed = true; /* until the provider says yes, there is nothing to close */
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_OPEN, NULL);
    req.flags = flags;
    req.len = (uint32_t)len;
    k_memcpy(req.data, url, len);
    int64_t r = request(px, &req, &reply);
    if (r < 0) {
        kobj_unref(&px->obj);
        return (int)r;
    }
    if (chan_end_stale(px->end)) {
        /* The provider's incarnation ended while the OPEN was answered: the handle would be
         * stale at once (and if its next incarnation answered a repeated OPEN, the resource
         * is that one's, which this end cannot reach). Open again. */
        kobj_unref(&px->obj);
        return TW_E_STALE;
    }
    px->rid = (uint64_t)r;
    px->obj.closed = false;
    *out = &px->obj;
    return TW_OK;
}
