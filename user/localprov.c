/* SPDX-License-Identifier: MIT */
/*
 * user/localprov.c - process-local providers (see localprov.h).
 */
#include "localprov.h"
#include "../core/klib.h"
#include "twain.h"

void tw_local_init(struct tw_local *lp)
{
    k_memset(lp, 0, sizeof(*lp));
}

int64_t tw_local_register(struct tw_local *lp, const char *scheme, const struct tw_local_ops *ops,
                          void *ctx)
{
    size_t n = k_strnlen(scheme, 32);
    if (n == 0 || n >= 32 || ops == NULL)
        return TW_E_INVAL;
    int free = -1;
    for (int i = 0; i < TW_LOCAL_MAX_SCHEMES; i++) {
        if (lp->schemes[i].ops == NULL) {
            free = free < 0 ? i : free;
        } else if (lp->schemes[i].len == n && k_memcmp(lp->schemes[i].scheme, scheme, n) == 0) {
            return TW_E_BUSY;
        }
    }
    if (free < 0)
        return TW_E_LIMIT;
    k_memcpy(lp->schemes[free].scheme, scheme, n);
    lp->schemes[free].len = n;
    lp->schemes[free].ops = ops;
    lp->schemes[free].ctx = ctx;
    return TW_OK;
}

/* The registered scheme url starts with ("scheme://"), or -1. */
static int local_scheme(const struct tw_local *lp, const char *url, size_t len)
{
    for (int i = 0; i < TW_LOCAL_MAX_SCHEMES; i++) {
        size_t n = lp->schemes[i].len;
        if (lp->schemes[i].ops != NULL && len >= n + 3 &&
            k_memcmp(url, lp->schemes[i].scheme, n) == 0 && k_memcmp(url + n, "://", 3) == 0)
            return i;
    }
    return -1;
}

int64_t tw_local_open(struct tw_local *lp, const char *url, uint32_t flags)
{
    size_t len = k_strnlen(url, 4096);
    int s = local_scheme(lp, url, len);
    if (s < 0)
        return tw_open_n(url, len, flags); /* not ours: the kernel resolves it */
    int slot = 0;
    while (slot < TW_LOCAL_MAX_RES && lp->res[slot].used)
        slot++;
    if (slot == TW_LOCAL_MAX_RES)
        return TW_E_LIMIT;
    int64_t rid = lp->schemes[s].ops->open(lp->schemes[s].ctx, url, len, flags);
    if (rid < 0)
        return rid;
    lp->res[slot].used = 1;
    lp->res[slot].scheme = s;
    lp->res[slot].rid = rid;
    return TW_LOCAL_TAG | slot;
}

/* The local resource behind h, or NULL for a kernel handle or a stale local one. */
static int local_slot(const struct tw_local *lp, int32_t h)
{
    if (h < 0 || (h & TW_LOCAL_TAG) == 0)
        return -1;
    int slot = h & ~TW_LOCAL_TAG;
    return slot < TW_LOCAL_MAX_RES && lp->res[slot].used ? slot : -2;
}

int64_t tw_local_read(struct tw_local *lp, int32_t h, void *buf, size_t len)
{
    int s = local_slot(lp, h);
    if (s == -1)
        return tw_read(h, buf, len);
    if (s < 0)
        return TW_E_BADH;
    const struct tw_local_ops *ops = lp->schemes[lp->res[s].scheme].ops;
    return ops->read != NULL
               ? ops->read(lp->schemes[lp->res[s].scheme].ctx, lp->res[s].rid, buf, len)
               : TW_E_NOTSUP;
}

int64_t tw_local_write(struct tw_local *lp, int32_t h, const void *buf, size_t len)
{
    int s = local_slot(lp, h);
    if (s == -1)
        return tw_write(h, buf, len);
    if (s < 0)
        return TW_E_BADH;
    const struct tw_local_ops *ops = lp->schemes[lp->res[s].scheme].ops;
    return ops->write != NULL
               ? ops->write(lp->schemes[lp->res[s].scheme].ctx, lp->res[s].rid, buf, len)
               : TW_E_NOTSUP;
}

int64_t tw_local_close(struct tw_local *lp, int32_t h)
{
    int s = local_slot(lp, h);
    if (s == -1)
        return tw_close(h);
    if (s < 0)
        return TW_E_BADH;
    const struct tw_local_ops *ops = lp->schemes[lp->res[s].scheme].ops;
    lp->res[s].used = 0;
    return ops->close != NULL ? ops->close(lp->schemes[lp->res[s].scheme].ctx, lp->res[s].rid)
                              : TW_OK;
}
