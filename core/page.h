/* SPDX-License-Identifier: MIT */
/*
 * core/page.h - the page allocator: a buddy allocator over the pool the HAL gives.
 *
 * Blocks are 2^order pages, order 0..K_MAX_ORDER. Free lists are kept in address order of
 * insertion (LIFO per order), so the same sequence of calls always returns the same pages:
 * allocation is deterministic. Not interrupt safe: callers run with interrupts masked.
 */
#ifndef TWAIN_CORE_PAGE_H
#define TWAIN_CORE_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Take over [base, base + npages pages). Metadata is carved from the pool's start. */
void page_init(void *base, size_t npages);

/* Allocate 2^order contiguous pages, zeroed. NULL when none is free. */
void *page_alloc(unsigned order) __attribute__((warn_unused_result));
/* Like page_alloc, not zeroed: for kernel arrays that never read an unwritten entry. */
void *page_alloc_raw(unsigned order) __attribute__((warn_unused_result));
/* Free a block returned by page_alloc with the same order. */
void page_free(void *p, unsigned order);

/* Smallest order holding npages pages. */
unsigned page_order_for(size_t npages);

size_t page_free_count(void);
size_t page_total_count(void);
/* True when p lies inside the managed pool. */
bool page_in_pool(const void *p, size_t len);
/* Checks the free lists against the per-page metadata and the free count; panics if not. */
void page_check(void);

#endif /* TWAIN_CORE_PAGE_H */
