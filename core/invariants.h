/* SPDX-License-Identifier: MIT */
/*
 * core/invariants.h - the kernel's invariant checker, callable between runs (no thread
 * running): handle and reference counts agree, wait queues hold only blocked threads,
 * channel rings are consistent, the deadline heap is ordered, page accounting balances,
 * the task tree links only living tasks, each once, without a cycle.
 * A violation panics with the file and line of the broken assertion.
 */
#ifndef TWAIN_CORE_INVARIANTS_H
#define TWAIN_CORE_INVARIANTS_H

/* Check everything. Precondition: called from outside the kernel (the idle context). */
void k_check_invariants(void);

#endif /* TWAIN_CORE_INVARIANTS_H */
