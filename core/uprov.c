/* SPDX-License-Identifier: MIT */
/*
 * core/uprov.c - user-space providers (see uprov.h, docs/user-providers.md).
 */
#include "uprov.h"
#include "chan.h"
#include "clock.h"
#include "kassert.h"
#include "kcache.h"
#include "klib.h"
#include "obj.h"
#include "provider.h"
#include "thread.h"
#include "usercopy.h"
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
    if (e != NULL && !chan_port_closed(e->port))
        return TW_E_BUSY;
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

void uprov_release_all(void)
{
    for (int i = 0; i < UPROV_MAX; i++) {
        if (up.table[i].port != NULL)
            kobj_unref(up.table[i].port);
        up.table[i].port = NULL;
    }
}

/* Wait (in the calling thread) until end has something to read or its port closed. */
static int64_t wait_end(struct kobj *end, uint32_t signals, uint64_t deadline)
{
    struct wait_node *w = &thread_current()->wait[0];
    w->obj = end;
    w->task = NULL; /* not waited through a handle: close() cannot cancel it */
    w->handle = 0;
    w->signals = signals;
    return wait_block(1, deadline);
}

/*
 * The next message on end that answers seq, in *reply, waiting until deadline for it.
 * Other messages are late answers to requests that timed out, or junk: dropped.
 */
static int64_t recv_seq(struct kobj *end, uint64_t seq, uint64_t deadline,
                        struct tw_prov_reply *reply)
{
    for (;;) {
        int64_t n = chan_kernel_recv(end, reply, sizeof(*reply));
        if (n == (int64_t)sizeof(*reply) && reply->seq == seq)
            return TW_OK;
        if (n >= 0)
            continue;
        if (n != TW_E_WOULDBLOCK)
            return n;
        int64_t w = wait_end(end, TW_SIG_READABLE | TW_SIG_PEER_CLOSED, deadline);
        if (w != TW_OK)
            return w;
    }
}

/* Send req on end and wait, until deadline, for the reply with the same sequence number. */
static int64_t request_until(struct kobj *end, struct tw_prov_req *req, struct tw_prov_reply *reply,
                             uint64_t deadline)
{
    req->seq = up.next_seq++;
    for (;;) {
        int64_t r = chan_kernel_send(end, req, sizeof(*req));
        if (r >= 0)
            break;
        if (r != TW_E_WOULDBLOCK)
            return r; /* TW_E_PEER: the provider is gone */
        int64_t w = wait_end(end, TW_SIG_WRITABLE | TW_SIG_PEER_CLOSED, deadline);
        if (w != TW_OK)
            return w;
    }
    int64_t rc = recv_seq(end, req->seq, deadline, reply);
    if (rc != TW_OK)
        return rc;
    /* A provider answers now or never: "would block" cannot be waited out here. */
    if (reply->result == TW_E_WOULDBLOCK)
        return TW_E_BUSY;
    return reply->result >= TW_ERR_MIN ? reply->result : TW_E_IO;
}

static int64_t request(struct kobj *end, struct tw_prov_req *req, struct tw_prov_reply *reply)
{
    return request_until(end, req, reply, clock_now() + UPROV_TIMEOUT_NS);
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
 * A read of up to TW_PROV_READ_MAX bytes: the reply carries the first TW_PROV_REPLY_DATA,
 * continuation replies (same seq, result = their offset) the rest.
 */
static int64_t proxy_read(struct kobj *o, void *buf, size_t len)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_READ, px);
    req.arg[0] = (int64_t)K_MIN(len, (size_t)TW_PROV_READ_MAX);
    uint64_t deadline = clock_now() + UPROV_TIMEOUT_NS;
    int64_t r = request_until(px->end, &req, &reply, deadline);
    if (r < 0)
        return r;
    if (r > req.arg[0])
        return TW_E_IO; /* the provider answered more than was asked */
    size_t got = K_MIN((size_t)r, (size_t)TW_PROV_REPLY_DATA);
    k_memcpy(buf, reply.data, got);
    while (got < (size_t)r) { /* at most TW_PROV_READ_MAX / TW_PROV_REPLY_DATA rounds */
        int64_t rc = recv_seq(px->end, req.seq, deadline, &reply);
        if (rc != TW_OK)
            return rc;
        if (reply.result != (int64_t)got)
            return TW_E_IO; /* a continuation out of order */
        size_t n = K_MIN((size_t)r - got, (size_t)TW_PROV_REPLY_DATA);
        k_memcpy((uint8_t *)buf + got, reply.data, n);
        got += n;
    }
    return r;
}

static int64_t proxy_write(struct kobj *o, const void *buf, size_t len)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_WRITE, px);
    req.len = (uint32_t)K_MIN(len, (size_t)TW_PROV_REQ_DATA);
    k_memcpy(req.data, buf, req.len);
    int64_t r = request(px->end, &req, &reply);
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
    return request(px->end, &req, &reply);
}

static int64_t proxy_tell(struct kobj *o)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_TELL, px);
    return request(px->end, &req, &reply);
}

/*
 * invoke(h, op, buf, len, x, y): buf[0..len) travels as data, x and y as integers; an op
 * with a second buffer (TW_INVOKE_HAS_BUF2) sends both buffers and their lengths.
 */
static int64_t proxy_invoke(struct kobj *o, uint32_t op, const uint64_t a[4])
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    struct tw_prov_reply reply;
    req_init(&req, TW_PROV_INVOKE, px);
    bool two = TW_INVOKE_HAS_BUF2(op);
    uint64_t len2 = two ? a[3] : 0;
    if (a[1] > TW_PROV_REQ_DATA || len2 > TW_PROV_REQ_DATA - a[1])
        return TW_E_TOOBIG;
    if (copy_from_user(req.data, a[0], (size_t)a[1]) != TW_OK ||
        (two && copy_from_user(req.data + a[1], a[2], (size_t)len2) != TW_OK))
        return TW_E_FAULT;
    req.len = (uint32_t)(a[1] + len2);
    req.flags = two ? TW_PROV_F_BUF2 : 0;
    req.arg[0] = op;
    req.arg[1] = (int64_t)(two ? a[1] : a[2]);
    req.arg[2] = (int64_t)a[3];
    return request(px->end, &req, &reply);
}

static void proxy_last_close(struct kobj *o)
{
    struct uproxy *px = as_proxy(o);
    struct tw_prov_req req;
    req_init(&req, TW_PROV_CLOSE, px);
    req.seq = up.next_seq++;
    (void)chan_kernel_send(px->end, &req, sizeof(req)); /* best effort: nobody waits */
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
    .kind = "user-provider",
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
    int64_t r = request(px->end, &req, &reply);
    if (r < 0) {
        kobj_unref(&px->obj);
        return (int)r;
    }
    px->rid = (uint64_t)r;
    px->obj.closed = false;
    *out = &px->obj;
    return TW_OK;
}
