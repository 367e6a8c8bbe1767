/* SPDX-License-Identifier: MIT */
/*
 * viz/arena.h - an allocator for the index over one fixed region of memory, for
 * backends without malloc (UEFI: a region of the page pool). A block grows in place when
 * it is the last one handed out, otherwise it moves to the end; nothing is reused. The
 * index grows its arrays by doubling, so it needs at most about twice its final size.
 */
#ifndef TWAIN_VIZ_ARENA_H
#define TWAIN_VIZ_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

struct viz_arena {
    uint8_t *base;
    size_t size;
    size_t used;
    size_t last;      /* offset of the last block handed out */
    size_t last_size; /* its size */
};

void viz_arena_init(struct viz_arena *a, void *mem, size_t size);
/* A viz_resize_fn over the arena (ctx: the struct viz_arena). */
void *viz_arena_resize(void *ctx, void *p, size_t old_size, size_t new_size);
/* The allocator for viz_index_init. */
struct viz_alloc viz_arena_alloc(struct viz_arena *a);

#endif /* TWAIN_VIZ_ARENA_H */
