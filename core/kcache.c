/* SPDX-License-Identifier: MIT */
/*
 * core/kcache.c - fixed-size object caches (see kcache.h). A cache's pages are never
 * returned to the page allocator while the kernel runs: k_init resets the whole pool.
 */
#include "kcache.h"
#include "kassert.h"
#include "klib.h"
#include "limits.h"
#include "page.h"

void kcache_init(struct kcache *c, const char *name, size_t size)
{
    K_ASSERT(size >= sizeof(void *) && size <= K_PAGE_SIZE - 16);
    k_memset(c, 0, sizeof(*c));
    c->name = name;
    c->obj_size = (uint32_t)K_ALIGN_UP(size, (size_t)16);
    c->per_page = K_PAGE_SIZE / c->obj_size;
    K_ASSERT(c->per_page >= 1);
}

static int grow(struct kcache *c)
{
    uint8_t *page = page_alloc(0);
    if (page == NULL)
        return -1;
    c->pages++;
    /* Link objects so that the lowest address is handed out first. */
    for (uint32_t i = c->per_page; i-- > 0;) {
        void **obj = (void **)(page + (size_t)i * c->obj_size);
        *obj = c->free;
        c->free = obj;
    }
    return 0;
}

void *kcache_alloc(struct kcache *c)
{
    if (c->free == NULL && grow(c) != 0)
        return NULL;
    void **obj = c->free;
    c->free = *obj;
    c->live++;
    k_memset(obj, 0, c->obj_size);
    return obj;
}

void kcache_free(struct kcache *c, void *obj)
{
    K_ASSERT(obj != NULL && c->live > 0);
    K_ASSERT(page_in_pool(obj, c->obj_size));
    k_memset(obj, 0xdb, c->obj_size); /* poison: use-after-free reads garbage, not data */
    *(void **)obj = c->free;
    c->free = obj;
    c->live--;
}
