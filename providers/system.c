/* SPDX-License-Identifier: MIT */
/*
 * providers/system.c - system://, kernel state as resources. One so far:
 *
 *   system://memory/free_mem[?below=N]
 *
 * asserts TW_SIG_SIGNALED when the free pages of the pool fall below N (default: an
 * eighth of the pool). A task waits on it, frees what it can (drops caches), then says so
 * with invoke(h, TW_SYS_MEM_FREED): the signal clears and fires again only after the free
 * pages have risen above N and fallen below it once more. When it fires, the kernel's
 * block caches (cache://) first give back up to the shortfall. read() gives the free page
 * count (8 bytes), as does invoke TW_SYS_MEM_FREE_PAGES. The check runs at every kernel
 * boundary (core/watch.h), so it sees every allocation.
 */
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/obj.h"
#include "../core/page.h"
#include "../core/watch.h"
#include "providers.h"
#include "storage.h"

struct memwatch {
    struct kobj obj;
    struct list link; /* in the watched list */
    uint64_t below;
    bool signaled;
    bool acked; /* FREED said; wait for the level to rise before firing again */
};

static struct kcache mw_cache;
static struct list watched;
static const struct kobj_ops mw_ops;

static struct memwatch *as_mw(struct kobj *o)
{
    K_ASSERT(o->ops == &mw_ops);
    return K_CONTAINER_OF(o, struct memwatch, obj);
}

static void mw_check_level(struct memwatch *m)
{
    bool low = page_free_count() < m->below;
    if (!low) {
        m->acked = false;
        m->signaled = false;
    } else if (!m->signaled && !m->acked) {
        m->signaled = true;
        /* The kernel's own caches give back what they can first (cache:// shrinks when
         * system://memory/free_mem fires: docs/storage.md). */
        cache_shrink_all((size_t)(m->below - page_free_count()));
        kobj_notify(&m->obj);
    }
}

/* Out of line, so that mw_watch's common case (nothing watched) needs no stack frame. */
static __attribute__((noinline)) void mw_check_all(void)
{
    struct list *pos;
    list_for_each(pos, &watched)
    {
        mw_check_level(list_entry(pos, struct memwatch, link));
    }
}

/* Runs at every kernel boundary. */
static void mw_watch(void)
{
    if (!list_empty(&watched))
        mw_check_all();
}

static uint32_t mw_signals(struct kobj *o)
{
    return as_mw(o)->signaled ? TW_SIG_SIGNALED | TW_SIG_READABLE : 0;
}

static int64_t mw_read(struct kobj *o, void *buf, size_t len)
{
    (void)o;
    uint64_t n = page_free_count();
    if (len < sizeof(n))
        return TW_E_TOOBIG;
    k_memcpy(buf, &n, sizeof(n));
    return sizeof(n);
}

static int64_t mw_invoke(struct kobj *o, const struct kargs *a)
{
    struct memwatch *m = as_mw(o);
    switch (a->op->op) {
    case TW_SYS_MEM_FREED:
        m->signaled = false;
        m->acked = true;
        mw_check_level(m);
        return TW_OK;
    case TW_SYS_MEM_FREE_PAGES:
        return (int64_t)page_free_count();
    default:
        return TW_E_NOTSUP;
    }
}

static void mw_last_close(struct kobj *o)
{
    list_remove(&as_mw(o)->link);
}

static void mw_destroy(struct kobj *o)
{
    kcache_free(&mw_cache, as_mw(o));
}

static const struct kobj_ops mw_ops = {
    .name = "system-memory",
    .kind = TW_KIND_MEMWATCH,
    .default_rights =
        TW_RIGHT_READ | TW_RIGHT_INVOKE | TW_RIGHT_WAIT | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = mw_signals,
    .read = mw_read,
    .invoke = mw_invoke,
    .last_close = mw_last_close,
    .destroy = mw_destroy,
};

static int system_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                       struct kobj **out)
{
    (void)p;
    (void)flags;
    if (!k_memeq_str(u->host.ptr, u->host.len, "memory") ||
        !k_memeq_str(u->path.ptr, u->path.len, "/free_mem") || u->has_port || u->sub >= 0)
        return TW_E_NOENT;
    uint64_t below = page_total_count() / 8;
    struct url_str v;
    if (url_query_get(u, "below", &v) && !k_parse_u64(v.ptr, v.len, &below))
        return TW_E_INVAL;
    struct memwatch *m = kcache_alloc(&mw_cache);
    if (m == NULL)
        return TW_E_NOMEM;
    kobj_init(&m->obj, &mw_ops);
    m->below = below;
    list_push_back(&watched, &m->link);
    mw_check_level(m);
    *out = &m->obj;
    return TW_OK;
}

static void system_reset(void)
{
    kcache_init(&mw_cache, "system-memory", sizeof(struct memwatch));
    list_init(&watched);
    int rc = watch_register(mw_watch);
    K_ASSERT(rc == TW_OK);
}

const struct provider prov_system = {
    .scheme = "system", .open = system_open, .reset = system_reset};
