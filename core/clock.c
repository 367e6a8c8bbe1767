/* SPDX-License-Identifier: MIT */
/*
 * core/clock.c - virtual/real clock, cost model and the deadline min-heap (see clock.h).
 */
#include "clock.h"
#include "../hal/hal.h"
#include "kassert.h"
#include "klib.h"
#include "limits.h"
#include "page.h"

static struct {
    struct clock_config cfg;
    uint64_t now;     /* virtual ns (deterministic mode) */
    uint64_t byte_ps; /* picoseconds of copying not yet billed */
    uint64_t next_seq;
    uint64_t rt_base; /* real-time mode: the HAL clock at boot, so time starts at 0 */
    struct ktimer **heap;
    uint32_t count;
    uint32_t cap;
    unsigned heap_order;
} clk;

#define HEAP_MAX_ORDER 7 /* 128 pages = 65536 pointers */
K_STATIC_ASSERT((K_PAGE_SIZE << HEAP_MAX_ORDER) / sizeof(void *) >= K_MAX_TIMERS, "heap fits");

int clock_init(const struct clock_config *cfg)
{
    k_memset(&clk, 0, sizeof(clk));
    clk.cfg = *cfg;
    if (cfg->realtime)
        clk.rt_base = hal_clock_now_ns();
    if (clk.cfg.quantum_ns < K_QUANTUM_MIN_NS)
        clk.cfg.quantum_ns = K_QUANTUM_MIN_NS;
    /*
     * Two deadlines per pool page is more than the pool can hold threads and timers for
     * (a thread takes 6 pages); small pools (the fuzzer's) get a small heap, so booting
     * stays cheap. The heap is never read beyond count, so it is not zeroed.
     */
    size_t want = K_MIN(page_total_count() * 2, (size_t)K_MAX_TIMERS);
    clk.heap_order = page_order_for((want * sizeof(void *) + K_PAGE_SIZE - 1) / K_PAGE_SIZE);
    clk.heap = page_alloc_raw(clk.heap_order);
    clk.cap = (uint32_t)K_MIN(((size_t)K_PAGE_SIZE << clk.heap_order) / sizeof(void *),
                              (size_t)K_MAX_TIMERS);
    return clk.heap != NULL ? TW_OK : TW_E_NOMEM;
}

const struct clock_config *clock_config(void)
{
    return &clk.cfg;
}

uint64_t clock_now(void)
{
    return clk.cfg.realtime ? hal_clock_now_ns() - clk.rt_base : clk.now;
}

void clock_charge(uint64_t ns)
{
    if (!clk.cfg.realtime)
        clk.now += ns;
}

void clock_charge_bytes(uint64_t nbytes)
{
    uint64_t ps = clk.byte_ps + nbytes * clk.cfg.cost_byte_ps;
    clk.byte_ps = ps % 1000;
    clock_charge(ps / 1000);
}

uint64_t clock_to_hal(uint64_t t)
{
    return t == UINT64_MAX ? t : t + clk.rt_base;
}

void clock_advance_to(uint64_t t)
{
    K_ASSERT(!clk.cfg.realtime);
    if (t > clk.now)
        clk.now = t;
}

static bool earlier(const struct ktimer *a, const struct ktimer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_set(uint32_t i, struct ktimer *t)
{
    clk.heap[i] = t;
    t->heap_slot = i + 1;
}

static void sift_up(uint32_t i)
{
    struct ktimer *t = clk.heap[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!earlier(t, clk.heap[parent]))
            break;
        heap_set(i, clk.heap[parent]);
        i = parent;
    }
    heap_set(i, t);
}

static void sift_down(uint32_t i)
{
    struct ktimer *t = clk.heap[i];
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        const struct ktimer *best = t;
        if (l < clk.count && earlier(clk.heap[l], best)) {
            m = l;
            best = clk.heap[l];
        }
        if (r < clk.count && earlier(clk.heap[r], best))
            m = r;
        if (m == i)
            break;
        heap_set(i, clk.heap[m]);
        i = m;
    }
    heap_set(i, t);
}

void ktimer_cancel(struct ktimer *t)
{
    if (t->heap_slot == 0)
        return;
    uint32_t i = t->heap_slot - 1;
    K_ASSERT(i < clk.count && clk.heap[i] == t);
    t->heap_slot = 0;
    clk.count--;
    if (i == clk.count)
        return;
    struct ktimer *moved = clk.heap[clk.count];
    heap_set(i, moved);
    sift_down(i);
    sift_up(moved->heap_slot - 1);
}

int ktimer_arm(struct ktimer *t, uint64_t deadline)
{
    ktimer_cancel(t);
    if (clk.count >= clk.cap)
        return TW_E_LIMIT;
    t->deadline = deadline;
    t->seq = clk.next_seq++;
    clk.heap[clk.count] = t;
    clk.count++;
    sift_up(clk.count - 1);
    return TW_OK;
}

bool clock_next_deadline(uint64_t *deadline)
{
    if (clk.count == 0)
        return false;
    *deadline = clk.heap[0]->deadline;
    return true;
}

void clock_fire_due(void)
{
    if (clk.count == 0)
        return; /* the common case at a kernel exit: nothing armed */
    uint64_t now = clock_now();
    /* Bounded: a timer that re-arms at or before now fires again only on a later call. */
    for (uint32_t budget = clk.count; budget > 0 && clk.count > 0; budget--) {
        struct ktimer *t = clk.heap[0];
        if (t->deadline > now)
            break;
        ktimer_cancel(t);
        t->fire(t);
    }
}

void clock_check(void)
{
    K_ASSERT(clk.count <= clk.cap);
    for (uint32_t i = 0; i < clk.count; i++) {
        K_ASSERT(clk.heap[i]->heap_slot == i + 1);
        K_ASSERT(i == 0 || !earlier(clk.heap[i], clk.heap[(i - 1) / 2]));
    }
}

uint32_t clock_armed_count(void)
{
    return clk.count;
}
