/* SPDX-License-Identifier: MIT */
/*
 * core/page.c - buddy page allocator (see page.h).
 *
 * Per page one metadata byte: the first page of every block says whether the block is
 * free (META_FREE) or allocated (META_ALLOC) and its order (low bits); every other page's
 * byte is 0. Free blocks link through their first bytes (struct free_block). page_check()
 * walks the pool block by block, so a double free or a corrupted list is caught.
 *
 * page_init writes into the pool only the metadata and the links of the few smaller blocks
 * at its end: the largest blocks (order K_MAX_ORDER, the rest) are not linked but counted
 * (pool.untouched). They are the bottom of that order's free list, which is a stack (its
 * blocks have no buddy to merge with, so they leave it only at the top): blocks 0 ..
 * untouched - 1, the highest on top, as if pushed in address order. A block leaves the
 * count when it is allocated, so untouched memory is a prefix of the pool that no one has
 * written: the host maps a page of it (a huge page, in the simulator) only once it is used.
 */
#include "page.h"
#include "kassert.h"
#include "klib.h"
#include "limits.h"

#define META_FREE  0x80u
#define META_ALLOC 0x40u
#define META_ORDER 0x3fu

struct free_block {
    struct free_block *next;
    struct free_block *prev;
};

static struct {
    uint8_t *base; /* first managed page */
    uint8_t *meta; /* one byte per managed page */
    size_t npages;
    size_t nfree;
    struct free_block *free[K_MAX_ORDER + 1];
    size_t untouched; /* blocks of order K_MAX_ORDER below free[K_MAX_ORDER], never written */
} pool;

static size_t page_index(const void *p)
{
    return (size_t)((const uint8_t *)p - pool.base) / K_PAGE_SIZE;
}

static void *page_at(size_t idx)
{
    return pool.base + idx * K_PAGE_SIZE;
}

static void push_free(size_t idx, unsigned order)
{
    struct free_block *b = page_at(idx);
    b->prev = NULL;
    b->next = pool.free[order];
    if (b->next != NULL)
        b->next->prev = b;
    pool.free[order] = b;
    pool.meta[idx] = (uint8_t)(META_FREE | order);
}

static void unlink_free(size_t idx, unsigned order)
{
    struct free_block *b = page_at(idx);
    K_ASSERT(pool.meta[idx] == (META_FREE | order));
    if (b->prev != NULL)
        b->prev->next = b->next;
    else
        pool.free[order] = b->next;
    if (b->next != NULL)
        b->next->prev = b->prev;
    pool.meta[idx] = 0;
}

/* Take the block on top of order's free list (one is there): its first page's index. */
static size_t take_free(unsigned order)
{
    if (pool.free[order] == NULL) {
        K_ASSERT(order == K_MAX_ORDER && pool.untouched > 0);
        size_t idx = --pool.untouched << K_MAX_ORDER;
        K_ASSERT(pool.meta[idx] == (META_FREE | K_MAX_ORDER));
        pool.meta[idx] = 0;
        return idx;
    }
    size_t idx = page_index(pool.free[order]);
    unlink_free(idx, order);
    return idx;
}

static bool have_free(unsigned order)
{
    return pool.free[order] != NULL || (order == K_MAX_ORDER && pool.untouched > 0);
}

void page_init(void *base, size_t npages)
{
    K_ASSERT(((uintptr_t)base & (K_PAGE_SIZE - 1)) == 0);
    size_t meta_pages = (npages + K_PAGE_SIZE - 1) / K_PAGE_SIZE;
    K_ASSERT(npages > meta_pages);
    k_memset(&pool, 0, sizeof(pool));
    pool.meta = base;
    pool.base = (uint8_t *)base + meta_pages * K_PAGE_SIZE;
    pool.npages = npages - meta_pages;
    k_memset(pool.meta, 0, pool.npages);
    /* Carve the pool into the largest aligned blocks, lowest addresses first: those of the
     * largest order only counted, the smaller ones at the end linked. */
    size_t idx = 0;
    for (; idx + (1u << K_MAX_ORDER) <= pool.npages; idx += 1u << K_MAX_ORDER) {
        pool.meta[idx] = (uint8_t)(META_FREE | K_MAX_ORDER);
        pool.untouched++;
        pool.nfree += 1u << K_MAX_ORDER;
    }
    while (idx < pool.npages) {
        unsigned order = K_MAX_ORDER;
        while (order > 0 && ((idx & ((1u << order) - 1)) != 0 || idx + (1u << order) > pool.npages))
            order--;
        push_free(idx, order);
        pool.nfree += 1u << order;
        idx += 1u << order;
    }
}

