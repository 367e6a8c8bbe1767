/* SPDX-License-Identifier: MIT */
/*
 * providers/svc.c - svc://, the service registry (docs/services.md).
 *
 *   svc://NAME?register&schema=HEX[&policy=fail|queue|replace][&replaceable][&cap=N]
 *       register NAME; the handle is the service's port, read by the server as any port.
 *   svc://NAME?schema=HEX[&wait_us=N][&cap=N][&via=kernel[&timeout_us=N]]
 *       subscribe: a channel end to NAME's owner, whoever that is (a task, or the kernel);
 *       via=kernel: kernel code makes each call (providers/svc_relay.c).
 *
 * A name has one owner and a queue of registrations behind it. A new registration takes
 * a free name; on a taken one, policy fail (the default) is busy, queue waits behind the
 * owner and takes over when it goes, replace takes the name at once if the owner said
 * replaceable (else busy). A kernel service's name is always taken and never replaceable.
 * A subscribe must name the protocol's schema hash: another one is TW_E_VERSION; an
 * unknown name is TW_E_NOENT at once, or waits up to wait_us of virtual time for it to be
 * registered (then TW_E_TIMEDOUT).
 *
 * A subscription is a durable client end (core/chan_svc.c): it follows its owner's port
 * through server restarts (the port outlives them when init keeps it), and moves to the
 * next owner when the name changes hands. Each change is told to every subscription as an
 * event message (svc.proto's OwnerChanged, encoded by proto/svc_proto.c) and traced
 * (TR_SVC_OWNER). Names are found through a hash table (the name's hash, then its bytes),
 * so a lookup costs the same with ten names or ten thousand.
 */
#include "svc.h"
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/chan.h"
#include "../core/clock.h"
#include "../core/hash.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/obj.h"
#include "../core/page.h"
#include "../core/provider.h"
#include "../core/caller.h"
#include "../core/trace.h"
#include "providers.h"
#include "svc.pb.h"
#include "svc_relay.h"

#define RELAY_TIMEOUT_NS 1000000000ull /* via=kernel: a reply's deadline unless timeout_us */

#define SVC_NAME_MAX  31
#define SVC_BUCKETS   4096 /* a power of two; 32 KiB of chain heads */
#define SVC_BUCKET_PO 3    /* page order of the table: 8 pages */

struct svc_entry;

/* One registration: the owner of a name, one queued behind it, or one replaced. */
struct svc_reg {
    struct list link;        /* in its entry's queue (queued ones) */
    struct svc_entry *entry; /* NULL once replaced: its port lives on, nameless */
    struct kobj *port;       /* no reference: the port tells its close (hook) */
    uint32_t task;           /* the registering task */
    bool replaceable;
    bool bound_once; /* a task has served it: a later bind is a restart */
};

struct svc_entry {
    struct svc_entry *next; /* hash chain */
    uint64_t hash;          /* hash_bytes of the name */
    char name[SVC_NAME_MAX + 1];
    uint32_t len;
    uint64_t schema;
    uint32_t generation;   /* owner changes and restarts, from 1 at registration */
    struct svc_reg *owner; /* NULL: a kernel service */
    struct kobj *kport;    /* a kernel service's kernel-served port (a reference) */
    struct list queue;     /* struct svc_reg.link */
};

static struct {
    struct kcache entries, regs, waitobjs;
    struct svc_entry **table; /* SVC_BUCKETS chains, allocated at the first name */
    struct kobj *names;       /* subscribers waiting for a name wait on it */
    bool pulse;               /* names asserts signaled while it wakes them */
    uint32_t count;
} reg;

static uint64_t name_hash(const char *name, size_t len)
{
    return hash_bytes(HASH_SEED, name, len);
}

/* ---- the object subscribers wait on for a name to appear ------------------------------ */

static uint32_t names_signals(struct kobj *o)
{
    (void)o;
    return reg.pulse ? TW_SIG_SIGNALED : 0;
}

