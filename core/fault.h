/* SPDX-License-Identifier: MIT */
/*
 * core/fault.h - fault injection at the kernel's edge: faults a scenario schedules (kill a
 * task at a virtual time) fire from the deadline heap as traced decisions.
 */
#ifndef TWAIN_CORE_FAULT_H
#define TWAIN_CORE_FAULT_H

#include <stdint.h>

#include "limits.h" /* FAULT_MAX */

enum fault_kind { FAULT_KILL = 1, FAULT_CRASH = 2 };

void fault_reset(void);
/* Kill task task_id at time at_ns. TW_OK, TW_E_LIMIT (FAULT_MAX already) or TW_E_INVAL. */
int fault_schedule(enum fault_kind kind, uint64_t at_ns, uint32_t task_id)
    __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_FAULT_H */
