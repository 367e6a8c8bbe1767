/* SPDX-License-Identifier: MIT */
/*
 * providers/pipe.c - pipe://, byte pipes: open("pipe://") makes a connected pair of ends
 * (like a socketpair); the second end is taken with TW_CHAN_TAKE_PEER. Each end has a
 * PIPE_BUF-byte inbound ring. write takes what fits (TW_E_WOULDBLOCK when full), read
 * returns what is there (TW_E_WOULDBLOCK when empty, 0 at end of stream once the peer has
 * closed). Unlike chan://, there are no message boundaries.
 */
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/obj.h"
#include "../core/handle.h"
#include "providers.h"

#define PIPE_BUF 2048

struct pipe_end {
    struct kobj obj;
    struct pipe_end *peer; /* NULL once the peer closed */
    struct kobj *pending;  /* the other end until taken (a handle in flight) */
    uint32_t head, len;
    uint8_t ring[PIPE_BUF];
};

static struct kcache pipe_cache;
static const struct kobj_ops pipe_ops;

static struct pipe_end *as_pipe(struct kobj *o)
{
    K_ASSERT(o->ops == &pipe_ops);
    return K_CONTAINER_OF(o, struct pipe_end, obj);
}

static uint32_t pipe_signals(struct kobj *o)
{
    struct pipe_end *p = as_pipe(o);
    uint32_t s = p->len > 0 ? TW_SIG_READABLE : 0;
    if (p->peer == NULL)
        return s | TW_SIG_PEER_CLOSED;
    return s | (p->peer->len < PIPE_BUF ? TW_SIG_WRITABLE : 0);
}

static int64_t pipe_read(struct kobj *o, void *buf, size_t len)
{
    struct pipe_end *p = as_pipe(o);
    if (p->len == 0)
        return p->peer == NULL ? 0 : TW_E_WOULDBLOCK;
    size_t n = K_MIN(len, (size_t)p->len);
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)buf)[i] = p->ring[(p->head + i) % PIPE_BUF];
    p->head = (uint32_t)((p->head + n) % PIPE_BUF);
    p->len -= (uint32_t)n;
    if (p->peer != NULL)
        kobj_notify(&p->peer->obj); /* room to write again */
    return (int64_t)n;
}

static int64_t pipe_write(struct kobj *o, const void *buf, size_t len)
{
    struct pipe_end *p = as_pipe(o);
    if (p->peer == NULL)
        return TW_E_PEER;
    struct pipe_end *q = p->peer;
    size_t n = K_MIN(len, (size_t)(PIPE_BUF - q->len));
    if (n == 0)
        return len == 0 ? 0 : TW_E_WOULDBLOCK;
    for (size_t i = 0; i < n; i++)
        q->ring[(q->head + q->len + i) % PIPE_BUF] = ((const uint8_t *)buf)[i];
    q->len += (uint32_t)n;
    kobj_notify(&q->obj);
    return (int64_t)n;
}

static int64_t pipe_invoke(struct kobj *o, const struct kargs *a)
{
    struct pipe_end *p = as_pipe(o);
    switch (a->op->op) {
    case TW_CHAN_PENDING:
        return p->len;
    case TW_CHAN_TAKE_PEER:
        return handle_take_pending(&p->pending, pipe_ops.default_rights);
    default:
        return TW_E_NOTSUP;
    }
}

static void pipe_last_close(struct kobj *o)
{
    struct pipe_end *p = as_pipe(o);
    handle_drop_pending(&p->pending);
    if (p->peer != NULL) {
        struct pipe_end *q = p->peer;
        q->peer = NULL;
        p->peer = NULL;
        kobj_notify(&q->obj); /* end of stream for its reader */
    }
}

static void pipe_destroy(struct kobj *o)
{
    struct pipe_end *p = as_pipe(o);
    K_ASSERT(p->peer == NULL && p->pending == NULL);
    kcache_free(&pipe_cache, p);
}

static void pipe_check(struct kobj *o)
{
    struct pipe_end *p = as_pipe(o);
    K_ASSERT(p->len <= PIPE_BUF && p->head < PIPE_BUF);
    K_ASSERT(p->peer == NULL || p->peer->peer == p);
    if (p->pending != NULL)
        p->pending->scratch++;
}

static const struct kobj_ops pipe_ops = {
    .name = "pipe",
    .kind = TW_KIND_PIPE,
    .default_rights = TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_INVOKE | TW_RIGHT_WAIT |
                      TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = pipe_signals,
    .read = pipe_read,
    .write = pipe_write,
    .invoke = pipe_invoke,
    .last_close = pipe_last_close,
    .destroy = pipe_destroy,
    .check = pipe_check,
};

static struct pipe_end *pipe_new(void)
{
    struct pipe_end *p = kcache_alloc(&pipe_cache);
    if (p != NULL)
        kobj_init(&p->obj, &pipe_ops);
    return p;
}

static int pipe_open(const struct url_parsed *pu, const struct url *u, uint32_t flags,
                     struct kobj **out)
{
    (void)pu;
    (void)flags;
    if (u->host.len != 0 || u->has_port || u->sub >= 0 || (u->has_path && u->path.len > 1))
        return TW_E_INVAL;
    struct pipe_end *a = pipe_new();
    if (a == NULL)
        return TW_E_NOMEM;
    struct pipe_end *b = pipe_new();
    if (b == NULL) {
        kobj_unref(&a->obj);
        return TW_E_NOMEM;
    }
    a->peer = b;
    b->peer = a;
    kobj_handle_get(&b->obj); /* b's only reference: the handle a holds in flight */
    kobj_unref(&b->obj);
    a->pending = &b->obj;
    *out = &a->obj;
    return TW_OK;
}

static void pipe_reset(void)
{
    kcache_init(&pipe_cache, "pipe", sizeof(struct pipe_end));
}

const struct provider prov_pipe = {.scheme = "pipe", .open = pipe_open, .reset = pipe_reset};
