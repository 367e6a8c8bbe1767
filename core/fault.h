/* SPDX-License-Identifier: MIT */
/*
 * core/fault.h - fault injection at the kernel's edge: faults a scenario schedules fire
 * from the deadline heap as traced decisions (TR_FAULT). A kill ends a task chosen by id; a
 * server fault kills whatever task serves a port chosen by name at the time it fires (the
 * servers a supervisor spawns have no id a scenario could know); a campaign is one fault
 * that kills many times, at times and of servers it draws from the kernel's PRNG, re-arming
 * itself after each kill (docs/supervision.md, "Campaign").
 */
#ifndef TWAIN_CORE_FAULT_H
#define TWAIN_CORE_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h" /* FAULT_MAX, FAULT_NAMES_LEN */

/* The same values as TR_FAULT's a (enum trace_fault). */
enum fault_kind { FAULT_KILL = 1, FAULT_CRASH = 2, FAULT_KILL_SERVER = 3, FAULT_CAMPAIGN = 4 };

void fault_reset(void);
/* Kill task task_id at time at_ns. TW_OK, TW_E_LIMIT (FAULT_MAX already) or TW_E_INVAL. */
int fault_schedule(enum fault_kind kind, uint64_t at_ns, uint32_t task_id)
    __attribute__((warn_unused_result));

/*
 * At time at_ns kill the server of name[0..len): the task bound to the open port of that
 * name (chan://NAME?listen), or else to the open port that serves the scheme of that name
 * (port_serve_scheme). Traced TR_FAULT (FAULT_KILL_SERVER, task, port): task 0 when no task
 * was killed (no such port, none bound, or its server already ending), port 0 when no port
 * had the name. name is 1..K_CHAN_NAME-1 bytes of A-Z a-z 0-9 . _ ~ + - (copied). TW_OK,
 * TW_E_INVAL (a bad name), TW_E_LIMIT (FAULT_MAX faults already).
 */
int fault_schedule_server(const char *name, size_t len, uint64_t at_ns)
    __attribute__((warn_unused_result));

/*
 * A campaign of count kills in [from_ns, to_ns): the window is cut into count slices of
 * equal length (within a nanosecond) and the i-th kill comes at a time drawn uniformly from
 * the i-th, each drawn from the kernel's PRNG when the one before fired (the first now).
 * Each kill draws its target when it fires: one of servers' names, uniformly, killed as by
 * fault_schedule_server (traced FAULT_CAMPAIGN); or, for servers "*", one of the open ports
 * whose bound server is not ending, uniformly (task 0, port 0 when there is none). Once no
 * thread is left, the campaign stops. servers is names as fault_schedule_server takes them,
 * separated by one space, FAULT_NAMES_LEN - 1 bytes in all, or "*" (copied). TW_OK;
 * TW_E_INVAL (bad names, count 0, from_ns >= to_ns, or fewer than count ns between them);
 * TW_E_LIMIT (FAULT_MAX faults already, or the deadline heap is full).
 */
int fault_schedule_campaign(const char *servers, size_t len, uint32_t count, uint64_t from_ns,
                            uint64_t to_ns) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_FAULT_H */
