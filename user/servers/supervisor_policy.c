/* SPDX-License-Identifier: MIT */
/*
 * user/servers/supervisor_policy.c - the supervisor's restart arithmetic (see
 * supervisor_proto.h; docs/supervision.md, "Policies"): the intensity window of one server
 * and the exponential backoff between its restarts. Pure functions of virtual times.
 */
#include "supervisor_proto.h"

bool sup_window_full(struct sup_window *w, uint64_t now_ns, uint64_t period_ns, uint32_t intensity)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < w->n; i++) /* a restart at t counts while now - t < period */
        if (now_ns - w->at_ns[i] < period_ns)
            w->at_ns[keep++] = w->at_ns[i];
    w->n = keep;
    return w->n >= intensity || w->n >= SUP_MAX_INTENSITY;
}

void sup_window_add(struct sup_window *w, uint64_t now_ns)
{
    if (w->n < SUP_MAX_INTENSITY)
        w->at_ns[w->n++] = now_ns;
}

uint64_t sup_backoff_ns(uint64_t base_ns, uint64_t max_ns, uint32_t k)
{
    uint64_t d = base_ns;
    for (uint32_t i = 0; i < k && d < max_ns; i++)
        d = d > max_ns / 2 ? max_ns : d * 2;
    return d < max_ns ? d : max_ns;
}
