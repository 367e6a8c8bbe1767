/* SPDX-License-Identifier: MIT */
/*
 * core/provider.c - scheme registry and URL resolution (see provider.h).
 */
#include "provider.h"
#include "kassert.h"
#include "klib.h"
#include "limits.h"
#include "obj.h"
#include "uprov.h"

static struct {
    const struct provider *table[K_MAX_PROVIDERS];
    uint32_t count;
} reg;

void provider_registry_init(void)
{
    reg.count = 0;
}

const struct provider *provider_find(const char *scheme, size_t len)
{
    for (uint32_t i = 0; i < reg.count; i++)
        if (k_memeq_str(scheme, len, reg.table[i]->scheme))
            return reg.table[i];
    return NULL;
}

int provider_register(const struct provider *p)
{
    K_ASSERT(p != NULL && p->scheme != NULL && p->open != NULL);
    if (provider_find(p->scheme, k_strlen(p->scheme)) != NULL)
        return TW_E_BUSY;
    if (reg.count >= K_MAX_PROVIDERS)
        return TW_E_LIMIT;
    reg.table[reg.count++] = p;
    if (p->reset != NULL)
        p->reset();
    return TW_OK;
}

void provider_release_all(void)
{
    for (uint32_t i = 0; i < reg.count; i++)
        if (reg.table[i]->release != NULL)
            reg.table[i]->release();
}

void provider_check_all(void)
{
    for (uint32_t i = 0; i < reg.count; i++)
        if (reg.table[i]->check != NULL)
            reg.table[i]->check();
}

static int open_level(const struct url_parsed *p, const struct url *u, uint32_t flags,
                      struct kobj **out)
{
    const struct provider *prov = provider_find(u->scheme.ptr, u->scheme.len);
    if (prov == NULL) /* not the kernel's: perhaps a task serves it */
        return uprov_open(u->scheme.ptr, u->scheme.len, u->text.ptr, u->text.len, flags, out);
    *out = NULL;
    int rc = prov->open(p, u, flags, out);
    K_ASSERT((rc == TW_OK) == (*out != NULL));
    return rc;
}

int provider_open(const char *url, size_t len, uint32_t flags, struct kobj **out)
{
    struct url_parsed p;
    struct url_error err;
    if (url_parse(url, len, &p, &err) != TW_OK)
        return TW_E_SYNTAX;
    return open_level(&p, &p.level[0], flags, out);
}

int provider_open_sub(const struct url_parsed *p, const struct url *u, uint32_t flags,
                      struct kobj **out)
{
    if (u->sub < 0)
        return TW_E_INVAL;
    K_ASSERT((uint32_t)u->sub < p->depth);
    return open_level(p, &p->level[u->sub], flags, out);
}
