/* SPDX-License-Identifier: MIT */
/*
 * providers/zero_null.c - the two trivial device schemes: zero:// reads
 * zeros and swallows writes (/dev/zero), null:// reads end-of-file and swallows writes
 * (/dev/null). Each is one static object shared by every open.
 */
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "../core/obj.h"
#include "providers.h"

static uint32_t dev_signals(struct kobj *o)
{
    (void)o;
    return TW_SIG_READABLE | TW_SIG_WRITABLE;
}

static int64_t zero_read(struct kobj *o, void *buf, size_t len)
{
    (void)o;
    k_memset(buf, 0, len);
    return (int64_t)len;
}

static int64_t null_read(struct kobj *o, void *buf, size_t len)
{
    (void)o;
    (void)buf;
    (void)len;
    return 0;
}

static int64_t dev_write(struct kobj *o, const void *buf, size_t len)
{
    (void)o;
    (void)buf;
    return (int64_t)len;
}

static void dev_destroy(struct kobj *o)
{
    (void)o;
    k_panic("device objects are static");
}

#define DEV_RIGHTS                                                                                 \
    (TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_WAIT | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE)

static const struct kobj_ops zero_ops = {
    .name = "zero",
    .kind = TW_KIND_ZERO,
    .default_rights = DEV_RIGHTS,
    .signals = dev_signals,
    .read = zero_read,
    .write = dev_write,
    .destroy = dev_destroy,
};

static const struct kobj_ops null_ops = {
    .name = "null",
    .kind = TW_KIND_NULL,
    .default_rights = DEV_RIGHTS,
    .signals = dev_signals,
    .read = null_read,
    .write = dev_write,
    .destroy = dev_destroy,
};

/* Static objects, not counted as live: refs starts at 1 and never returns to 0. */
static struct kobj zero_obj = {.ops = &zero_ops, .refs = 1};
static struct kobj null_obj = {.ops = &null_ops, .refs = 1};

static int dev_open(struct kobj *o, const struct url *u, struct kobj **out)
{
    if (u->host.len != 0 || u->has_port || u->sub >= 0)
        return TW_E_INVAL;
    kobj_ref(o);
    *out = o;
    return TW_OK;
}

static int zero_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                     struct kobj **out)
{
    (void)p;
    (void)flags;
    return dev_open(&zero_obj, u, out);
}

static int null_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                     struct kobj **out)
{
    (void)p;
    (void)flags;
    return dev_open(&null_obj, u, out);
}

static void dev_reset(void)
{
    struct kobj *objs[] = {&zero_obj, &null_obj};
    for (unsigned i = 0; i < K_ARRAY_SIZE(objs); i++) {
        objs[i]->refs = 1;
        objs[i]->handles = 0;
        list_init(&objs[i]->waiters);
    }
}

const struct provider prov_zero = {.scheme = "zero", .open = zero_open, .reset = dev_reset};
const struct provider prov_null = {.scheme = "null", .open = null_open, .reset = dev_reset};
