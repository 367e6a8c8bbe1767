/* SPDX-License-Identifier: MIT */
/*
 * core/kcache.h - fixed-size object caches over the page allocator (a minimal slab).
 *
 * Each cache carves single pages into objects of one size and keeps a LIFO free list, so
 * allocation order is deterministic. Objects come back zeroed. Empty pages are kept for
 * reuse until kcache_shrink(). Callers run with interrupts masked.
 */
#ifndef TWAIN_CORE_KCACHE_H
#define TWAIN_CORE_KCACHE_H

#include <stddef.h>
#include <stdint.h>

struct kcache_page;

struct kcache {
    const char *name;
    uint32_t obj_size; /* rounded up to 16 bytes */
    uint32_t per_page;
    uint32_t live;  /* objects handed out */
    uint32_t pages; /* pages owned */
    void *free;     /* free objects, linked through their first word */
};

/* Set up a cache of objects of size bytes (16 .. K_PAGE_SIZE - 16). */
void kcache_init(struct kcache *c, const char *name, size_t size);
/* A zeroed object, or NULL when the pool is exhausted. */
void *kcache_alloc(struct kcache *c) __attribute__((warn_unused_result));
void kcache_free(struct kcache *c, void *obj);

#endif /* TWAIN_CORE_KCACHE_H */
