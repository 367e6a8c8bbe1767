/* SPDX-License-Identifier: MIT */
/*
 * core/clock.h - time: the virtual clock and cost model of deterministic mode
 * (docs/architecture.md, "Determinism"), the real clock of real-time mode, and the
 * kernel's deadline heap.
 *
 * In deterministic mode time moves only when clock_charge() bills work (system calls,
 * bytes copied, switches, compute steps) or when the idle loop jumps to the next deadline.
 * Timers fire in (deadline, arming order) order, so equal deadlines never race.
 */
#ifndef TWAIN_CORE_CLOCK_H
#define TWAIN_CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct clock_config {
    bool realtime;
    uint64_t quantum_ns;
    uint32_t cost_syscall_ns;
    uint32_t cost_switch_ns;
    uint32_t cost_byte_ps;
};

/* A deadline in the heap. fire runs with interrupts masked, in kernel context. */
struct ktimer {
    uint64_t deadline;
    uint64_t seq;       /* arming order: the tie-break */
    uint32_t heap_slot; /* 0: not armed; else index + 1 */
    void (*fire)(struct ktimer *t);
};

/* Reset time to 0 and take the heap storage (K_MAX_TIMERS entries) from the page pool. */
int clock_init(const struct clock_config *cfg) __attribute__((warn_unused_result));
const struct clock_config *clock_config(void);

uint64_t clock_now(void);
/* Bill ns of work to the clock (deterministic mode; no-op in real time). */
void clock_charge(uint64_t ns);
void clock_charge_bytes(uint64_t nbytes);
/* Deterministic idle: jump forward to t (>= now). */
void clock_advance_to(uint64_t t);
/* Real-time mode: the HAL clock value of kernel time t (for hal_timer_arm). */
uint64_t clock_to_hal(uint64_t t);

/* Arm t at deadline (re-arming moves it). Returns TW_E_LIMIT when the heap is full. */
int ktimer_arm(struct ktimer *t, uint64_t deadline) __attribute__((warn_unused_result));
void ktimer_cancel(struct ktimer *t);
static inline bool ktimer_armed(const struct ktimer *t)
{
    return t->heap_slot != 0;
}
/* Fire every timer whose deadline <= now, earliest first. */
void clock_fire_due(void);
/* Earliest armed deadline; false when none is armed. */
bool clock_next_deadline(uint64_t *deadline);
uint32_t clock_armed_count(void);
/* Invariant checker: heap order and back-pointers. Panics on a violation. */
void clock_check(void);

#endif /* TWAIN_CORE_CLOCK_H */