static void names_destroy(struct kobj *o)
{
    kcache_free(&reg.waitobjs, o);
}

static const struct kobj_ops names_ops = {
    .name = "svc-names",
    .kind = TW_KIND_THREAD, /* no handle ever reaches it: a kind no op takes */
    .signals = names_signals,
    .destroy = names_destroy,
};

/* A name was registered: every waiting subscriber looks again. */
static void names_changed(void)
{
    if (reg.names == NULL)
        return;
    reg.pulse = true;
    kobj_notify(reg.names);
    reg.pulse = false;
}

/* ---- the table ------------------------------------------------------------------------ */

static struct svc_entry *find(const char *name, size_t len, uint64_t h)
{
    if (reg.table == NULL)
        return NULL;
    for (struct svc_entry *e = reg.table[h & (SVC_BUCKETS - 1)]; e != NULL; e = e->next)
        if (e->hash == h && e->len == len && k_memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

static struct svc_entry *entry_new(const char *name, size_t len, uint64_t h, uint64_t schema)
{
    if (reg.table == NULL) {
        reg.table = page_alloc(SVC_BUCKET_PO);
        if (reg.table == NULL)
            return NULL;
    }
    struct svc_entry *e = kcache_alloc(&reg.entries);
    if (e == NULL)
        return NULL;
    e->hash = h;
    k_memcpy(e->name, name, len);
    e->len = (uint32_t)len;
    e->schema = schema;
    list_init(&e->queue);
    struct svc_entry **b = &reg.table[h & (SVC_BUCKETS - 1)];
    e->next = *b;
    *b = e;
    reg.count++;
    return e;
}

static void entry_free(struct svc_entry *e)
{
    K_ASSERT(e->owner == NULL && e->kport == NULL && list_empty(&e->queue));
    struct svc_entry **p = &reg.table[e->hash & (SVC_BUCKETS - 1)];
    while (*p != e)
        p = &(*p)->next;
    *p = e->next;
    reg.count--;
    kcache_free(&reg.entries, e);
}

/* The port a name's subscribers write to. */
static struct kobj *entry_port(const struct svc_entry *e)
{
    return e->owner != NULL ? e->owner->port : e->kport;
}

/* The event OwnerChanged into every subscription of port. */
static void post_owner(struct kobj *port, uint32_t gen, uint32_t reason, bool kernel, uint32_t task)
{
    uint8_t msg[K_CHAN_EVENT_MAX];
    struct svc_owner_event ev = {gen, reason, kernel, task};
    int64_t n = svc_encode_event_owner(&ev, msg, sizeof(msg));
    K_ASSERT(n > 0);
    chan_post_event(port, msg, (size_t)n);
}

/* Tell every subscription of port, and the trace, that e's owner changed (reason). */
static void tell_owner(struct svc_entry *e, struct kobj *port, uint32_t reason)
{
    e->generation++;
    trace_emit(TR_SVC_OWNER, e->hash, e->generation, reason);
    post_owner(port, e->generation, reason, e->owner == NULL,
               e->owner != NULL ? e->owner->task : 0);
}

/*
 * A replaced owner is told too: the event (reason replaced, the new generation and owner)
 * arrives on its registration's port as a one-way message from a kernel client, read like
 * any request (svc_msg_kind: an event; an answer to it is dropped). Lost when the port's ring
 * is full or no memory is left: its subscribers were told, and the name is moved either way.
 */
static void tell_replaced(struct kobj *old_port, uint32_t gen, uint32_t new_task)
{
    uint8_t msg[K_CHAN_EVENT_MAX];
    struct svc_owner_event ev = {gen, twain_svc_OwnerReason_OWNER_REPLACED, false, new_task};
    int64_t n = svc_encode_event_owner(&ev, msg, sizeof(msg));
    K_ASSERT(n > 0);
    struct kobj *end;
    if (chan_connect_port(old_port, &end) != TW_OK)
        return;
    uint64_t seq;
    (void)chan_kernel_send(end, msg, (size_t)n, &seq);
    kobj_unref(end); /* the message holds it until it is read */
}

/* Every subscription of from now writes to to. */
static void move_subscribers(struct kobj *from, struct kobj *to)
{
    struct kobj *end;
    while ((end = chan_port_first_client(from)) != NULL)
        chan_end_move(end, to);
}

/* ---- registrations and their ports' lives ---------------------------------------------- */

static void reg_event(void *ctx, struct kobj *port, int what);
static const struct chan_port_hook reg_hook = {.event = reg_event};

static void reg_event(void *ctx, struct kobj *port, int what)
{
    struct svc_reg *r = ctx;
    struct svc_entry *e = r->entry;
    K_ASSERT(r->port == port);
    if (what == CHAN_PORT_BOUND) { /* a (new) server reads it */
        if (e != NULL && e->owner == r && r->bound_once)
            tell_owner(e, port, twain_svc_OwnerReason_OWNER_RESTARTED);
        r->bound_once = true;
        return;
    }
    if (what == CHAN_PORT_ENDED) { /* its server died; the port (kept by init) lives on */
        if (e != NULL && e->owner == r)
            tell_owner(e, port, twain_svc_OwnerReason_OWNER_DIED);
        return;
    }
    /* CHAN_PORT_CLOSED: the registration's last handle went. */
    if (e != NULL && e->owner == r) {
        struct list *n = list_pop_front(&e->queue);
        if (n != NULL) { /* the next in line takes the name and its subscribers */
            struct svc_reg *next = list_entry(n, struct svc_reg, link);
            e->owner = next;
            move_subscribers(port, next->port);
            tell_owner(e, next->port, twain_svc_OwnerReason_OWNER_DIED);
        } else {
            e->owner = NULL;
            e->generation++;
            trace_emit(TR_SVC_OWNER, e->hash, e->generation, twain_svc_OwnerReason_OWNER_GONE);
            post_owner(port, e->generation, twain_svc_OwnerReason_OWNER_GONE, false, 0);
            entry_free(e);
        }
    } else if (e != NULL) {
        list_remove(&r->link); /* a queued one leaves the queue */
    }
    kcache_free(&reg.regs, r);
}

static bool name_ok(const struct url_str *n)
{
    if (n->len == 0 || n->len > SVC_NAME_MAX)
        return false;
    for (size_t i = 0; i < n->len; i++) {
        char c = n->ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* schema=HEX: 1..16 hex digits. */
static bool schema_of(const struct url *u, uint64_t *out)
{
    struct url_str v;
    if (!url_query_get(u, "schema", &v) || v.len == 0 || v.len > 16)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return false;
        x = x << 4 | d;
    }
    *out = x;
    return true;
}

enum policy { POLICY_FAIL, POLICY_QUEUE, POLICY_REPLACE };

static int policy_of(const struct url *u, enum policy *out)
{
    struct url_str v;
    *out = POLICY_FAIL;
    if (!url_query_get(u, "policy", &v))
        return TW_OK;
    if (k_memeq_str(v.ptr, v.len, "fail"))
        *out = POLICY_FAIL;
    else if (k_memeq_str(v.ptr, v.len, "queue"))
        *out = POLICY_QUEUE;
    else if (k_memeq_str(v.ptr, v.len, "replace"))
        *out = POLICY_REPLACE;
    else
        return TW_E_INVAL;
    return TW_OK;
}

static int cap_of(const struct url *u, uint32_t *cap)
{
    struct url_str v;
    uint64_t c = K_CHAN_DEFAULT_CAP;
    if (url_query_get(u, "cap", &v) &&
        (!k_parse_u64(v.ptr, v.len, &c) || c == 0 || c > K_CHAN_MAX_CAP))
        return TW_E_INVAL;
    *cap = (uint32_t)c;
    return TW_OK;
}

/* A new registration of e (NULL: a free name) by policy; the result TR_SVC_REGISTER shows. */
static int64_t do_register(const struct url_str *name, uint64_t h, uint64_t schema, enum policy pol,
                           bool replaceable, uint32_t cap, struct kobj **out)
{
    struct svc_entry *e = find(name->ptr, name->len, h);
    if (e == NULL && svc_kservice_find(name->ptr, name->len) != NULL)
        return TW_E_BUSY; /* a kernel service's name, not yet subscribed to */
    if (e != NULL) {
        if (e->owner == NULL)
            return TW_E_BUSY; /* the kernel's */
        if (pol == POLICY_FAIL || (pol == POLICY_REPLACE && !e->owner->replaceable))
            return TW_E_BUSY;
        if (e->schema != schema)
            return TW_E_VERSION; /* one name, one protocol */
    }
    struct svc_reg *r = kcache_alloc(&reg.regs);
    if (r == NULL)
        return TW_E_NOMEM;
    struct kobj *port;
    int rc = chan_port_anon(cap, NULL, NULL, &port);
    if (rc == TW_OK && e == NULL) {
        e = entry_new(name->ptr, name->len, h, schema);
        if (e == NULL) {
            kobj_unref(port);
            rc = TW_E_NOMEM;
        }
    }
    if (rc != TW_OK) {
        kcache_free(&reg.regs, r);
        return rc;
    }
    r->entry = e;
    r->port = port;
    r->task = caller_task_id();
    r->replaceable = replaceable;
    chan_port_set_hook(port, &reg_hook, r);
    *out = port;
    if (e->owner == NULL) { /* a new name */
        e->owner = r;
        e->generation = 1;
        names_changed();
        return TR_SVC_OWNER_NOW;
    }
    if (pol == POLICY_QUEUE) {
        list_push_back(&e->queue, &r->link);
        return TR_SVC_QUEUED;
    }
    struct svc_reg *old = e->owner; /* replace: the old port lives on, nameless */
    old->entry = NULL;
    e->owner = r;
    move_subscribers(old->port, port);
    tell_owner(e, port, twain_svc_OwnerReason_OWNER_REPLACED);
    tell_replaced(old->port, e->generation, r->task);
    return TR_SVC_REPLACED;
}

/* A kernel service's entry, made at its first subscribe. */
static struct svc_entry *kernel_entry(const struct url_str *name, uint64_t h)
{
    const struct svc_kservice *k = svc_kservice_find(name->ptr, name->len);
    if (k == NULL)
        return NULL;
    struct kobj *port;
    if (chan_port_anon(1, &svc_kservice_serve, (void *)k, &port) != TW_OK)
        return NULL;
    struct svc_entry *e = entry_new(name->ptr, name->len, h, k->proto->schema_hash);
    if (e == NULL) {
        kobj_unref(port);
        return NULL;
    }
    e->kport = port;
    e->generation = 1;
    return e;
}

/* Wait (this thread) until a name is registered or deadline: TW_OK, TW_E_TIMEDOUT, ... */
static int64_t wait_for_names(uint64_t deadline)
{
    if (reg.names == NULL) {
        reg.names = kcache_alloc(&reg.waitobjs);
        if (reg.names == NULL)
            return TW_E_NOMEM;
        kobj_init(reg.names, &names_ops);
    }
    return caller_wait_one(reg.names, TW_SIG_SIGNALED, deadline);
}

/* Subscribe to e for the caller: directly, or through a kernel relay (relay_ns != 0). */
static int subscribe_entry(struct svc_entry *e, uint64_t relay_ns, uint32_t cap, struct kobj **out)
{
    if (relay_ns == 0)
        return chan_subscribe(entry_port(e), cap, out);
    const struct svc_proto *proto = svc_proto_by_hash(e->schema);
    if (proto == NULL)
        return TW_E_NOTSUP; /* the kernel was not built with this protocol: it cannot check it */
    const struct svc_kservice *direct =
        e->owner == NULL ? svc_kservice_find(e->name, e->len) : NULL;
    return svc_relay_open(entry_port(e), proto, direct, relay_ns, cap, out);
}

static int64_t do_subscribe(const struct url_str *name, uint64_t h, uint64_t schema,
                            uint64_t wait_ns, uint64_t relay_ns, uint32_t cap, struct kobj **out)
{
    uint64_t deadline = clock_now() + wait_ns;
    for (;;) {
        struct svc_entry *e = find(name->ptr, name->len, h);
        if (e == NULL)
            e = kernel_entry(name, h);
        if (e != NULL) {
            if (e->schema != schema)
                return TW_E_VERSION;
            return subscribe_entry(e, relay_ns, cap, out);
        }
        if (svc_kservice_find(name->ptr, name->len) != NULL)
            return TW_E_NOMEM; /* a kernel service whose entry could not be made */
        if (wait_ns == 0)
            return TW_E_NOENT;
        if (clock_now() >= deadline)
            return TW_E_TIMEDOUT;
        int64_t w = wait_for_names(deadline);
        if (w != TW_OK)
            return w;
    }
}

static int svc_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                    struct kobj **out)
{
    (void)p;
    (void)flags;
    uint64_t schema;
    uint32_t cap;
    if (u->has_port || (u->has_path && u->path.len > 1) || u->sub >= 0 || !name_ok(&u->host) ||
        !schema_of(u, &schema) || cap_of(u, &cap) != TW_OK)
        return TW_E_INVAL;
    uint64_t h = name_hash(u->host.ptr, u->host.len);
    if (url_query_has(u, "register")) {
        enum policy pol;
        if (policy_of(u, &pol) != TW_OK || url_query_has(u, "wait_us"))
            return TW_E_INVAL;
        int64_t rc =
            do_register(&u->host, h, schema, pol, url_query_has(u, "replaceable"), cap, out);
        trace_emit(TR_SVC_REGISTER, h, rc >= 0 ? (*out)->id : 0, (uint64_t)rc);
        return rc >= 0 ? TW_OK : (int)rc;
    }
    struct url_str v;
    uint64_t wait_us = 0;
    if (url_query_get(u, "wait_us", &v) &&
        (!k_parse_u64(v.ptr, v.len, &wait_us) || wait_us > UINT64_MAX / 1000))
        return TW_E_INVAL;
    if (url_query_has(u, "policy") || url_query_has(u, "replaceable"))
        return TW_E_INVAL; /* registration keys on a subscribe */
    uint64_t relay_ns = 0;
    if (url_query_get(u, "via", &v)) {
        if (!k_memeq_str(v.ptr, v.len, "kernel"))
            return TW_E_INVAL;
        uint64_t t_us = RELAY_TIMEOUT_NS / 1000;
        if (url_query_get(u, "timeout_us", &v) &&
            (!k_parse_u64(v.ptr, v.len, &t_us) || t_us == 0 || t_us > UINT64_MAX / 1000))
            return TW_E_INVAL;
        relay_ns = t_us * 1000;
    } else if (url_query_has(u, "timeout_us")) {
        return TW_E_INVAL; /* only a relay has a deadline per request */
    }
    int64_t rc = do_subscribe(&u->host, h, schema, wait_us * 1000, relay_ns, cap, out);
    trace_emit(TR_SVC_SUBSCRIBE, h, rc == TW_OK ? (*out)->id : 0, (uint64_t)rc);
    return (int)rc;
}

/* ---- the invariant checker (prov_svc.check) -------------------------------------------- */

static bool name_chars_ok(const char *name, uint32_t len)
{
    struct url_str n = {name, len};
    return name_ok(&n);
}

/* A registration of e (its owner or one in line): it points back, its port is open. */
static void check_reg(const struct svc_entry *e, const struct svc_reg *r)
{
    K_ASSERT(r->entry == e && r->port != NULL && !chan_port_closed(r->port));
}

/*
 * Every entry is in the bucket of its hash, the hash is its name's, the name is valid and
 * found once; it has exactly one of an owner (a task's registration, its port open) or a
 * kernel-served port (a kernel service's, made at the first subscribe: no queue); the queue
 * holds distinct registrations of this name, none the owner, with no subscribers (they are
 * all on the owner's port); the generation has started; the count matches.
 */
static void svc_check(void)
{
    if (reg.table == NULL) {
        K_ASSERT(reg.count == 0);
        return;
    }
    K_ASSERT(!reg.pulse);
    uint32_t n = 0;
    for (uint32_t b = 0; b < SVC_BUCKETS; b++) {
        for (const struct svc_entry *e = reg.table[b]; e != NULL; e = e->next) {
            K_ASSERT(++n <= reg.count); /* also: no cycle */
            K_ASSERT((e->hash & (SVC_BUCKETS - 1)) == b);
            K_ASSERT(e->len >= 1 && e->len <= SVC_NAME_MAX && name_chars_ok(e->name, e->len));
            K_ASSERT(e->hash == name_hash(e->name, e->len));
            K_ASSERT(find(e->name, e->len, e->hash) == e); /* no second entry of the name */
            K_ASSERT(e->generation >= 1);
            const struct svc_kservice *k = svc_kservice_find(e->name, e->len);
            if (e->owner == NULL) {
                K_ASSERT(e->kport != NULL && k != NULL && list_empty(&e->queue));
                K_ASSERT(e->schema == k->proto->schema_hash && !chan_port_closed(e->kport));
                continue;
            }
            K_ASSERT(e->kport == NULL && k == NULL);
            check_reg(e, e->owner);
            struct list *pos, *q;
            list_for_each(pos, &e->queue)
            {
                const struct svc_reg *r = list_entry(pos, struct svc_reg, link);
                check_reg(e, r);
                K_ASSERT(r != e->owner && r->port != e->owner->port);
                K_ASSERT(chan_port_subscribers(r->port) == 0);
                for (q = pos->next; q != &e->queue; q = q->next)
                    K_ASSERT(list_entry(q, struct svc_reg, link) != r);
            }
        }
    }
    K_ASSERT(n == reg.count);
}

static void svc_reset(void)
{
    kcache_init(&reg.entries, "svc-entry", sizeof(struct svc_entry));
    kcache_init(&reg.regs, "svc-reg", sizeof(struct svc_reg));
    kcache_init(&reg.waitobjs, "svc-names", sizeof(struct kobj));
    reg.table = NULL;
    reg.names = NULL;
    reg.pulse = false;
    reg.count = 0;
    svc_relay_reset();
    for (size_t i = 0; i < svc_kservice_count; i++)
        if (svc_kservices[i].reset != NULL)
            svc_kservices[i].reset();
}

/* Teardown, every task gone: the kernel services' ports and the table go. What tasks
 * registered went with their ports' last handles. */
static void svc_release(void)
{
    if (reg.table != NULL) {
        for (uint32_t b = 0; b < SVC_BUCKETS; b++) {
            while (reg.table[b] != NULL) {
                struct svc_entry *e = reg.table[b];
                K_ASSERT(e->owner == NULL && e->kport != NULL);
                struct kobj *port = e->kport;
                e->kport = NULL;
                entry_free(e);
                kobj_unref(port);
            }
        }
        page_free(reg.table, SVC_BUCKET_PO);
        reg.table = NULL;
    }
    if (reg.names != NULL) {
        kobj_unref(reg.names);
        reg.names = NULL;
    }
}

const struct provider prov_svc = {
    .scheme = "svc",
    .open = svc_open,
    .reset = svc_reset,
    .release = svc_release,
    .check = svc_check,
};
