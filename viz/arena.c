/* SPDX-License-Identifier: MIT */
/*
 * viz/arena.c - a bump allocator over one region (see arena.h).
 */
#include "arena.h"

#include <stdbool.h>

#include "../core/kassert.h"
#include "../core/klib.h"

#define ARENA_ALIGN 16

void viz_arena_init(struct viz_arena *a, void *mem, size_t size)
{
    K_ASSERT(a != NULL && (mem != NULL || size == 0));
    uintptr_t start = K_ALIGN_UP((uintptr_t)mem, (uintptr_t)ARENA_ALIGN);
    size_t skip = (size_t)(start - (uintptr_t)mem);
    a->base = (uint8_t *)start;
    a->size = size > skip ? size - skip : 0;
    a->used = 0;
    a->last = SIZE_MAX;
    a->last_size = 0;
}

void *viz_arena_resize(void *ctx, void *p, size_t old_size, size_t new_size)
{
    struct viz_arena *a = ctx;
    K_ASSERT(a != NULL);
    if (new_size == 0)
        return NULL; /* freed with the whole arena */
    size_t need = K_ALIGN_UP(new_size, (size_t)ARENA_ALIGN);
    bool last = p != NULL && a->last != SIZE_MAX && (size_t)((uint8_t *)p - a->base) == a->last;
    if (last) { /* the last block handed out grows (or shrinks) in place */
        if (need > a->size - a->last)
            return NULL;
        a->used = a->last + need;
        a->last_size = need;
        return p;
    }
    if (need > a->size - a->used)
        return NULL;
    uint8_t *q = a->base + a->used;
    if (p != NULL)
        k_memcpy(q, p, old_size < new_size ? old_size : new_size);
    a->last = a->used;
    a->last_size = need;
    a->used += need;
    K_ASSERT(a->used <= a->size);
    return q;
}

struct viz_alloc viz_arena_alloc(struct viz_arena *a)
{
    return (struct viz_alloc){.resize = viz_arena_resize, .ctx = a};
}