unsigned page_order_for(size_t npages)
{
    unsigned order = 0;
    while ((1u << order) < npages)
        order++;
    return order;
}

void *page_alloc(unsigned order)
{
    void *p = page_alloc_raw(order);
    if (p != NULL)
        k_memset(p, 0, (size_t)K_PAGE_SIZE << order);
    return p;
}

void *page_alloc_raw(unsigned order)
{
    K_ASSERT(order <= K_MAX_ORDER);
    unsigned o = order;
    while (o <= K_MAX_ORDER && !have_free(o))
        o++;
    if (o > K_MAX_ORDER)
        return NULL;
    size_t idx = take_free(o);
    while (o > order) { /* split, returning upper halves to the free lists */
        o--;
        push_free(idx + (1u << o), o);
    }
    pool.meta[idx] = (uint8_t)(META_ALLOC | order);
    pool.nfree -= 1u << order;
    return page_at(idx);
}

void page_free(void *p, unsigned order)
{
    K_ASSERT(p != NULL && page_in_pool(p, (size_t)K_PAGE_SIZE << order));
    size_t idx = page_index(p);
    K_ASSERT((idx & ((1u << order) - 1)) == 0);
    K_ASSERT(pool.meta[idx] == (META_ALLOC | order)); /* catches double and mismatched frees */
    pool.meta[idx] = 0;
    pool.nfree += 1u << order;
    while (order < K_MAX_ORDER) {
        size_t buddy = idx ^ (1u << order);
        if (buddy + (1u << order) > pool.npages || pool.meta[buddy] != (META_FREE | order))
            break;
        unlink_free(buddy, order);
        idx = idx < buddy ? idx : buddy;
        order++;
    }
    push_free(idx, order);
}

size_t page_free_count(void)
{
    return pool.nfree;
}

size_t page_total_count(void)
{
    return pool.npages;
}

bool page_in_pool(const void *p, size_t len)
{
    const uint8_t *b = p;
    return b >= pool.base && len <= pool.npages * K_PAGE_SIZE &&
           (size_t)(b - pool.base) <= pool.npages * K_PAGE_SIZE - len;
}

void page_check(void)
{
    size_t counted = 0;
    for (unsigned o = 0; o <= K_MAX_ORDER; o++) {
        size_t bound = pool.npages + 1;
        for (struct free_block *b = pool.free[o]; b != NULL; b = b->next) {
            K_ASSERT(bound-- > 0); /* no cycles */
            size_t idx = page_index(b);
            K_ASSERT(idx < pool.npages && pool.meta[idx] == (META_FREE | o));
            K_ASSERT(idx >= pool.untouched << K_MAX_ORDER); /* nothing linked in the prefix */
            K_ASSERT(b->next == NULL || b->next->prev == b);
            counted += 1u << o;
        }
    }
    counted += pool.untouched << K_MAX_ORDER;
    K_ASSERT(counted == pool.nfree && pool.nfree <= pool.npages);
    /* Walk the pool block by block: every block starts with a head, nothing else does. */
    size_t idx = 0, free_pages = 0;
    while (idx < pool.npages) {
        uint8_t m = pool.meta[idx];
        K_ASSERT((m & (META_FREE | META_ALLOC)) != 0 && (m & META_FREE) != (m & META_ALLOC) << 1);
        size_t size = (size_t)1 << (m & META_ORDER);
        K_ASSERT((idx & (size - 1)) == 0 && idx + size <= pool.npages);
        K_ASSERT(idx >= pool.untouched << K_MAX_ORDER || m == (META_FREE | K_MAX_ORDER));
        uint8_t tail = 0; /* or-ed, not tested byte by byte: the loop vectorises */
        for (size_t i = 1; i < size; i++)
            tail |= pool.meta[idx + i];
        K_ASSERT(tail == 0);
        free_pages += (m & META_FREE) ? size : 0;
        idx += size;
    }
    K_ASSERT(free_pages == pool.nfree);
}
